import Wire

/// The battery's hostile Dom0 process on the hypervisor bus: a raw DEALER that builds every frame itself
/// (sequence numbers, lengths, versions included), so it can send what a well-behaved `BusClient` never would.
final class IsolationBusPeer {
    enum Reply: Equatable, CustomStringConvertible {
        case error(ErrorReply.Code)
        case message(MessageKind, [UInt8])
        case silence

        var description: String {
            switch self {
            case let .error(code): return "ErrorReply \(code)"
            case let .message(kind, _): return "\(kind)"
            case .silence: return "no answer"
            }
        }
        var errorCode: ErrorReply.Code? { if case let .error(c) = self { return c } else { return nil } }
    }

    private let socket: ZMQSocket
    private(set) var sequence: UInt64 = 0
    var timeoutMilliseconds: Int32 = 5_000

    init(context: ZMQContext, endpoint: String) throws(WireError) {
        socket = try context.socket(.dealer)
        try socket.set(.linger(milliseconds: 0))
        try socket.set(.maxMessageSize(Int64(FrameHeader.transportLimit)))
        try socket.connect(endpoint)
    }

    deinit { socket.close() }

    func nextSequence() -> UInt64 {
        sequence += 1
        return sequence
    }

    /// Sends `message` with the next sequence (or `sequence`) and returns the reply to it.
    func request<M: WireMessage>(_ message: M, sequence fixed: UInt64? = nil) -> Reply {
        let seq = fixed ?? nextSequence()
        return exchange([Frame.encode(message, sequence: seq)])
    }

    /// Sends raw parts (one ZeroMQ message) and returns the next reply.
    func exchange(_ parts: [[UInt8]]) -> Reply {
        do {
            if parts.count == 1 { try socket.send(parts[0]) } else { try socket.send(multipart: parts) }
        } catch { return .silence }
        return receive()
    }

    func sendOnly(_ bytes: [UInt8]) -> Bool { (try? socket.send(bytes)) != nil }

    /// The next reply frame (pushes, without the reply flag, are skipped).
    func receive() -> Reply {
        do {
            try socket.set(.receiveTimeout(milliseconds: timeoutMilliseconds))
            while true {
                let bytes = try socket.receive()
                guard let (header, payload) = try? Frame.open(bytes) else { return .message(MessageKind(0), bytes) }
                guard header.flags.contains(.reply) else { continue }
                if header.kind == .errorReply {
                    var r = payload
                    guard let e = try? ErrorReply(decoding: &r) else { return .message(header.kind, bytes) }
                    return .error(e.code)
                }
                var r = payload
                return .message(header.kind, (try? r.readBytes(r.remaining)) ?? [])
            }
        } catch {
            return .silence
        }
    }

    /// Hello; returns the served domains, or the refusal.
    func hello(secret: [UInt8], name: String) -> Result<[UInt16], ReplyError> {
        switch request(BusHello(secret: secret, name: name)) {
        case let .message(kind, payload) where kind == .busWelcome:
            var r = ByteReader(payload)
            guard let w = try? BusWelcome(decoding: &r) else { return .failure(ReplyError(reply: .silence)) }
            return .success(w.domains)
        case let other:
            return .failure(ReplyError(reply: other))
        }
    }

    struct ReplyError: Error { let reply: Reply }

    /// A grant copy; per-op status, or the whole request's refusal.
    func grantCopy(_ ops: [BusGrantCopy.Op]) -> Result<[Int16], ReplyError> {
        switch request(BusGrantCopy(ops: ops)) {
        case let .message(kind, payload) where kind == .busGrantCopyResult:
            var r = ByteReader(payload)
            guard let result = try? BusGrantCopyResult(decoding: &r) else { return .failure(ReplyError(reply: .silence)) }
            return .success(result.outcomes.map(\.status))
        case let other:
            return .failure(ReplyError(reply: other))
        }
    }

    /// A request answered by `BusResult`: its result (0 or −errno), or the refusal.
    func result<M: WireMessage>(_ message: M, sequence: UInt64? = nil) -> Result<Int32, ReplyError> {
        switch request(message, sequence: sequence) {
        case let .message(kind, payload) where kind == .busResult:
            var r = ByteReader(payload)
            guard let result = try? BusResult(decoding: &r) else { return .failure(ReplyError(reply: .silence)) }
            return .success(result.result)
        case let other:
            return .failure(ReplyError(reply: other))
        }
    }
}
