import Logging
import Synchronization
import Wire
import XenABI

/// The hypervisor bus (docs/hypervisor-bus.md): a ZeroMQ ROUTER in the hypervisor process through which Dom0
/// processes authenticate, manage event channels of the domains they serve, notify them, copy through their
/// grants, and receive notifications and lifecycle events.
///
/// **Admission.** A connection (a ROUTER peer) is unauthenticated until a `BusHello` carries the launch's
/// secret and a process name of the policy. Until then every other request is refused (`ErrorReply`
/// `unauthorized`) and counted; nothing is stored for such a peer, so a flood of strangers costs no memory.
/// A new hello under a name that already has a session replaces it (a restarted backend): the old session's
/// Dom0 ports are closed, which leaves their guest ends unbound toward Dom0, ready to be bound again.
///
/// **Authorization.** A session may act only for its policy domains and only on Dom0 ports it allocated or
/// bound; anything else is `unauthorized`, counted, and changes nothing. Each request must carry a sequence
/// above the session's last (a replayed frame is refused).
///
/// **Threading.** The thread that calls `run` serves requests (make the server there too). The ROUTER is shared
/// with the threads that notify Dom0 ports, under `BusRouter`'s lock: a vCPU thread pushes a `BusEvent` itself
/// when the lock is free, else through `outbox`; the bus thread holds the lock while it handles a batch of
/// requests. Other threads reach the bus only through `outbox` and `counters` (atomics). The bus calls
/// `EventChannels` and `GrantCopy` (their own locks, taken after the router's; neither calls back into the bus
/// with a lock held, and a notifying thread only tries the router's lock, so no order can deadlock).
public final class BusServer: @unchecked Sendable {
    // @unchecked: everything but `poller` is used under `shared`'s lock (the bus thread's batches, an idle pCPU's
    // `serveIfReady`, a vCPU thread's push); `poller` only by the thread that calls `serve`.
    public let endpoint: String
    public let counters = BusCounters()
    /// Give this to `EventChannels.dom0Sink` and call its `domainEvent` on lifecycle changes.
    public let outbox: BusOutbox

    /// Dom0 ports one session may own. Backends need one or two each; the bound stops a hostile authenticated
    /// process from taking all 4096 Dom0 ports from the others.
    public static let maxPortsPerSession = 256

    private struct Session {
        let name: String
        let domains: Set<DomID>
        var lastSequence: UInt64
        var ports: Set<EventChannelPort> = []
    }

    private let shared: BusRouter
    /// The ROUTER; use only under `shared`'s lock.
    private var router: ZMQSocket { shared.socket }
    private var poller = Poller()
    private let secret: [UInt8]
    private let policy: BusPolicy
    private let channels: EventChannels
    private let copier: GrantCopy
    /// A domain's HVM parameter (nil: no such domain or not set). Read on the bus thread; `HVMParams` locks.
    public typealias ParameterSource = @Sendable (DomID, UInt32) -> (domainExists: Bool, value: UInt64?)
    private let parameters: ParameterSource
    private var logger: Logger
    private var sessions: [PeerID: Session] = [:]
    private var sessionByName: [String: PeerID] = [:]
    private var writer = ByteWriter(capacity: 512)
    private var lastLogged: [PeerID: ContinuousClock.Instant] = [:]

    public init(context: ZMQContext, bind endpoint: String, secret: [UInt8], policy: BusPolicy,
                channels: EventChannels, copier: GrantCopy,
                parameters: @escaping ParameterSource = { _, _ in (false, nil) },
                logger: Logger = Logger(label: "xenarm.bus")) throws(WireError) {
        precondition(secret.count == BusSecret.length, "a \(BusSecret.length)-byte secret")
        let router = try context.socket(.router)
        try router.set(.routerMandatory(true))
        try router.set(.linger(milliseconds: 0))
        try router.set(.maxMessageSize(Int64(FrameHeader.transportLimit)))
        try router.bind(endpoint)
        self.endpoint = try router.lastEndpoint()
        let signal = try router.signalDescriptor()
        shared = try BusRouter(socket: router, counters: counters)
        outbox = BusOutbox(router: shared)
        self.secret = secret
        self.policy = policy
        self.channels = channels
        self.copier = copier
        self.parameters = parameters
        self.logger = logger
        self.logger[metadataKey: "endpoint"] = "\(self.endpoint)"
        poller.add(fileDescriptor: signal)
        poller.add(fileDescriptor: shared.doorbell)
        channels.dom0Sink = outbox
    }

    deinit {
        shared.withLock { router.close() }
    }

    /// Closes the ROUTER (on the serving thread, when it stops): later pushes and `serveIfReady` do nothing.
    func retire() {
        shared.withLock { router.close() }
    }

