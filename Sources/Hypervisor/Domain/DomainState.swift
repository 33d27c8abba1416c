/// Where a domain is in its life. A domain ends exactly once: by its own shutdown hypercall, by a crash the
/// hypervisor decided (a fault it could not deliver), or by being destroyed.
public enum DomainState: Sendable, Equatable, CustomStringConvertible {
    case running
    /// Every vCPU is blocked waiting for an event or a timer.
    case blocked
    /// `SCHEDOP_shutdown` with this reason.
    case shutdown(reason: String)
    /// Killed by the hypervisor (`why` names the fault).
    case crashed(why: String)

    public var hasEnded: Bool {
        switch self {
        case .running, .blocked: return false
        case .shutdown, .crashed: return true
        }
    }

    /// True only for the clean end: `SCHEDOP_shutdown(SHUTDOWN_poweroff)`.
    public var isPoweroff: Bool { self == .shutdown(reason: "poweroff") }

    /// The short form reported to the launcher: "poweroff", "reboot", "crash", "crashed: …".
    public var reason: String {
        switch self {
        case .running: return "running"
        case .blocked: return "blocked"
        case let .shutdown(reason): return reason
        case let .crashed(why): return "crashed: \(why)"
        }
    }

    public var description: String { reason }
}
