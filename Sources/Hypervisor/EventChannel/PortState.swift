import XenABI

/// What one event channel port is (Xen's `struct evtchn` state, `ECS_*` in `xen/include/xen/sched.h`), with the
/// data each state needs carried by its case rather than a union commented per state.
public enum PortState: Equatable, Sendable, CustomStringConvertible {
    /// `ECS_FREE`: may be allocated.
    case free
    /// `ECS_RESERVED`: port 0, never allocated, so 0 can mean "no port" in guest structures.
    case reserved
    /// `ECS_UNBOUND`: allocated and offered to `remote`, which may bind it with `bind_interdomain`.
    case unbound(remote: DomID)
    /// `ECS_INTERDOMAIN`: connected to `remotePort` of `remote`; a send marks that port pending.
    case interdomain(remote: DomID, remotePort: EventChannelPort)
    /// `ECS_VIRQ`: the hypervisor raises it (VIRQ_TIMER).
    case virq(VirtualIRQ)

    /// The `EVTCHNSTAT_*` code `EVTCHNOP_status` reports.
    public var statusCode: EventChannelStatusCode {
        switch self {
        case .free, .reserved: return .closed
        case .unbound: return .unbound
        case .interdomain: return .interdomain
        case .virq: return .virq
        }
    }

    public var isAllocated: Bool {
        switch self {
        case .free, .reserved: return false
        default: return true
        }
    }

    public var description: String {
        switch self {
        case .free: return "free"
        case .reserved: return "reserved"
        case let .unbound(r): return "unbound(\(r))"
        case let .interdomain(r, p): return "interdomain(\(r):\(p))"
        case let .virq(v): return "virq(\(v.rawValue))"
        }
    }
}