    /// From an idle pCPU, any thread: if the ROUTER is free and requests are queued, handles them here (a Dom0
    /// notification then wakes its guest on the pCPU that will run it, without a hand-off through the bus
    /// thread). Returns true if it handled something.
    public func serveIfReady() -> Bool {
        let handled: Bool? = shared.withLockIfAvailable {
            guard !router.isClosed, (try? router.readiness())?.contains(.readable) == true else { return false }
            var budget = 64
            while budget > 0, let parts = try? router.tryReceiveMultipart() {
                handle(parts)
                budget -= 1
            }
            // Requests left over: the bus thread may be asleep on a descriptor this call reset; wake it.
            if budget == 0, (try? router.readiness())?.contains(.readable) == true { shared.ring() }
            return true
        }
        return handled ?? false
    }

    /// Serves until `stop` is set (checked every `pollMilliseconds`) or the context is shut down.
    public func run(until stop: StopSignal, pollMilliseconds: Int = 100) throws(WireError) {
        while !stop.isStopped {
            do {
                try serve(timeoutMilliseconds: pollMilliseconds)
            } catch .contextTerminated {
                return
            }
        }
    }

    /// Waits up to `timeoutMilliseconds`, then handles every queued request and pending push.
    public func serve(timeoutMilliseconds: Int) throws(WireError) {
        // The ROUTER's descriptor is edge-like (ZMQSocket.signalDescriptor): sleep only if nothing is queued.
        let queued = try shared.withLock { () throws(WireError) -> Bool in
            guard !router.isClosed else { throw WireError.contextTerminated }
            return try router.readiness().contains(.readable)
        }
        if !queued {
            let ready = try poller.poll(timeoutMilliseconds: timeoutMilliseconds)
            if ready[1].contains(.readable) { shared.clearDoorbell() }
        }
        try shared.withLock { () throws(WireError) in
            deliverOutbox()
            var budget = 256  // then look at the outbox again: a request flood must not starve notifications
            while budget > 0, let parts = try router.tryReceiveMultipart() {
                handle(parts)
                budget -= 1
            }
        }
    }

    // MARK: pushes

    /// Under the router's lock.
    private func deliverOutbox() {
        let (ports, events) = outbox.take()
        for port in ports {
            guard let peer = shared.owner[port] else { continue }  // closed meanwhile, or its process is gone
            push(BusEvent(port: port), to: peer)
        }
        for event in events {
            for (peer, session) in sessions where session.domains.contains(DomID(event.domain)) {
                push(event, to: peer)
            }
        }
    }

    private func push<M: WireMessage>(_ message: M, to peer: PeerID) {
        let dropped = counters.droppedPushes
        shared.push(message, to: peer)
        if counters.droppedPushes != dropped { log(peer, "push \(M.kind) dropped") }
    }

    // MARK: requests

    private func handle(_ parts: [[UInt8]]) {
        counters.received.bump()
        let peer = PeerID(parts[0])
        guard parts.count == 2 else {
            counters.malformed.bump()
            reply(peer, sequence: 0, error: .malformed, "message of \(parts.count) parts, expected 2")
            return
        }
        let frame = parts[1]
        let header: FrameHeader
        var payload: ByteReader
        do throws(WireError) {
            (header, payload) = try Frame.open(frame)
            guard !header.flags.contains(.reply) else { throw WireError.malformed("a reply sent to the bus") }
        } catch {
            counters.malformed.bump()
            log(peer, "bad frame: \(error)")
            reply(peer, sequence: 0, error: ErrorReply.Code(for: error), error.description)
            return
        }
        let sequence = header.sequence

        guard var session = sessions[peer] else {
            if header.kind == .busHello {
                hello(peer, header, &payload)
            } else {
                counters.unauthenticated.bump()
                log(peer, "\(header.kind) before hello")
                reply(peer, sequence: sequence, error: .unauthorized, "authenticate with BusHello first")
            }
            return
        }
        guard sequence > session.lastSequence else {
            counters.replayed.bump()
            log(peer, "\(session.name): sequence \(sequence) not above \(session.lastSequence) (replay)")
            reply(peer, sequence: sequence, error: .unauthorized, "replayed sequence \(sequence)")
            return
        }
        session.lastSequence = sequence
        sessions[peer] = session

        do {
            try dispatch(peer, header, &payload)
        } catch {
            counters.malformed.bump()
            log(peer, "\(session.name): bad \(header.kind): \(error)")
            reply(peer, sequence: sequence, error: ErrorReply.Code(for: error), error.description)
        }
    }

