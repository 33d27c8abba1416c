import XenABI

/// Why an event channel operation was refused. Cases carry the values; `errno` is the one place they become
/// guest-visible codes (Xen's choices in `xen/common/event_channel.c`).
public enum EventChannelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The domain named does not exist (or is being destroyed).
    case noSuchDomain(DomID)
    /// The port is out of range or not allocated in that domain.
    case badPort(DomID, EventChannelPort)
    /// `bind_interdomain` to a port that is not unbound-for-the-caller in the remote domain.
    case notOffered(remote: DomID, port: EventChannelPort, to: DomID)
    /// Every port of the domain is in use.
    case noFreePort(DomID)
    /// The caller may not act on that domain.
    case notPermitted(caller: DomID, target: DomID)
    /// A virq number past NR_VIRQS, or one this hypervisor never raises.
    case badVirq(UInt32)
    /// The virq is already bound in this domain.
    case virqBound(VirtualIRQ, port: EventChannelPort)
    /// A vCPU other than 0 (xenarm domains have one).
    case noSuchVcpu(UInt32)

    public var errno: XenErrno {
        switch self {
        case .noSuchDomain: return .ESRCH
        case .badPort, .notOffered, .badVirq: return .EINVAL
        case .noFreePort: return .ENOSPC
        case .notPermitted: return .EPERM
        case .virqBound: return .EEXIST
        case .noSuchVcpu: return .ENOENT
        }
    }

    public var description: String {
        switch self {
        case let .noSuchDomain(d): return "no domain \(d)"
        case let .badPort(d, p): return "\(d) port \(p) is not allocated"
        case let .notOffered(r, p, to): return "\(r) port \(p) is not unbound for \(to)"
        case let .noFreePort(d): return "\(d) has no free port"
        case let .notPermitted(c, t): return "\(c) may not act on \(t)"
        case let .badVirq(v): return "virq \(v) is not bindable"
        case let .virqBound(v, p): return "virq \(v.rawValue) already bound to port \(p)"
        case let .noSuchVcpu(v): return "no vcpu \(v)"
        }
    }
}
