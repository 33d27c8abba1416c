import Synchronization
import Wire

/// The bus's counters, written by the bus thread and read from any thread (status, metrics, `BusStats`).
public final class BusCounters: Sendable {
    let received = Atomic<UInt64>(0)
    let unauthenticated = Atomic<UInt64>(0)
    let unauthorized = Atomic<UInt64>(0)
    let replayed = Atomic<UInt64>(0)
    let malformed = Atomic<UInt64>(0)
    let notifications = Atomic<UInt64>(0)
    let eventsPushed = Atomic<UInt64>(0)
    let copiesDone = Atomic<UInt64>(0)
    let copiesRefused = Atomic<UInt64>(0)
    let sessions = Atomic<UInt64>(0)
    /// Pushes libzmq refused (the peer is gone or its queue is full); not part of `BusStats`.
    let pushesDropped = Atomic<UInt64>(0)

    public init() {}

    public var droppedPushes: UInt64 { pushesDropped.load(ordering: .relaxed) }

    public func snapshot() -> BusStats {
        var s = BusStats()
        s.received = received.load(ordering: .relaxed)
        s.unauthenticated = unauthenticated.load(ordering: .relaxed)
        s.unauthorized = unauthorized.load(ordering: .relaxed)
        s.replayed = replayed.load(ordering: .relaxed)
        s.malformed = malformed.load(ordering: .relaxed)
        s.notifications = notifications.load(ordering: .relaxed)
        s.eventsPushed = eventsPushed.load(ordering: .relaxed)
        s.copiesDone = copiesDone.load(ordering: .relaxed)
        s.copiesRefused = copiesRefused.load(ordering: .relaxed)
        s.sessions = sessions.load(ordering: .relaxed)
        return s
    }
}

extension Atomic where Value == UInt64 {
    func bump() { add(1, ordering: .relaxed) }
}
