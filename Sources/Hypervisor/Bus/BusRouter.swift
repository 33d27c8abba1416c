import Glibc
import Wire
import XenABI

/// The bus's ROUTER socket and what a push needs (which session owns a Dom0 port), shared between the bus thread
/// and the threads that notify Dom0 ports (vCPU threads), so a guest's `EVTCHNOP_send` to a Dom0 port leaves the
/// hypervisor from the guest's own thread: no hand-off to the bus thread on the way out (docs/hypervisor-bus.md,
/// "Threading").
///
/// **One thread at a time** (zmq(7)): every use of `socket`, `owner` and the push sequence happens under `lock`,
/// which also gives libzmq the full memory barrier it asks for when a socket changes threads. The bus thread
/// never waits inside `zmq_poll` on the socket (that would use it without the lock); it waits on the socket's
/// `signalDescriptor` and on `doorbell` with a plain poll, and looks at `readiness()` under the lock first.
/// A notifying thread only ever *tries* the lock (`tryPushEvent`): when the bus thread holds it, the port goes to
/// the outbox instead, so a vCPU thread never waits for the bus.
final class BusRouter: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Guarded by the lock.
    let socket: ZMQSocket
    /// The session (ROUTER peer) owning each Dom0 port. Guarded by the lock.
    var owner: [EventChannelPort: PeerID] = [:]
    private var pushSequence: UInt64 = 0
    private var pushWriter = ByteWriter(capacity: 128)
    let counters: BusCounters
    /// A pipe's read end, written by any thread to wake the bus thread (outbox work, or input the socket's
    /// descriptor hid). Both ends non-blocking: a full pipe already rings.
    let doorbell: Int32
    private let bell: Int32

    enum PushOutcome { case pushed, noOwner, busy }

    init(socket: ZMQSocket, counters: BusCounters) throws(WireError) {
        self.socket = socket
        self.counters = counters
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw WireError.malformed("pipe failed (errno \(errno))") }
        for fd in ends {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        doorbell = ends[0]
        bell = ends[1]
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        Glibc.close(doorbell)
        Glibc.close(bell)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex); defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// `body` under the lock if it is free now, else nil.
    func withLockIfAvailable<T>(_ body: () -> T) -> T? {
        guard pthread_mutex_trylock(mutex) == 0 else { return nil }
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// Wakes the bus thread (any thread, no lock needed).
    func ring() {
        var one: UInt8 = 1
        _ = Glibc.write(bell, &one, 1)
    }

    /// On the bus thread, after waking: clears the doorbell.
    func clearDoorbell() {
        var drain = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        while withUnsafeMutableBytes(of: &drain, { Glibc.read(doorbell, $0.baseAddress, $0.count) }) > 0 {}
    }

    /// From a notifying thread: pushes `BusEvent(port)` to the port's owner if the lock is free right now.
    func tryPushEvent(port: EventChannelPort) -> PushOutcome {
        guard pthread_mutex_trylock(mutex) == 0 else { return .busy }
        defer { pthread_mutex_unlock(mutex) }
        guard !socket.isClosed, let peer = owner[port] else { return .noOwner }
        push(BusEvent(port: port), to: peer)
        // The send may have consumed the descriptor's signal for a request that arrived meanwhile: tell the bus
        // thread to look (it checks `readiness` before it sleeps, but may already be asleep).
        if (try? socket.readiness())?.contains(.readable) == true { ring() }
        return .pushed
    }

    /// Under the lock: one pushed frame (no reply flag, the bus's own sequence).
    func push<M: WireMessage>(_ message: M, to peer: PeerID) {
        pushSequence &+= 1
        Frame.encode(message, sequence: pushSequence, into: &pushWriter)
        do {
            try socket.send(peer.bytes, more: true, dontWait: true)
            try socket.send(pushWriter.bytes, dontWait: true)
            counters.eventsPushed.bump()
        } catch {
            counters.pushesDropped.bump()
        }
    }
}
