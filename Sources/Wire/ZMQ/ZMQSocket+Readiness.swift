import CZMQ

/// A socket's readiness without `zmq_poll` on the socket itself (zmq_getsockopt(3), ZMQ_FD and ZMQ_EVENTS), for
/// a socket shared between threads under the caller's mutex: one thread waits on `signalDescriptor` with a plain
/// poll while it does not hold the mutex, and every use of the socket (these two included) happens under it.
///
/// The descriptor only says "look at the socket": it is edge-like, reset whenever libzmq processes the socket's
/// commands (during any send, receive or `readiness` call, on any thread). So check `readiness()` before every
/// wait, and after using the socket from another thread wake the waiter if `readiness()` shows input.
extension ZMQSocket {
    /// ZMQ_FD: readable when the socket may have become ready.
    public func signalDescriptor() throws(WireError) -> Int32 {
        var fd: Int32 = -1
        var size = MemoryLayout<Int32>.size
        guard zmq_getsockopt(handle, ZMQ_FD, &fd, &size) == 0 else { throw WireError.last("zmq_getsockopt(ZMQ_FD)") }
        return fd
    }

    /// ZMQ_EVENTS: whether a message can be received (`.readable`) or sent (`.writable`) now.
    public func readiness() throws(WireError) -> PollEvents {
        var events: Int32 = 0
        var size = MemoryLayout<Int32>.size
        guard zmq_getsockopt(handle, ZMQ_EVENTS, &events, &size) == 0 else {
            throw WireError.last("zmq_getsockopt(ZMQ_EVENTS)")
        }
        return PollEvents(rawValue: Int16(truncatingIfNeeded: events))
    }
}
