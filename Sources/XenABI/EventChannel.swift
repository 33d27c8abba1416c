/// Event channel hypercall ABI (`xen/event_channel.h`): `HYPERVISOR_event_channel_op(cmd, arg)` with the
/// sub-op in r0 and the guest-virtual address of its argument structure in r1.

/// An event channel port (`evtchn_port_t`).
public typealias EventChannelPort = UInt32

/// The sub-op (`EVTCHNOP_*`). A struct over the raw value: an unknown sub-op stays representable
/// (answered -ENOSYS).
public struct EventChannelCommand: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let bindInterdomain = EventChannelCommand(rawValue: 0)  // EVTCHNOP_bind_interdomain
    public static let bindVirq = EventChannelCommand(rawValue: 1)         // EVTCHNOP_bind_virq
    public static let close = EventChannelCommand(rawValue: 3)            // EVTCHNOP_close
    public static let send = EventChannelCommand(rawValue: 4)             // EVTCHNOP_send
    public static let status = EventChannelCommand(rawValue: 5)           // EVTCHNOP_status
    public static let allocUnbound = EventChannelCommand(rawValue: 6)     // EVTCHNOP_alloc_unbound
    public static let unmask = EventChannelCommand(rawValue: 9)           // EVTCHNOP_unmask

    public var description: String {
        switch self {
        case .bindInterdomain: return "bind_interdomain"
        case .bindVirq: return "bind_virq"
        case .close: return "close"
        case .send: return "send"
        case .status: return "status"
        case .allocUnbound: return "alloc_unbound"
        case .unmask: return "unmask"
        default: return "evtchnop(\(rawValue))"
        }
    }
}

/// Virtual IRQs (`VIRQ_*` in `xen/xen.h`) a guest may bind.
public struct VirtualIRQ: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let timer = VirtualIRQ(rawValue: 0)    // VIRQ_TIMER
    /// `NR_VIRQS`: a virq at or above it is -EINVAL.
    public static let count: UInt32 = 24
}

/// `EVTCHNSTAT_*`: the state `EVTCHNOP_status` reports.
public enum EventChannelStatusCode: UInt32, Sendable {
    case closed = 0, unbound = 1, interdomain = 2, pirq = 3, virq = 4, ipi = 5
}

/// `struct evtchn_alloc_unbound`: allocate a port in `dom` that `remoteDom` may later bind.
public struct EvtchnAllocUnbound: XenABIStruct {
    public static let layout = CLayout("struct evtchn_alloc_unbound", size: 8, [
        .init("dom", 0, 2), .init("remote_dom", 2, 2), .init("port", 4, 4),
    ])
    public var dom: UInt16
    public var remoteDom: UInt16
    public var port: EventChannelPort
    public init(dom: UInt16, remoteDom: UInt16, port: EventChannelPort = 0) {
        self.dom = dom; self.remoteDom = remoteDom; self.port = port
    }
    public init(bytes: [UInt8]) throws(XenABIError) {
        let r = try LayoutReader(bytes, Self.layout)
        dom = r.u16("dom"); remoteDom = r.u16("remote_dom"); port = r.u32("port")
    }
    public func encoded() -> [UInt8] {
        var w = LayoutWriter(Self.layout)
        w.set("dom", dom); w.set("remote_dom", remoteDom); w.set("port", port)
        return w.bytes
    }
}

/// `struct evtchn_bind_interdomain`: connect a new local port to `remotePort`, unbound in `remoteDom` for us.
public struct EvtchnBindInterdomain: XenABIStruct {
    public static let layout = CLayout("struct evtchn_bind_interdomain", size: 12, [
        .init("remote_dom", 0, 2), .init("remote_port", 4, 4), .init("local_port", 8, 4),
    ])
    public var remoteDom: UInt16
    public var remotePort: EventChannelPort
    public var localPort: EventChannelPort
    public init(remoteDom: UInt16, remotePort: EventChannelPort, localPort: EventChannelPort = 0) {
        self.remoteDom = remoteDom; self.remotePort = remotePort; self.localPort = localPort
    }
    public init(bytes: [UInt8]) throws(XenABIError) {
        let r = try LayoutReader(bytes, Self.layout)
        remoteDom = r.u16("remote_dom"); remotePort = r.u32("remote_port"); localPort = r.u32("local_port")
    }
    public func encoded() -> [UInt8] {
        var w = LayoutWriter(Self.layout)
        w.set("remote_dom", remoteDom); w.set("remote_port", remotePort); w.set("local_port", localPort)
        return w.bytes
    }
}

