import XenABI

/// `__HYPERVISOR_event_channel_op` (Xen's `do_event_channel_op`): r0 = `EVTCHNOP_*`, r1 = guest-virtual address
/// of the argument structure. Each case copies the argument in through the caller's address space, validates
/// it, acts on `EventChannels`, and copies the OUT fields back; the result is 0 or a negative Xen errno.
///
/// Guests are unprivileged: `dom` fields must name the caller (`DOMID_SELF` or its own id), as Xen's XSM
/// default policy requires; Dom0's operations come over the bus, not through here.
public struct EventChannelOps: Sendable {
    public let channels: EventChannels

    public init(channels: EventChannels) { self.channels = channels }

    /// Serves one hypercall; returns the r0 value.
    public func handle(_ call: HypercallInvocation) -> UInt32 {
        let command = EventChannelCommand(rawValue: call.arguments.0)
        let argument = call.arguments.1
        do {
            try dispatch(command, argument, call)
            return 0
        } catch {
            channels.countRefusal()
            return error.registerValue
        }
    }

    private func dispatch(_ command: EventChannelCommand, _ address: UInt32, _ call: HypercallInvocation) throws(XenErrno) {
        let caller = call.caller
        switch command {
        case .allocUnbound:
            var op = try copyIn(EvtchnAllocUnbound.self, address, call)
            try requireSelf(op.dom, caller)
            op.port = try mapped { () throws(EventChannelError) in
                try channels.allocUnbound(in: caller, remote: resolve(op.remoteDom, caller))
            }
            try copyOut(op, address, call)
        case .bindInterdomain:
            var op = try copyIn(EvtchnBindInterdomain.self, address, call)
            op.localPort = try mapped { () throws(EventChannelError) in
                try channels.bindInterdomain(in: caller, remote: resolve(op.remoteDom, caller), remotePort: op.remotePort)
            }
            try copyOut(op, address, call)
        case .bindVirq:
            var op = try copyIn(EvtchnBindVirq.self, address, call)
            guard op.virq < VirtualIRQ.count else { throw .EINVAL }
            guard op.vcpu == 0 else { throw .ENOENT }
            op.port = try mapped { () throws(EventChannelError) in
                try channels.bindVirq(in: caller, virq: VirtualIRQ(rawValue: op.virq))
            }
            try copyOut(op, address, call)
        case .close:
            let op = try copyIn(EvtchnPortArgument.self, address, call)
            try mapped { () throws(EventChannelError) in try channels.close(in: caller, port: op.port) }
        case .send:
            let op = try copyIn(EvtchnPortArgument.self, address, call)
            try mapped { () throws(EventChannelError) in try channels.send(from: caller, port: op.port) }
        case .unmask:
            let op = try copyIn(EvtchnPortArgument.self, address, call)
            try mapped { () throws(EventChannelError) in try channels.unmask(in: caller, port: op.port) }
        case .status:
            var op = try copyIn(EvtchnStatus.self, address, call)
            try requireSelf(op.dom, caller)
            let state = try mapped { () throws(EventChannelError) in try channels.status(in: caller, port: op.port) }
            op.status = state.statusCode.rawValue
            op.vcpu = 0
            switch state {
            case let .unbound(remote): op.remoteDom = remote.rawValue
            case let .interdomain(remote, port): op.remoteDom = remote.rawValue; op.remotePort = port
            case let .virq(v): op.virq = v.rawValue
            case .free, .reserved: break
            }
            try copyOut(op, address, call)
        default:
            throw .ENOSYS
        }
    }

    private func requireSelf(_ dom: UInt16, _ caller: DomID) throws(XenErrno) {
        guard dom == DomID.selfReference.rawValue || dom == caller.rawValue else { throw .EPERM }
    }

    private func resolve(_ dom: UInt16, _ caller: DomID) -> DomID {
        dom == DomID.selfReference.rawValue ? caller : DomID(dom)
    }

    private func mapped<T>(_ body: () throws(EventChannelError) -> T) throws(XenErrno) -> T {
        do { return try body() } catch { throw error.errno }
    }

    private func copyIn<T: XenABIStruct>(_: T.Type, _ address: UInt32, _ call: HypercallInvocation) throws(XenErrno) -> T {
        guard let bytes = call.space.copyIn(from: address, count: T.layout.size) else { throw .EFAULT }
        do { return try T(bytes: bytes) } catch { throw .EFAULT }
    }

    private func copyOut<T: XenABIStruct>(_ value: T, _ address: UInt32, _ call: HypercallInvocation) throws(XenErrno) {
        guard call.space.copyOut(to: address, bytes: value.encoded()) else { throw .EFAULT }
    }
}
