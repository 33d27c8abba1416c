import CZMQ

/// One ZeroMQ socket.
///
/// **One thread at a time.** libzmq sockets are not thread-safe (zmq(7)): a socket may move to another thread
/// only with a full memory barrier in between, and never be used by two threads at once. So `ZMQSocket` is
/// deliberately *not* `Sendable`: Swift 6 lets a socket be handed over (`sending`) to the thread or task that
/// will own it, and rejects sharing it. Make the socket in the thread that serves it when you can.
///
/// The socket is closed by `close()` or when the last reference goes away; queued messages get the linger
/// set at creation (`ZMQContext.defaultLingerMilliseconds`) to leave.
public final class ZMQSocket {
    private let rawHandle: UnsafeMutableRawPointer
    /// libzmq's socket. Using a socket after `close()` is a bug in the caller (libzmq would read freed memory),
    /// so it stops the process here rather than later and elsewhere.
    var handle: UnsafeMutableRawPointer {
        precondition(!closed, "ZMQSocket used after close()")
        return rawHandle
    }
    public let kind: SocketKind
    /// Kept so the context outlives its sockets (zmq_ctx_term waits for every socket to close).
    public let context: ZMQContext
    private var closed = false

    init(context: ZMQContext, kind: SocketKind) throws(WireError) {
        guard let h = zmq_socket(context.handle, kind.raw) else { throw WireError.last("zmq_socket") }
        rawHandle = h
        self.kind = kind
        self.context = context
        var linger = context.defaultLingerMilliseconds
        zmq_setsockopt(h, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
    }

    deinit { close() }

    /// Closes the socket (idempotent). Any later use of it is a programming error and traps.
    public func close() {
        guard !closed else { return }
        closed = true
        zmq_close(rawHandle)
    }

    public var isClosed: Bool { closed }

    // MARK: endpoints

    public func bind(_ endpoint: String) throws(WireError) {
        guard zmq_bind(handle, endpoint) == 0 else { throw WireError.last("zmq_bind(\(endpoint))") }
    }

    public func connect(_ endpoint: String) throws(WireError) {
        guard zmq_connect(handle, endpoint) == 0 else { throw WireError.last("zmq_connect(\(endpoint))") }
    }

    public func unbind(_ endpoint: String) throws(WireError) {
        guard zmq_unbind(handle, endpoint) == 0 else { throw WireError.last("zmq_unbind(\(endpoint))") }
    }

    public func disconnect(_ endpoint: String) throws(WireError) {
        guard zmq_disconnect(handle, endpoint) == 0 else { throw WireError.last("zmq_disconnect(\(endpoint))") }
    }

    // MARK: sending

    /// Sends one message part. `more` says another part of the same message follows. With `dontWait`, a full
    /// queue fails at once with `.timedOut`; otherwise the send blocks up to the send timeout.
    /// libzmq copies the bytes once into its own message; nothing else is copied.
    public func send<Bytes: ContiguousByteSource>(_ bytes: Bytes, more: Bool = false, dontWait: Bool = false) throws(WireError) {
        let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
        while true {
            let rc = bytes.withWireBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
            if rc >= 0 { return }
            if zmq_errno() == EINTR { continue }
            throw WireError.last("zmq_send")
        }
    }

    /// Sends a multipart message: every part but the last goes with SNDMORE, so the peer gets all or none.
    public func send(multipart parts: [[UInt8]], dontWait: Bool = false) throws(WireError) {
        precondition(!parts.isEmpty, "a message has at least one part")
        for (i, part) in parts.enumerated() {
            try send(part, more: i < parts.count - 1, dontWait: dontWait)
        }
    }

    // MARK: receiving

    /// Receives one message part, blocking up to the receive timeout (`.timedOut` then).
    /// The bytes are received into a `zmq_msg_t` and copied once into the returned array.
    public func receive() throws(WireError) -> [UInt8] {
        try receivePart(flags: 0)!.bytes
    }

    /// Receives one part if one is queued, else returns nil at once.
    public func tryReceive() throws(WireError) -> [UInt8]? {
        try receivePart(flags: ZMQ_DONTWAIT)?.bytes
    }

    /// Receives one part and lends its bytes to `body` without copying them (the zmq_msg_t's own buffer);
    /// the pointer is valid only inside `body`. For hot paths that parse or write the bytes straight away.
    /// `hasMore` tells afterwards whether more parts follow.
    public func receive<R>(borrowing body: (UnsafeRawBufferPointer) -> R) throws(WireError) -> R {
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        while zmq_msg_recv(&message, handle, 0) < 0 {
            if zmq_errno() == EINTR { continue }
            throw WireError.last("zmq_msg_recv")
        }
        return body(UnsafeRawBufferPointer(start: zmq_msg_data(&message), count: zmq_msg_size(&message)))
    }

    /// Receives every part of one message (blocking for the first; the rest are already queued, since
    /// libzmq delivers a multipart message atomically).
    public func receiveMultipart() throws(WireError) -> [[UInt8]] {
        try collectParts(first: receivePart(flags: 0)!)
    }

    /// Like `receiveMultipart` but returns nil at once when nothing is queued.
    public func tryReceiveMultipart() throws(WireError) -> [[UInt8]]? {
        guard let first = try receivePart(flags: ZMQ_DONTWAIT) else { return nil }
        return try collectParts(first: first)
    }

    /// One- and two-part messages (DEALER and ROUTER traffic) are built with a single array literal: growing
    /// an array of arrays goes through the standard library's unspecialized (slow) allocation path.
    private func collectParts(first: (bytes: [UInt8], more: Bool)) throws(WireError) -> [[UInt8]] {
        guard first.more else { return [first.bytes] }
        let second = try receivePart(flags: 0)!
        guard second.more else { return [first.bytes, second.bytes] }
        var parts = [first.bytes, second.bytes]
        var next = second
        repeat {
            next = try receivePart(flags: 0)!
            parts.append(next.bytes)
        } while next.more
        return parts
    }

    /// Whether the part just received is followed by more parts of the same message (ZMQ_RCVMORE).
    public var hasMore: Bool {
        var more: Int32 = 0
        var size = MemoryLayout<Int32>.size
        return zmq_getsockopt(handle, ZMQ_RCVMORE, &more, &size) == 0 && more != 0
    }

    /// One part, copied once out of its zmq_msg_t, and whether more parts follow (read from the message
    /// itself, cheaper than asking the socket). Nil only with DONTWAIT when nothing is queued.
    private func receivePart(flags: Int32) throws(WireError) -> (bytes: [UInt8], more: Bool)? {
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        while zmq_msg_recv(&message, handle, flags) < 0 {
            let e = zmq_errno()
            if e == EINTR { continue }
            if e == EAGAIN && flags & ZMQ_DONTWAIT != 0 { return nil }
            throw WireError.last("zmq_msg_recv")
        }
        let more = zmq_msg_more(&message) != 0
        let count = zmq_msg_size(&message)
        guard count > 0, let source = zmq_msg_data(&message) else { return ([], more) }
        // Array(UnsafeRawBufferPointer) takes the specialized allocation path; measured faster than
        // Array(unsafeUninitializedCapacity:), whose allocation is an unspecialized call into the runtime.
        return (Array(UnsafeRawBufferPointer(start: source, count: count)), more)
    }
}