/// `struct evtchn_bind_virq`.
public struct EvtchnBindVirq: XenABIStruct {
    public static let layout = CLayout("struct evtchn_bind_virq", size: 12, [
        .init("virq", 0, 4), .init("vcpu", 4, 4), .init("port", 8, 4),
    ])
    public var virq: UInt32
    public var vcpu: UInt32
    public var port: EventChannelPort
    public init(virq: UInt32, vcpu: UInt32, port: EventChannelPort = 0) {
        self.virq = virq; self.vcpu = vcpu; self.port = port
    }
    public init(bytes: [UInt8]) throws(XenABIError) {
        let r = try LayoutReader(bytes, Self.layout)
        virq = r.u32("virq"); vcpu = r.u32("vcpu"); port = r.u32("port")
    }
    public func encoded() -> [UInt8] {
        var w = LayoutWriter(Self.layout)
        w.set("virq", virq); w.set("vcpu", vcpu); w.set("port", port)
        return w.bytes
    }
}

/// `struct evtchn_send`, `struct evtchn_close` and `struct evtchn_unmask`: one port, same layout (each is
/// checked against its own C type through `layouts`).
public struct EvtchnPortArgument: XenABIStruct {
    public static let layout = CLayout("struct evtchn_send", size: 4, [.init("port", 0, 4)])
    /// The three C types this one mirror stands for.
    public static let layouts: [CLayout] = ["struct evtchn_send", "struct evtchn_close", "struct evtchn_unmask"]
        .map { CLayout($0, size: 4, [.init("port", 0, 4)]) }
    public var port: EventChannelPort
    public init(port: EventChannelPort) { self.port = port }
    public init(bytes: [UInt8]) throws(XenABIError) {
        port = try LayoutReader(bytes, Self.layout).u32("port")
    }
    public func encoded() -> [UInt8] {
        var w = LayoutWriter(Self.layout)
        w.set("port", port)
        return w.bytes
    }
}

/// `struct evtchn_status`: IN dom, port; OUT status, vcpu and the union `u` (which member depends on status).
public struct EvtchnStatus: XenABIStruct {
    public static let layout = CLayout("struct evtchn_status", size: 24, [
        .init("dom", 0, 2), .init("port", 4, 4), .init("status", 8, 4), .init("vcpu", 12, 4),
        .init("u.unbound.dom", 16, 2), .init("u.interdomain.dom", 16, 2), .init("u.interdomain.port", 20, 4),
        .init("u.virq", 16, 4),
    ])
    public var dom: UInt16
    public var port: EventChannelPort
    public var status: UInt32
    public var vcpu: UInt32
    /// `u.unbound.dom` / `u.interdomain.dom` (same offset).
    public var remoteDom: UInt16
    /// `u.interdomain.port`.
    public var remotePort: EventChannelPort
    /// `u.virq` (overlaps `remoteDom`; written only when status is virq).
    public var virq: UInt32

    public init(dom: UInt16, port: EventChannelPort, status: UInt32 = 0, vcpu: UInt32 = 0, remoteDom: UInt16 = 0,
                remotePort: EventChannelPort = 0, virq: UInt32 = 0) {
        self.dom = dom; self.port = port; self.status = status; self.vcpu = vcpu
        self.remoteDom = remoteDom; self.remotePort = remotePort; self.virq = virq
    }
    public init(bytes: [UInt8]) throws(XenABIError) {
        let r = try LayoutReader(bytes, Self.layout)
        dom = r.u16("dom"); port = r.u32("port"); status = r.u32("status"); vcpu = r.u32("vcpu")
        remoteDom = r.u16("u.interdomain.dom"); remotePort = r.u32("u.interdomain.port"); virq = r.u32("u.virq")
    }
    public func encoded() -> [UInt8] {
        var w = LayoutWriter(Self.layout)
        w.set("dom", dom); w.set("port", port); w.set("status", status); w.set("vcpu", vcpu)
        if status == EventChannelStatusCode.virq.rawValue {
            w.set("u.virq", virq)
        } else {
            w.set("u.interdomain.dom", remoteDom); w.set("u.interdomain.port", remotePort)
        }
        return w.bytes
    }
}

extension EventChannelCommand {
    /// The constants above, for the clang check.
    public static let cConstants: [CConstant] = [
        .init("EVTCHNOP_bind_interdomain", 0), .init("EVTCHNOP_bind_virq", 1), .init("EVTCHNOP_close", 3),
        .init("EVTCHNOP_send", 4), .init("EVTCHNOP_status", 5), .init("EVTCHNOP_alloc_unbound", 6),
        .init("EVTCHNOP_unmask", 9),
        .init("EVTCHNSTAT_closed", 0), .init("EVTCHNSTAT_unbound", 1), .init("EVTCHNSTAT_interdomain", 2),
        .init("EVTCHNSTAT_pirq", 3), .init("EVTCHNSTAT_virq", 4), .init("EVTCHNSTAT_ipi", 5),
        .init("VIRQ_TIMER", 0), .init("NR_VIRQS", Int64(VirtualIRQ.count)),
        .init("EVTCHN_2L_NR_CHANNELS", Int64(SharedInfoLayout.channelCount)),
        .init("DOMID_SELF", 0x7FF0),
        .init("__HYPERVISOR_event_channel_op", 32), .init("__HYPERVISOR_grant_table_op", 20),
    ]
}
