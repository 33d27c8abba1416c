import Synchronization

/// What a server has seen, readable from any thread (a status report, the launcher's `status`) while the
/// serving thread counts. Relaxed atomics: each counter is exact, a snapshot is not one instant across all.
public final class WireCounters: Sendable {
    private let received = Atomic<UInt64>(0)
    private let replied = Atomic<UInt64>(0)
    private let malformed = Atomic<UInt64>(0)
    private let truncated = Atomic<UInt64>(0)
    private let oversized = Atomic<UInt64>(0)
    private let unknownKind = Atomic<UInt64>(0)
    private let wrongVersion = Atomic<UInt64>(0)
    private let other = Atomic<UInt64>(0)

    public init() {}

    func countReceived() { received.add(1, ordering: .relaxed) }
    func countReplied() { replied.add(1, ordering: .relaxed) }

    /// Counts one rejected frame under its error code.
    func countReject(_ code: ErrorReply.Code) {
        switch code {
        case .malformed: malformed.add(1, ordering: .relaxed)
        case .truncated: truncated.add(1, ordering: .relaxed)
        case .oversized: oversized.add(1, ordering: .relaxed)
        case .unknownKind: unknownKind.add(1, ordering: .relaxed)
        case .wrongVersion: wrongVersion.add(1, ordering: .relaxed)
        default: other.add(1, ordering: .relaxed)
        }
    }

    public func snapshot() -> Snapshot {
        Snapshot(
            received: received.load(ordering: .relaxed), replied: replied.load(ordering: .relaxed),
            malformed: malformed.load(ordering: .relaxed), truncated: truncated.load(ordering: .relaxed),
            oversized: oversized.load(ordering: .relaxed), unknownKind: unknownKind.load(ordering: .relaxed),
            wrongVersion: wrongVersion.load(ordering: .relaxed), otherRejects: other.load(ordering: .relaxed))
    }

    /// The counters at one moment, for status reports (Codable so a control socket can send it as JSON).
    public struct Snapshot: Sendable, Equatable, Codable {
        /// Frames received, good or bad.
        public var received: UInt64
        /// Replies sent (normal and error).
        public var replied: UInt64
        public var malformed: UInt64
        public var truncated: UInt64
        public var oversized: UInt64
        public var unknownKind: UInt64
        public var wrongVersion: UInt64
        /// Rejects with another code (unauthorized, busy, internal) raised by the handler.
        public var otherRejects: UInt64

        public var rejected: UInt64 { malformed + truncated + oversized + unknownKind + wrongVersion + otherRejects }
    }
}
