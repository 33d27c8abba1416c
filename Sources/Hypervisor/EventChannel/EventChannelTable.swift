import XenABI

/// One domain's ports (Xen's `d->evtchn`). A value: `EventChannels` holds one per domain under its lock.
public struct EventChannelTable: Sendable {
    /// Ports per domain. The 2-level ABI on ARM has 4096 bits in shared_info (`EVTCHN_2L_NR_CHANNELS`), so a
    /// port at or above it could never be signalled; the table grows on demand up to that bound, so a guest
    /// allocating in a loop gets -ENOSPC at 4096 ports (about 100 KiB of state) instead of growing the
    /// hypervisor without limit.
    public static let maxPorts = SharedInfoLayout.channelCount

    public let domain: DomID
    /// Index = port. Port 0 is `reserved`.
    public private(set) var ports: [PortState] = [.reserved]

    public init(domain: DomID) { self.domain = domain }

    public func state(_ port: EventChannelPort) -> PortState {
        Int(port) < ports.count ? ports[Int(port)] : .free
    }

    /// The lowest free port, set to `state` (Xen's get_free_port: lowest first, so port numbers stay small).
    public mutating func allocate(_ state: PortState) throws(EventChannelError) -> EventChannelPort {
        if let i = ports.firstIndex(of: .free) {
            ports[i] = state
            return EventChannelPort(i)
        }
        guard ports.count < Self.maxPorts else { throw EventChannelError.noFreePort(domain) }
        ports.append(state)
        return EventChannelPort(ports.count - 1)
    }

    /// Sets an allocated port's state; `port` must be in the table (checked by the caller).
    public mutating func set(_ port: EventChannelPort, _ state: PortState) {
        precondition(Int(port) < ports.count && port != 0, "set only allocated ports")
        ports[Int(port)] = state
    }

    /// The port bound to `virq`, if any.
    public func port(boundTo virq: VirtualIRQ) -> EventChannelPort? {
        ports.firstIndex(of: .virq(virq)).map { EventChannelPort($0) }
    }

    /// Every allocated port with its state.
    public var allocated: [(EventChannelPort, PortState)] {
        ports.enumerated().compactMap { $0.element.isAllocated ? (EventChannelPort($0.offset), $0.element) : nil }
    }
}
