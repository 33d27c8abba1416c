import Logging
import Wire

/// The terminal model: the "serial line and screen" behind a domain's console backend.
///
/// Peers on its one ROUTER endpoint play two roles (docs/devices.md, "Terminal model"):
/// - the **console side** (the console backend of a later issue, or any client standing in for it) sends
///   `TerminalOutput(domain, bytes)`: the bytes are appended to the log, kept in a short scrollback and copied to
///   every user attached to that domain. The most recent peer to send output for a domain is where that domain's
///   input goes; an empty `TerminalOutput` announces a console side without printing anything.
/// - **users** send `TerminalAttach(domain, readOnly)` (answered with the same message as the reply, then the
///   scrollback, then live output as unsolicited `TerminalOutput` frames), `TerminalInput(domain, bytes)` (sent on
///   to the domain's console side as an unsolicited `TerminalInput`, or held until one appears), and
///   `TerminalDetach(domain)`.
///
/// Unsolicited frames are queued in `outbox` by the handler and sent by the serving loop
/// (`TerminalModelProcess`), never blocking: a user who stops reading loses output, it cannot stall the guest.
public struct TerminalModel: RequestHandler {
    /// Users attached at once, over all domains. Every attached user gets a copy of every output chunk, so the
    /// bound caps the model's fan-out work and the state a peer can make it hold; 64 is far above any real use
    /// (one person per console, perhaps a logger).
    public static let maxAttachments = 64
    /// Domains the model keeps state for (scrollback, console side, pending input). Xen domain ids go up to
    /// 0x7FEF, so without a bound a peer could make it hold 32 Ki scrollbacks; a terminal serves one console,
    /// a few more are tolerated.
    public static let maxDomains = 16
    /// Output kept for a user who attaches later: 16 KiB, a few screens, like a terminal multiplexer's history.
    public static let scrollbackBytes = 16 << 10
    /// Input held while a domain has no console side. Xen's console input ring holds 1 KiB (`io/console.h`), so
    /// holding 4 rings' worth loses nothing a guest could have taken anyway; beyond it the oldest bytes go.
    public static let pendingInputBytes = 4 << 10

    public let log: TerminalLog
    public let metrics: TerminalMetrics
    /// Frames to send that are not replies: (peer, frame). Drained by the serving loop after each batch.
    public var outbox: [(peer: PeerID, frame: [UInt8])] = []

    private struct DomainState {
        var consoleSide: PeerID?
        var users: [PeerID: Bool] = [:]  // peer → read-only
        var scrollback: [UInt8] = []
        var pendingInput: [UInt8] = []
    }
    private var domains: [UInt32: DomainState] = [:]
    private var sequence: UInt64 = 0

    public init(log: TerminalLog, metrics: TerminalMetrics = TerminalMetrics()) {
        self.log = log
        self.metrics = metrics
    }

    public var acceptedKinds: [MessageKind: UInt16] {
        [TerminalOutput.kind: TerminalOutput.version, TerminalInput.kind: TerminalInput.version,
         TerminalAttach.kind: TerminalAttach.version, TerminalDetach.kind: TerminalDetach.version,
         TerminalLoggedOutput.kind: TerminalLoggedOutput.version]
    }

    public var attachedUsers: Int { domains.values.reduce(0) { $0 + $1.users.count } }

    public mutating func handle(_ request: IncomingRequest, reply: inout Reply) throws {
        switch request.header.kind {
        case TerminalOutput.kind:
            try output(try request.decode(TerminalOutput.self), from: request.peer)
        case TerminalLoggedOutput.kind:
            // The console backend's acknowledged output (Wire/Messages/TerminalLogged.swift): logged as output, then
            // answered with the log's length so the backend can resume after either side restarts.
            let logged = try request.decode(TerminalLoggedOutput.self)
            try output(TerminalOutput(domain: logged.domain, bytes: logged.bytes), from: request.peer)
            reply.send(TerminalLogPosition(domain: logged.domain, length: log.fileLength))
        case TerminalInput.kind:
            try input(try request.decode(TerminalInput.self), from: request.peer)
        case TerminalAttach.kind:
            let attach = try request.decode(TerminalAttach.self)
            try self.attach(attach, from: request.peer)
            reply.send(attach)
            sendScrollback(of: attach.domain, to: request.peer)
        case TerminalDetach.kind:
            let detach = try request.decode(TerminalDetach.self)
            if domains[detach.domain]?.users.removeValue(forKey: request.peer) != nil {
                metrics.detaches.add(1, ordering: .relaxed)
                metrics.attached.store(Int64(attachedUsers), ordering: .relaxed)
            }
            reply.send(detach)
        default:
            throw WireError.unknownKind(request.header.kind)  // not reached: the server checks acceptedKinds
        }
    }