    private func hello(_ peer: PeerID, _ header: FrameHeader, _ payload: inout ByteReader) {
        let message: BusHello
        do throws(WireError) {
            guard header.kindVersion == BusHello.version else {
                throw WireError.wrongVersion(kind: header.kind, got: header.kindVersion, expected: BusHello.version)
            }
            message = try BusHello(decoding: &payload)
            try payload.expectEnd()
        } catch {
            counters.malformed.bump()
            log(peer, "bad hello: \(error)")
            reply(peer, sequence: header.sequence, error: ErrorReply.Code(for: error), error.description)
            return
        }
        guard BusSecret.matches(message.secret, secret) else {
            counters.unauthenticated.bump()
            log(peer, "hello as \(message.name) with a wrong secret")
            reply(peer, sequence: header.sequence, error: .unauthorized, "bad secret")
            return
        }
        guard let domains = policy.domains(of: message.name) else {
            counters.unauthenticated.bump()
            log(peer, "hello as \(message.name), a name the topology does not give bus access")
            reply(peer, sequence: header.sequence, error: .unauthorized, "unknown process name")
            return
        }
        if let previous = sessionByName[message.name], previous != peer { endSession(previous) }
        sessions[peer] = Session(name: message.name, domains: domains, lastSequence: header.sequence)
        sessionByName[message.name] = peer
        counters.sessions.bump()
        logger.info("bus session opened", metadata: ["name": "\(message.name)", "peer": "\(peer)"])
        send(BusWelcome(domains: domains.map(\.rawValue).sorted()), to: peer, sequence: header.sequence)
    }

    /// Drops a session and closes its Dom0 ports (their guest ends become unbound toward Dom0).
    private func endSession(_ peer: PeerID) {
        guard let session = sessions.removeValue(forKey: peer) else { return }
        sessionByName[session.name] = nil
        for port in session.ports {
            shared.owner[port] = nil
            try? channels.close(in: .dom0, port: port)
        }
        logger.info("bus session replaced", metadata: ["name": "\(session.name)", "ports": "\(session.ports.count)"])
    }

    private func dispatch(_ peer: PeerID, _ header: FrameHeader, _ payload: inout ByteReader) throws(WireError) {
        let sequence = header.sequence
        let session = sessions[peer]!
        func decode<M: WireMessage>(_: M.Type) throws(WireError) -> M {
            guard header.kindVersion == M.version else {
                throw WireError.wrongVersion(kind: header.kind, got: header.kindVersion, expected: M.version)
            }
            let m = try M(decoding: &payload)
            try payload.expectEnd()
            return m
        }
        func refuse(_ why: String) {
            counters.unauthorized.bump()
            log(peer, "\(session.name): \(why)")
            reply(peer, sequence: sequence, error: .unauthorized, why)
        }
        func answer(_ body: () throws(EventChannelError) -> EventChannelPort) {
            do throws(EventChannelError) {
                send(BusResult(result: 0, value: try body()), to: peer, sequence: sequence)
            } catch {
                send(BusResult(result: -error.errno.rawValue), to: peer, sequence: sequence)
            }
        }

        switch header.kind {
        case .busAllocUnbound:
            let m = try decode(BusAllocUnbound.self)
            let guest = DomID(m.domain)
            guard session.domains.contains(guest) else { return refuse("alloc_unbound for \(guest), not served") }
            switch m.side {
            case .guest:
                answer { () throws(EventChannelError) in try channels.allocUnbound(in: guest, remote: .dom0) }
            case .dom0:
                guard session.ports.count < Self.maxPortsPerSession else {
                    return send(BusResult(result: -XenErrno.ENOSPC.rawValue), to: peer, sequence: sequence)
                }
                answer { () throws(EventChannelError) in
                    let port = try channels.allocUnbound(in: .dom0, remote: guest)
                    own(port, peer)
                    return port
                }
            }
        case .busBindInterdomain:
            let m = try decode(BusBindInterdomain.self)
            let guest = DomID(m.domain)
            guard session.domains.contains(guest) else { return refuse("bind to \(guest), not served") }
            guard session.ports.count < Self.maxPortsPerSession else {
                return send(BusResult(result: -XenErrno.ENOSPC.rawValue), to: peer, sequence: sequence)
            }
            answer { () throws(EventChannelError) in
                let port = try channels.bindInterdomain(in: .dom0, remote: guest, remotePort: m.remotePort)
                own(port, peer)
                return port
            }
        case .busNotify:
            let m = try decode(BusNotify.self)
            guard shared.owner[m.port] == peer else { return refuse("notify on Dom0 port \(m.port), not its own") }
            counters.notifications.bump()
            answer { () throws(EventChannelError) in try channels.send(from: .dom0, port: m.port); return 0 }
        case .busSignal:
            // One-way: silent on success; a refusal is answered like a BusNotify's (the client counts it).
            let m = try decode(BusSignal.self)
            guard shared.owner[m.port] == peer else { return refuse("signal on Dom0 port \(m.port), not its own") }
            counters.notifications.bump()
            do throws(EventChannelError) {
                try channels.send(from: .dom0, port: m.port)
            } catch {
                send(BusResult(result: -error.errno.rawValue), to: peer, sequence: sequence)
            }
        case .busClose:
            let m = try decode(BusClose.self)
            guard shared.owner[m.port] == peer else { return refuse("close of Dom0 port \(m.port), not its own") }
            shared.owner[m.port] = nil
            sessions[peer]?.ports.remove(m.port)
            answer { () throws(EventChannelError) in try channels.close(in: .dom0, port: m.port); return 0 }
        case .busGrantCopy:
            let m = try decode(BusGrantCopy.self)
            send(grantCopy(m, session, peer), to: peer, sequence: sequence)
        case .busGetParam:
            let m = try decode(BusGetParam.self)
            let guest = DomID(m.domain)
            guard session.domains.contains(guest) else { return refuse("parameter of \(guest), not served") }
            send(parameter(guest, m.index), to: peer, sequence: sequence)
        case .busStatsRequest:
            _ = try decode(BusStatsRequest.self)
            send(counters.snapshot(), to: peer, sequence: sequence)
        case .busHello:
            refuse("already authenticated")
        default:
            throw WireError.unknownKind(header.kind)
        }
    }

