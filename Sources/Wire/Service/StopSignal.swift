import Synchronization

/// Asks a serving loop in another thread to return. Set it from anywhere (a signal handler's thread,
/// a test); the loop notices within its poll interval.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public func stop() { flag.store(true, ordering: .releasing) }
    public var isStopped: Bool { flag.load(ordering: .acquiring) }
}