    // MARK: console side

    private mutating func output(_ message: TerminalOutput, from peer: PeerID) throws {
        try withDomain(message.domain) { state in state.consoleSide = peer }
        metrics.outputChunks.add(1, ordering: .relaxed)
        metrics.outputBytes.add(Int64(message.bytes.count), ordering: .relaxed)
        do {
            try log.append(message.bytes)
        } catch {
            metrics.logErrors.add(1, ordering: .relaxed)
        }
        var state = domains[message.domain]!
        if !message.bytes.isEmpty {
            state.scrollback.append(contentsOf: message.bytes)
            if state.scrollback.count > Self.scrollbackBytes {
                state.scrollback.removeFirst(state.scrollback.count - Self.scrollbackBytes)
            }
            let frame = nextFrame(message)
            for user in state.users.keys { outbox.append((user, frame)) }
        }
        // A console side that just appeared gets the input typed while there was none.
        if !state.pendingInput.isEmpty {
            for start in stride(from: 0, to: state.pendingInput.count, by: terminalMaxChunk) {
                let chunk = Array(state.pendingInput[start..<min(start + terminalMaxChunk, state.pendingInput.count)])
                outbox.append((peer, nextFrame(TerminalInput(domain: message.domain, bytes: chunk))))
            }
            state.pendingInput.removeAll()
        }
        domains[message.domain] = state
    }

    // MARK: users

    private mutating func attach(_ message: TerminalAttach, from peer: PeerID) throws {
        let already = domains[message.domain]?.users[peer] != nil
        guard already || attachedUsers < Self.maxAttachments else {
            metrics.refused.add(1, ordering: .relaxed)
            throw WireError.remote(code: .busy, text: "\(Self.maxAttachments) users already attached")
        }
        try withDomain(message.domain) { state in state.users[peer] = message.readOnly }
        metrics.attaches.add(1, ordering: .relaxed)
        metrics.attached.store(Int64(attachedUsers), ordering: .relaxed)
    }

    private mutating func input(_ message: TerminalInput, from peer: PeerID) throws {
        guard let readOnly = domains[message.domain]?.users[peer], !readOnly else {
            metrics.refused.add(1, ordering: .relaxed)
            throw WireError.remote(code: .unauthorized,
                                   text: "input for domain \(message.domain) needs a read-write attach")
        }
        metrics.inputChunks.add(1, ordering: .relaxed)
        metrics.inputBytes.add(Int64(message.bytes.count), ordering: .relaxed)
        guard !message.bytes.isEmpty else { return }
        if let console = domains[message.domain]?.consoleSide {
            outbox.append((console, nextFrame(message)))
            return
        }
        var pending = domains[message.domain]!.pendingInput
        pending.append(contentsOf: message.bytes)
        if pending.count > Self.pendingInputBytes {
            let excess = pending.count - Self.pendingInputBytes
            pending.removeFirst(excess)
            metrics.inputDropped.add(Int64(excess), ordering: .relaxed)
        }
        domains[message.domain]!.pendingInput = pending
    }

    private mutating func sendScrollback(of domain: UInt32, to peer: PeerID) {
        guard let history = domains[domain]?.scrollback, !history.isEmpty else { return }
        for start in stride(from: 0, to: history.count, by: terminalMaxChunk) {
            let chunk = Array(history[start..<min(start + terminalMaxChunk, history.count)])
            outbox.append((peer, nextFrame(TerminalOutput(domain: domain, bytes: chunk))))
        }
    }

    // MARK: bookkeeping

    /// Runs `body` on the domain's state, creating it within `maxDomains`.
    private mutating func withDomain(_ domain: UInt32, _ body: (inout DomainState) -> Void) throws {
        if domains[domain] == nil {
            guard domains.count < Self.maxDomains else {
                metrics.refused.add(1, ordering: .relaxed)
                throw WireError.remote(code: .busy, text: "terminal already serves \(Self.maxDomains) domains")
            }
            domains[domain] = DomainState()
        }
        body(&domains[domain]!)
    }

    private mutating func nextFrame<M: WireMessage>(_ message: M) -> [UInt8] {
        sequence &+= 1
        return Frame.encode(message, sequence: sequence)
    }

    /// Forgets a peer that can no longer be reached (its frames bounced): it is no longer attached anywhere
    /// and no longer any domain's console side.
    public mutating func forget(_ peer: PeerID) {
        for domain in Array(domains.keys) {
            if domains[domain]!.users.removeValue(forKey: peer) != nil {
                metrics.detaches.add(1, ordering: .relaxed)
            }
            if domains[domain]!.consoleSide == peer { domains[domain]!.consoleSide = nil }
        }
        metrics.attached.store(Int64(attachedUsers), ordering: .relaxed)
    }
}
