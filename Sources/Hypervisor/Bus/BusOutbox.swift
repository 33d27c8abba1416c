import Synchronization
import Wire
import XenABI

/// What other threads hand to the bus thread: Dom0 ports that were notified (a vCPU thread's `send`) and domain
/// lifecycle events (the hypervisor core). They are recorded under a mutex, and the bus thread is woken through
/// an inproc PUSH/PULL pair — the PUSH socket is used only under the same mutex, which gives libzmq the full
/// memory barrier it asks for when a socket is used from several threads one at a time. Notified ports coalesce
/// (a set, like a pending bit), so a guest notifying in a loop cannot grow the queue; lifecycle events are
/// bounded by the number of domains × events.
public final class BusOutbox: Dom0EventSink, @unchecked Sendable {
    private let mutex = Lock()
    private let doorbell: ZMQSocket
    private var ports = Set<EventChannelPort>()
    private var domainEvents: [BusDomainEvent] = []
    private var rung = false

    init(context: ZMQContext, endpoint: String) throws(WireError) {
        doorbell = try context.socket(.push)
        try doorbell.set(.linger(milliseconds: 0))
        try doorbell.connect(endpoint)
    }

    deinit { doorbell.close() }

    public func dom0Notified(port: EventChannelPort) {
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
        try? doorbell.send([1], dontWait: true)
    }

    /// On the bus thread: everything recorded since the last call.
    func take() -> (Set<EventChannelPort>, [BusDomainEvent]) {
        mutex.withLock {
            defer { ports.removeAll(keepingCapacity: true); domainEvents.removeAll(); rung = false }
            return (ports, domainEvents)
        }
    }
}
