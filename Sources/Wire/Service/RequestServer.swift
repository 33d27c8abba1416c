import Logging

/// The scaffold every xenarm server runs: a ROUTER socket, frames checked here once for all, the handler
/// called with a decoded header, the reply sent back to the right peer.
///
/// A bad frame (malformed, truncated, oversized, unknown kind, wrong version) gets an `ErrorReply` with the
/// request's sequence when it can be read, is counted in `counters`, and logged at most once per peer per
/// second. Replies are sent without blocking (a peer that stopped reading loses its reply, it cannot stall the
/// server); a peer that sends more than `FrameHeader.transportLimit` bytes is disconnected by libzmq.
///
/// Threading: like its socket, a server is used by one thread at a time (make it in the thread that runs it).
/// `counters` and `StopSignal` are the parts other threads may touch.
public final class RequestServer<Handler: RequestHandler> {
    public let socket: ZMQSocket
    public var handler: Handler
    public let counters = WireCounters()
    /// The bound endpoint, with the real port when bound to `tcp://…:*`.
    public let endpoint: String
    /// The sender id put in reply headers.
    public let sender: UInt32

    private let accepted: [MessageKind: UInt16]
    private var reply = Reply()
    private var logger: Logger
    private var lastLogged: [PeerID: ContinuousClock.Instant] = [:]
    private var poller = Poller()

    public init(context: ZMQContext, bind endpoint: String, handler: Handler, sender: UInt32 = 0,
                logger: Logger = Logger(label: "xenarm.wire.server")) throws(WireError) {
        socket = try context.socket(.router)
        try socket.set(.routerMandatory(true))
        try socket.set(.maxMessageSize(Int64(FrameHeader.transportLimit)))
        try socket.bind(endpoint)
        self.endpoint = try socket.lastEndpoint()
        self.handler = handler
        self.sender = sender
        self.logger = logger
        self.logger[metadataKey: "endpoint"] = "\(self.endpoint)"
        accepted = handler.acceptedKinds
        reply.sender = sender
        poller.add(socket)
    }

    /// Serves every message already queued, without waiting. Returns how many were handled.
    @discardableResult
    public func serveAvailable() throws(WireError) -> Int {
        var handled = 0
        while let parts = try socket.tryReceiveMultipart() {
            handle(parts)
            handled += 1
        }
        return handled
    }

    /// Waits up to `timeoutMilliseconds` for a message, then serves everything queued.
    @discardableResult
    public func serve(timeoutMilliseconds: Int) throws(WireError) -> Int {
        guard try poller.poll(timeoutMilliseconds: timeoutMilliseconds)[0].contains(.readable) else { return 0 }
        return try serveAvailable()
    }

    /// Serves until `stop` is set (checked at least every `pollMilliseconds`) or the context is shut down.
    /// Blocks in a receive with a timeout rather than in zmq_poll: one libzmq call per request.
    public func run(until stop: StopSignal, pollMilliseconds: Int = 100) throws(WireError) {
        try socket.set(.receiveTimeout(milliseconds: Int32(clamping: pollMilliseconds)))
        defer { try? socket.set(.receiveTimeout(milliseconds: -1)) }
        while !stop.isStopped {
            do {
                handle(try socket.receiveMultipart())
            } catch .timedOut {
                continue
            } catch .contextTerminated {
                return
            }
        }
    }

    // MARK: one message

    private func handle(_ parts: [[UInt8]]) {
        counters.countReceived()
        // [peer, frame] from a DEALER; [peer, empty, frame] from a REQ (its envelope is echoed back).
        let peer = PeerID(parts[0])
        let envelope: [UInt8]?
        let frame: [UInt8]
        switch parts.count {
        case 2: envelope = nil; frame = parts[1]
        case 3 where parts[1].isEmpty: envelope = []; frame = parts[2]
        default:
            reply.reset(sequence: 0)
            reject(peer, .malformed("message of \(parts.count) parts, expected 2"), envelope: nil)
            return
        }
        reply.reset(sequence: Self.bestEffortSequence(frame))
        do {
            let (header, payload) = try Frame.open(frame)
            reply.sequence = header.sequence
            guard let version = accepted[header.kind] else { throw WireError.unknownKind(header.kind) }
            guard header.kindVersion == version else {
                throw WireError.wrongVersion(kind: header.kind, got: header.kindVersion, expected: version)
            }
            guard !header.flags.contains(.reply) else { throw WireError.malformed("a reply sent to a server") }
            try handler.handle(IncomingRequest(peer: peer, header: header, payload: payload), reply: &reply)
        } catch let error as WireError {
            reject(peer, error, envelope: envelope)
            return
        } catch {
            counters.countReject(.internal)
            log(peer, "handler failed: \(error)")
            reply.fail(.internal, "handler failed")
        }
        if reply.isSet { sendReply(to: peer, envelope: envelope) }
    }

    private func reject(_ peer: PeerID, _ error: WireError, envelope: [UInt8]?) {
        let code = ErrorReply.Code(for: error)
        counters.countReject(code)
        log(peer, "rejected frame (\(code)): \(error)")
        reply.fail(code, error.description)
        sendReply(to: peer, envelope: envelope)
    }

    private func sendReply(to peer: PeerID, envelope: [UInt8]?) {
        do {
            try socket.send(peer.bytes, more: true, dontWait: true)
            if let envelope { try socket.send(envelope, more: true, dontWait: true) }
            try socket.send(reply.writer.bytes, dontWait: true)
            counters.countReplied()
        } catch {
            log(peer, "reply dropped: \(error)")
        }
    }

    /// The sequence of a frame whose header could not be decoded, if its bytes are there and the magic
    /// matches, so even a refusal of a wrong-version frame names the request it answers.
    private static func bestEffortSequence(_ frame: [UInt8]) -> UInt64 {
        var reader = ByteReader(frame)
        guard frame.count >= 24, (try? reader.readUInt32()) == FrameHeader.magic else { return 0 }
        var at = ByteReader(frame, offset: 16)
        return (try? at.readUInt64()) ?? 0
    }

    /// Logs at most once per peer per second: a flood of garbage must not become a flood of log lines.
    private func log(_ peer: PeerID, _ message: String) {
        let now = ContinuousClock.now
        if let last = lastLogged[peer], now - last < .seconds(1) { return }
        if lastLogged.count >= 4096 { lastLogged = lastLogged.filter { now - $0.value < .seconds(1) } }
        lastLogged[peer] = now
        logger.warning("\(message)", metadata: ["peer": "\(peer)"])
    }
}
