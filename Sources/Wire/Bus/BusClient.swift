/// A Dom0 process's connection to the hypervisor bus (docs/hypervisor-bus.md): a DEALER that authenticates on
/// creation and then issues requests, each awaited by sequence. Frames the hypervisor pushes (`BusEvent`,
/// `BusDomainEvent`) that arrive while a reply is awaited are queued and returned by `nextPush`.
///
/// Threading: one thread at a time, like its socket. Requests are not retried: a hypervisor restart ends every
/// guest, so there is nothing to resume.
public final class BusClient {
    public enum Push: Equatable, Sendable {
        case event(port: UInt32)
        case domain(BusDomainEvent)
    }

    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// The hypervisor answered with a negative Xen errno.
        case refused(errno: Int32)
        case wire(WireError)
        public var description: String {
            switch self {
            case let .refused(e): return "refused with errno \(-e)"
            case let .wire(w): return w.description
            }
        }
    }

    public let endpoint: String
    public let name: String
    /// `signal`s the hypervisor refused (their answers arrive later, among the pushes), and the last reason.
    public private(set) var signalRefusals = 0
    public private(set) var lastSignalRefusal: String?
    /// The domains the hypervisor says this process serves.
    public private(set) var domains: [UInt16] = []
    public var timeout: Duration

    private let socket: ZMQSocket
    private var nextSequence: UInt64 = 1
    private var writer = ByteWriter(capacity: 256)
    private var pushes: [Push] = []

    /// Connects and authenticates; throws `.wire(.remote(unauthorized…))` if the hypervisor refuses.
    public init(context: ZMQContext, endpoint: String, name: String, secret: [UInt8],
                timeout: Duration = .seconds(2)) throws(Failure) {
        self.endpoint = endpoint
        self.name = name
        self.timeout = timeout
        do {
            socket = try context.socket(.dealer)
            try socket.set(.linger(milliseconds: 0))
            try socket.set(.maxMessageSize(Int64(FrameHeader.transportLimit)))
            try socket.connect(endpoint)
        } catch { throw .wire(error) }
        domains = try call(BusHello(secret: secret, name: name), expecting: BusWelcome.self).domains
    }

    deinit { socket.close() }

    /// The DEALER, for a caller's poll loop (readable: a push may be waiting). Receive only through `nextPush`:
    /// pushes that arrived during a request are queued here, so drain `nextPush(timeout: .zero)` every round.
    public var pollSocket: ZMQSocket { socket }

    // MARK: requests

    public func allocUnbound(domain: UInt16, side: BusAllocUnbound.Side) throws(Failure) -> UInt32 {
        try result(BusAllocUnbound(domain: domain, side: side))
    }

    public func bindInterdomain(domain: UInt16, remotePort: UInt32) throws(Failure) -> UInt32 {
        try result(BusBindInterdomain(domain: domain, remotePort: remotePort))
    }

    public func notify(port: UInt32) throws(Failure) { _ = try result(BusNotify(port: port)) }

    /// A one-way notify (`BusSignal`): returns once the frame is queued, without waiting for the hypervisor.
    /// A refusal comes back later and is counted in `signalRefusals` (read while receiving pushes or replies).
    public func signal(port: UInt32) throws(Failure) {
        let sequence = nextSequence
        nextSequence &+= 1
        Frame.encode(BusSignal(port: port), sequence: sequence, into: &writer)
        do { try socket.send(writer.bytes) } catch { throw .wire(error) }
    }

    public func close(port: UInt32) throws(Failure) { _ = try result(BusClose(port: port)) }

    public func grantCopy(_ ops: [BusGrantCopy.Op]) throws(Failure) -> [BusGrantCopyResult.Outcome] {
        try call(BusGrantCopy(ops: ops), expecting: BusGrantCopyResult.self).outcomes
    }

    public func stats() throws(Failure) -> BusStats { try call(BusStatsRequest(), expecting: BusStats.self) }

    /// One HVM parameter of a served domain (`BusGetParam.readable`: the console and xenstore frames and ports).
    public func hvmParam(domain: UInt16, index: UInt32) throws(Failure) -> UInt64 {
        let r = try call(BusGetParam(domain: domain, index: index), expecting: BusParam.self)
        guard r.result == 0 else { throw .refused(errno: r.result) }
        guard r.index == index else { throw .wire(.malformed("BusParam for index \(r.index), asked \(index)")) }
        return r.value
    }

    private func result<M: WireMessage>(_ request: M) throws(Failure) -> UInt32 {
        let r = try call(request, expecting: BusResult.self)
        guard r.result == 0 else { throw .refused(errno: r.result) }
        return r.value
    }

    /// Sends `request` and waits for its reply, queueing pushes that arrive first.
    public func call<Request: WireMessage, Response: WireMessage>(_ request: Request, expecting _: Response.Type)
        throws(Failure) -> Response {
        let sequence = nextSequence
        nextSequence &+= 1
        Frame.encode(request, sequence: sequence, into: &writer)
        let deadline = ContinuousClock.now + timeout
        do {
            try socket.send(writer.bytes)
            while true {
                guard let frame = try receive(until: deadline) else {
                    throw WireError.timedOut(operation: "bus request \(Request.kind) seq \(sequence)")
                }
                var reader = ByteReader(frame)
                let header = try FrameHeader(decoding: &reader)
                if header.flags.contains(.reply) {
                    guard header.sequence == sequence else {  // a late reply to an earlier request, or a signal's
                        noteUnawaited(frame, header)
                        continue
                    }
                    return try Frame.decode(Response.self, from: frame).1
                }
                try queuePush(frame)
            }
        } catch let error as WireError {
            throw .wire(error)
        } catch {
            throw .wire(.malformed("\(error)"))
        }
    }

    // MARK: pushes

    /// The next push from the hypervisor, waiting up to `timeout` (nil when none came).
    public func nextPush(timeout wait: Duration) throws(Failure) -> Push? {
        if !pushes.isEmpty { return pushes.removeFirst() }
        let deadline = ContinuousClock.now + wait
        do {
            while let frame = try receive(until: deadline) {
                var reader = ByteReader(frame)
                let header = try FrameHeader(decoding: &reader)
                if header.flags.contains(.reply) {  // a reply nobody waits for any more (a refused signal)
                    noteUnawaited(frame, header)
                    continue
                }
                try queuePush(frame)
                if !pushes.isEmpty { return pushes.removeFirst() }
            }
        } catch { throw .wire(error) }
        return nil
    }

    /// A reply that no request waits for: only a refused `signal` is answered without being awaited (a late reply
    /// to a timed-out request also lands here, and is counted the same way if it is a refusal).
    private func noteUnawaited(_ frame: [UInt8], _ header: FrameHeader) {
        if header.flags.contains(.error) {
            signalRefusals += 1
            lastSignalRefusal = (try? Frame.decode(ErrorReply.self, from: frame).1).map { "\($0.code): \($0.text)" }
                ?? "error reply to sequence \(header.sequence)"
        } else if header.kind == .busResult, let r = try? Frame.decode(BusResult.self, from: frame).1, r.result < 0 {
            signalRefusals += 1
            lastSignalRefusal = "errno \(-r.result) for sequence \(header.sequence)"
        }
    }

    private func queuePush(_ frame: [UInt8]) throws(WireError) {
        let (header, payload) = try Frame.open(frame)
        var reader = payload
        switch header.kind {
        case .busEvent:
            pushes.append(.event(port: try BusEvent(decoding: &reader).port))
        case .busDomainEvent:
            pushes.append(.domain(try BusDomainEvent(decoding: &reader)))
        default:
            throw WireError.unknownKind(header.kind)
        }
    }

    private func receive(until deadline: ContinuousClock.Instant) throws(WireError) -> [UInt8]? {
        let left = deadline - ContinuousClock.now
        let (s, atto) = left.components
        let ms = max(0, s * 1000 + atto / 1_000_000_000_000_000)
        try socket.set(.receiveTimeout(milliseconds: Int32(clamping: ms)))
        do {
            return try socket.receive()
        } catch .timedOut {
            return nil
        }
    }
}
