import Synchronization
import Wire
import XenABI

/// How other threads reach Dom0 processes through the bus. A notified Dom0 port (a vCPU thread's `send`) is
/// pushed from the notifying thread itself when the bus's ROUTER is free (`BusRouter.tryPushEvent`); when the
/// bus thread holds it, the port is recorded here and the bus thread pushes it after its current batch. Domain
/// lifecycle events (the hypervisor core) are always recorded here. Both ring the bus thread's doorbell (an
/// eventfd) once per batch. Recorded ports coalesce (a set, like a pending bit), so a guest notifying in a loop
/// cannot grow the queue; lifecycle events are bounded by the number of domains × events.
public final class BusOutbox: Dom0EventSink, @unchecked Sendable {
    private let mutex = Lock()
    private let router: BusRouter
    private var ports = Set<EventChannelPort>()
    private var domainEvents: [BusDomainEvent] = []
    private var rung = false

    init(router: BusRouter) { self.router = router }

    public func dom0Notified(port: EventChannelPort) {
        if router.tryPushEvent(port: port) != .busy { return }
        mutex.withLock {
            ports.insert(port)
            ring()
        }
    }

    /// A domain was created, shut down, crashed or destroyed: the processes serving it are told.
    public func domainEvent(_ domain: DomID, _ event: BusDomainEvent.Event, reason: UInt8 = 0) {
        mutex.withLock {
            domainEvents.append(BusDomainEvent(domain: domain.rawValue, event: event, reason: reason))
            ring()
        }
    }

    /// Under `mutex`: one doorbell per batch (the bus thread clears `rung` when it takes the batch).
    private func ring() {
        guard !rung else { return }
        rung = true
        router.ring()
    }

    /// On the bus thread: everything recorded since the last call.
    func take() -> (Set<EventChannelPort>, [BusDomainEvent]) {
        mutex.withLock {
            defer { ports.removeAll(keepingCapacity: true); domainEvents.removeAll(); rung = false }
            return (ports, domainEvents)
        }
    }
}
