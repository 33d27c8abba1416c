import CZMQ

/// A libzmq context: the I/O threads and the `inproc://` namespace shared by the sockets made from it.
///
/// libzmq documents contexts as thread-safe, so this type is `Sendable`. A process normally has one.
/// Each socket keeps its context alive; when the last socket is closed and the context is released,
/// `zmq_ctx_term` runs. It cannot block forever because every socket made here has a bounded linger
/// (`defaultLingerMilliseconds`), never libzmq's default of "forever".
public final class ZMQContext: @unchecked Sendable {
    // @unchecked: the only stored state is libzmq's context pointer, which libzmq makes thread-safe.
    let handle: UnsafeMutableRawPointer

    /// Linger given to each new socket: how long `close` may wait to flush queued messages. Half a second
    /// lets a reply sent just before shutdown leave, without letting a dead peer hold a process open.
    public let defaultLingerMilliseconds: Int32

    public init(ioThreads: Int32 = 1, defaultLingerMilliseconds: Int32 = 500) throws(WireError) {
        guard let h = zmq_ctx_new() else { throw WireError.last("zmq_ctx_new") }
        handle = h
        self.defaultLingerMilliseconds = defaultLingerMilliseconds
        if ioThreads != 1, zmq_ctx_set(h, ZMQ_IO_THREADS, ioThreads) != 0 {
            let error = WireError.last("zmq_ctx_set(ZMQ_IO_THREADS)")
            zmq_ctx_term(h)
            throw error
        }
    }

    /// Makes a socket of `kind`, with linger set to `defaultLingerMilliseconds`.
    public func socket(_ kind: SocketKind) throws(WireError) -> ZMQSocket {
        try ZMQSocket(context: self, kind: kind)
    }

    /// Makes sockets' blocking calls in other threads fail with `.contextTerminated`, so their owners close
    /// them and the process can exit. Safe to call from any thread.
    public func shutdown() {
        zmq_ctx_shutdown(handle)
    }

    deinit {
        // Retries on EINTR, as zmq_ctx_term(3) asks.
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }
}