    /// Only the parameters a backend needs (`BusGetParam.readable`): the rest of a domain's parameters are its own.
    private func parameter(_ guest: DomID, _ index: UInt32) -> BusParam {
        guard BusGetParam.readable.contains(index) else { return BusParam(result: -XenErrno.EPERM.rawValue, index: index) }
        let found = parameters(guest, index)
        guard found.domainExists else { return BusParam(result: -XenErrno.ESRCH.rawValue, index: index) }
        guard let value = found.value else { return BusParam(result: -XenErrno.ENOENT.rawValue, index: index) }
        return BusParam(result: 0, index: index, value: value)
    }

    private func own(_ port: EventChannelPort, _ peer: PeerID) {
        shared.owner[port] = peer
        sessions[peer]?.ports.insert(port)
    }

    private func grantCopy(_ m: BusGrantCopy, _ session: Session, _ peer: PeerID) -> BusGrantCopyResult {
        var outcomes: [BusGrantCopyResult.Outcome] = []
        outcomes.reserveCapacity(m.ops.count)
        for op in m.ops {
            let guest = DomID(op.domain)
            guard session.domains.contains(guest) else {
                counters.unauthorized.bump()
                counters.copiesRefused.bump()
                log(peer, "\(session.name): grant copy from \(guest), not served")
                outcomes.append(.init(status: GrantStatus.permissionDenied.rawValue))
                continue
            }
            switch op.direction {
            case .read:
                switch copier.read(granter: guest, ref: op.ref, offset: Int(op.offset), length: Int(op.length), copier: .dom0) {
                case let .success(data):
                    counters.copiesDone.bump()
                    outcomes.append(.init(status: GrantStatus.okay.rawValue, data: data))
                case let .failure(error):
                    counters.copiesRefused.bump()
                    outcomes.append(.init(status: error.status.rawValue))
                }
            case .write:
                if let error = copier.write(granter: guest, ref: op.ref, offset: Int(op.offset), bytes: op.data, copier: .dom0) {
                    counters.copiesRefused.bump()
                    outcomes.append(.init(status: error.status.rawValue))
                } else {
                    counters.copiesDone.bump()
                    outcomes.append(.init(status: GrantStatus.okay.rawValue))
                }
            }
        }
        return BusGrantCopyResult(outcomes: outcomes)
    }

    // MARK: replies

    private func send<M: WireMessage>(_ message: M, to peer: PeerID, sequence: UInt64) {
        Frame.encode(message, sequence: sequence, flags: .reply, into: &writer)
        transmit(peer)
    }

    private func reply(_ peer: PeerID, sequence: UInt64, error code: ErrorReply.Code, _ text: String) {
        Frame.encode(ErrorReply(code: code, answering: sequence, text: text), sequence: sequence,
                     flags: [.reply, .error], into: &writer)
        transmit(peer)
    }

    private func transmit(_ peer: PeerID) {
        do {
            try router.send(peer.bytes, more: true, dontWait: true)
            try router.send(writer.bytes, dontWait: true)
        } catch {
            log(peer, "reply dropped: \(error)")
        }
    }

    /// At most one line per peer per second: a flood of bad frames must not become a flood of log lines.
    private func log(_ peer: PeerID, _ message: String) {
        let now = ContinuousClock.now
        if let last = lastLogged[peer], now - last < .seconds(1) { return }
        if lastLogged.count >= 4096 { lastLogged = lastLogged.filter { now - $0.value < .seconds(1) } }
        lastLogged[peer] = now
        logger.warning("\(message)", metadata: ["peer": "\(peer)"])
    }
}
