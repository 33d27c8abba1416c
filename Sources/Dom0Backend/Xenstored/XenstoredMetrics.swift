import Synchronization

/// Counters reported in `metrics` to the launcher; readable from the control thread.
public final class XenstoredMetrics: Sendable {
    public let requests = Atomic<Int64>(0)
    public let errors = Atomic<Int64>(0)
    public let malformed = Atomic<Int64>(0)
    public let watchEvents = Atomic<Int64>(0)
    public let commits = Atomic<Int64>(0)
    public let conflicts = Atomic<Int64>(0)
    public let snapshots = Atomic<Int64>(0)
    public let connectionsClosed = Atomic<Int64>(0)
    public let nodes = Atomic<Int64>(0)

    public init() {}

    public func counters() -> [String: Int64] {
        [
            "requests": requests.load(ordering: .relaxed), "errors": errors.load(ordering: .relaxed),
            "malformed": malformed.load(ordering: .relaxed), "watch_events": watchEvents.load(ordering: .relaxed),
            "commits": commits.load(ordering: .relaxed), "conflicts": conflicts.load(ordering: .relaxed),
            "snapshots": snapshots.load(ordering: .relaxed), "connections_closed": connectionsClosed.load(ordering: .relaxed),
            "nodes": nodes.load(ordering: .relaxed),
        ]
    }
}
