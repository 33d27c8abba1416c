/// Why a soak could not run or finish (the report itself carries lost writes and the like, not these).
public enum SoakError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing in the topology may be killed (no xenstored, model or backend, or `--kinds` excluded all).
    case nothingToKill(kinds: [String])
    /// `--kinds` names a kind the topology does not have.
    case unknownKind(String, available: [String])
    /// A guest printed nothing within the start timeout: its workload never ran.
    case guestsSilent([String], seconds: Int)
    /// The launch ended before the soak could begin (a process failed to start).
    case launchEnded(status: Int32)

    public var description: String {
        switch self {
        case let .nothingToKill(kinds):
            return "nothing to kill: the topology has no process of the kinds \(kinds.joined(separator: ", "))"
        case let .unknownKind(kind, available):
            return "no process of kind \(kind) in this topology (it has: \(available.joined(separator: ", ")))"
        case let .guestsSilent(names, seconds):
            return "guests printed nothing within \(seconds)s: \(names.joined(separator: ", "))"
        case let .launchEnded(status):
            return "the launch ended (status \(status)) before the soak began; see the run directory's logs"
        }
    }
}
