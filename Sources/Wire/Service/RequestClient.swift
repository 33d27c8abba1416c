/// The client side of a `RequestServer`: a DEALER that sends a request and waits for the reply with the
/// same sequence.
///
/// **Retry rule (docs/wire-protocol.md, "Requests and retries").** A request that gets no reply within
/// `timeout` is retried, up to `attempts` sends in all. Before each retry the client throws its socket away
/// and connects a new one: a server that restarted has lost the request, and a fresh socket also drops
/// anything queued for, or late from, the old connection, so a restart never wedges the client. The retry
/// resends the identical frame (same sequence, same request id in the payload), so every request kind must be
/// idempotent for a repeated request id. Replies whose sequence is not the one awaited are stale and dropped.
/// The socket uses ZMQ_IMMEDIATE so a request is not queued to a connection that is not up.
///
/// **Prompt resend (`resendOnPeerLoss`).** The client also watches its connection: when the server's end closes
/// while a reply is awaited (a server killed with the request in flight), the attempt ends at once instead of at
/// `timeout`; the retry's fresh socket (ZMQ_IMMEDIATE, reconnecting every 50 ms without backoff) sends the frame as
/// soon as the restarted server is bound. `timeout` stays the fallback for a server that hangs without closing.
///
/// Threading: one thread at a time, like its socket.
public final class RequestClient {
    public let context: ZMQContext
    public let endpoint: String
    public let sender: UInt32
    public var timeout: Duration
    public var attempts: Int
    /// Replies dropped because they answered another sequence (late replies to timed-out requests).
    public private(set) var staleReplies: UInt64 = 0
    /// Times the socket was replaced after a timeout.
    public private(set) var reconnects: UInt64 = 0

    /// Whether an attempt ends when the server's connection closes (see "Prompt resend").
    public let resendOnPeerLoss: Bool
    /// Attempts cut short because the server's connection closed.
    public private(set) var peerLosses: UInt64 = 0

    private var socket: ZMQSocket
    private var peerLoss: SocketPeerLoss?
    private var nextSequence: UInt64 = 1
    private var writer = ByteWriter(capacity: 512)

    public init(context: ZMQContext, connect endpoint: String, sender: UInt32 = 0,
                timeout: Duration = .seconds(1), attempts: Int = 3, resendOnPeerLoss: Bool = false) throws(WireError) {
        precondition(attempts >= 1, "at least one attempt")
        self.context = context
        self.endpoint = endpoint
        self.sender = sender
        self.timeout = timeout
        self.attempts = attempts
        self.resendOnPeerLoss = resendOnPeerLoss
        (socket, peerLoss) = try Self.makeSocket(context, endpoint, watch: resendOnPeerLoss)
    }

    private static func makeSocket(_ context: ZMQContext, _ endpoint: String, watch: Bool)
        throws(WireError) -> (ZMQSocket, SocketPeerLoss?) {
        let socket = try context.socket(.dealer)
        try socket.set(.linger(milliseconds: 0))
        try socket.set(.immediate(true))
        try socket.set(.reconnectInterval(milliseconds: 50))
        // Backoff would delay the first connection to a server that restarts in ~100 ms by up to 200 ms.
        try socket.set(.reconnectIntervalMax(milliseconds: watch ? 50 : 1000))
        try socket.set(.maxMessageSize(Int64(FrameHeader.transportLimit)))
        // The monitor before connect, so the first connection's closing is seen too.
        // Without a monitor (it could not start) the timeout alone ends an attempt, as before.
        let loss = watch ? try? SocketPeerLoss(watching: socket) : nil
        try socket.connect(endpoint)
        return (socket, loss)
    }

    /// Closes the socket and connects a new one (what a retry does).
    public func reconnect() throws(WireError) {
        peerLoss = nil  // stops the monitor before its socket closes
        socket.close()
        (socket, peerLoss) = try Self.makeSocket(context, endpoint, watch: resendOnPeerLoss)
        reconnects += 1
    }

    /// Sends `request` and returns the reply decoded as `Response`. Throws `.remote` for an `ErrorReply`,
    /// `.timedOut` when every attempt went unanswered, a framing error for a reply that does not decode.
    public func call<Request: WireMessage, Response: WireMessage>(
        _ request: Request, expecting _: Response.Type
    ) throws(WireError) -> Response {
        let sequence = nextSequence
        nextSequence &+= 1
        Frame.encode(request, sequence: sequence, sender: sender, into: &writer)
        let frame = writer.bytes
        for attempt in 1 ... attempts {
            if attempt > 1 { try reconnect() }
            if let replyFrame = try sendAndAwait(frame, sequence: sequence) {
                return try Frame.decode(Response.self, from: replyFrame).1
            }
        }
        throw WireError.timedOut(operation: "request \(Request.kind) seq \(sequence) to \(endpoint)")
    }

    /// Sends a one-way message (no reply expected). Fails with `.timedOut` if no connection takes it in time.
    public func post<M: WireMessage>(_ message: M) throws(WireError) {
        let sequence = nextSequence
        nextSequence &+= 1
        Frame.encode(message, sequence: sequence, sender: sender, into: &writer)
        try socket.set(.sendTimeout(milliseconds: Self.milliseconds(timeout)))
        try socket.send(writer.bytes)
    }

    /// One attempt: nil when the deadline passed without the reply.
    private func sendAndAwait(_ frame: [UInt8], sequence: UInt64) throws(WireError) -> [UInt8]? {
        let deadline = ContinuousClock.now + timeout
        try socket.set(.sendTimeout(milliseconds: Self.milliseconds(timeout)))
        peerLoss?.clear()
        do {
            try socket.send(frame)
        } catch .timedOut {
            return nil  // no connection came up in time
        }
        if let peerLoss {
            while true {
                switch try peerLoss.receive(socket, until: deadline) {
                case .timedOut: return nil
                case .peerLost:
                    peerLosses += 1
                    return nil
                case .message(let parts):
                    if let reply = Self.reply(parts, sequence: sequence) { return reply }
                    staleReplies += 1
                }
            }
        }
        // Blocking receives with a shrinking timeout rather than zmq_poll: one call per reply instead of two.
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return nil }
            try socket.set(.receiveTimeout(milliseconds: Self.milliseconds(left)))
            let parts: [[UInt8]]
            do {
                parts = try socket.receiveMultipart()
            } catch .timedOut {
                return nil
            }
            if let reply = Self.reply(parts, sequence: sequence) { return reply }
            staleReplies += 1
        }
    }

    /// The frame of `parts` when it is the reply to `sequence`.
    private static func reply(_ parts: [[UInt8]], sequence: UInt64) -> [UInt8]? {
        guard let candidate = parts.last else { return nil }
        var reader = ByteReader(candidate)
        if let header = try? FrameHeader(decoding: &reader), header.flags.contains(.reply),
           header.sequence == sequence {
            return candidate
        }
        return nil
    }

    private static func milliseconds(_ d: Duration) -> Int32 {
        let (s, atto) = d.components
        let ms = s * 1000 + atto / 1_000_000_000_000_000
        return Int32(clamping: max(ms, 1))
    }
}
