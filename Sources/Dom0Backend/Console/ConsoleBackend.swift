import Foundation
import Logging
import Wire
import XenABI

/// The console backend (`xenarm backend console`): Dom0's half of one domain's console (xenconsoled's job on
/// Xen). It moves output from the guest's console ring to the terminal model's log (and attached users), and
/// input from the terminal model into the ring (docs/console.md).
///
/// It reaches the guest only through the hypervisor bus: it binds the console event channel the toolstack
/// offered to Dom0, reads and writes the ring page with grant copies of the reserved console grant (entry 0),
/// and notifies the port. It reaches the terminal model over a DEALER with `TerminalLoggedOutput` (each chunk
/// acknowledged with the log's length) and receives `TerminalInput` on the same socket.
///
/// Either peer may restart at any time: a bus that stops answering is reconnected (a new hello replaces the old
/// session), a terminal that stops answering is reconnected and asked for its log length, and `ConsoleConsolePersist.swift`
/// explains how the ring indices and that length make output pass exactly once.
///
/// Threading: make it and call `run` on one thread; `stopSignal` and `counters` are safe from any thread.
public final class ConsoleBackend {
    public struct Configuration: Sendable {
        public var name: String
        public var busEndpoint: String
        public var busSecretPath: String
        /// A domain id, or a domain name (then the one domain the bus policy gives this backend).
        public var domain: String
        public var terminalEndpoint: String
        /// The guest's console port offered to Dom0, as an override; nil (the default): read the domain's
        /// `HVM_PARAM_CONSOLE_EVTCHN` over the bus (`BusGetParam`) each time the backend binds.
        public var consolePort: UInt32?
        /// Where the anchor and the attach record live (`RUN/console/`).
        public var stateDirectory: String

        public init(name: String, busEndpoint: String, busSecretPath: String, domain: String, terminalEndpoint: String,
                    consolePort: UInt32? = nil, stateDirectory: String? = nil) {
            self.name = name; self.busEndpoint = busEndpoint; self.busSecretPath = busSecretPath
            self.domain = domain; self.terminalEndpoint = terminalEndpoint; self.consolePort = consolePort
            self.stateDirectory = stateDirectory
                ?? ((busSecretPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("console")
        }
    }

    /// Input held while the guest's in ring is full: four rings' worth, as the terminal model holds (a person
    /// typing cannot outrun that; a flood beyond it loses its oldest bytes, counted as `input_dropped`).
    public static let maxPendingInput = 4096
    /// How long a terminal model may take to log a chunk before it is taken for dead. Its work is one write(2).
    public static let terminalTimeout: Duration = .milliseconds(1000)
    /// How often the ring is looked at without a notification (a notification lost across a restart) and the
    /// terminal is pinged when idle (a restarted model learns where to send input).
    public static let idleCheck: Duration = .milliseconds(200)
    public static let heartbeat: Duration = .seconds(1)

    public let configuration: Configuration
    public let metrics = ConsoleMetrics()
    public let stopSignal: StopSignal
    private let logger: Logger
    private let context: ZMQContext
    private let secret: [UInt8]
    private let launch: UInt64

    private var bus: BusClient?
    private var domainID: UInt16?
    private var localPort: UInt32?
    private var domainEnded = false
    private var terminal: ZMQSocket?
    /// Ends the wait for a chunk's answer when the terminal model's connection closes (a killed model), so the
    /// resync goes to the new model as soon as it is up rather than after `terminalTimeout`.
    private var terminalLoss: SocketPeerLoss?
    private var terminalSequence: UInt64 = 0
    /// The log length and stream index pair of ConsolePersist.swift; nil until the first terminal answer of this run.
    private var anchor: ConsoleAnchor?
    private var anchorSynced = false
    private var pendingInput: [UInt8] = []
    private var lastRingCheck = ContinuousClock.now
    private var lastTerminalContact = ContinuousClock.now
    private var lastRingErrorLog = ContinuousClock.now - .seconds(10)

    public init(_ configuration: Configuration, context: ZMQContext, stopSignal: StopSignal = StopSignal()) throws {
        self.configuration = configuration
        self.context = context
        self.stopSignal = stopSignal
        var logger = Logger(label: "xenarm.backend.console")
        logger[metadataKey: "name"] = "\(configuration.name)"
        self.logger = logger
        do { secret = try BusSecret.load(from: configuration.busSecretPath) } catch {
            throw ConsoleBackendError.busSecret(path: configuration.busSecretPath, detail: "\(error)")
        }
        launch = ConsoleAnchor.launchIdentity(secret: secret)
        do {
            try FileManager.default.createDirectory(atPath: configuration.stateDirectory, withIntermediateDirectories: true)
        } catch {
            throw ConsoleBackendError.stateDirectory(path: configuration.stateDirectory, detail: "\(error)")
        }
    }

    public var counters: @Sendable () -> [String: Int64] {
        let metrics = self.metrics
        return { metrics.snapshot() }
    }

    private var anchorPath: String { "\(configuration.stateDirectory)/\(configuration.name).anchor" }

    /// Runs until `stopSignal` is set.
    public func run() {
        while !stopSignal.isStopped {
            if bus == nil || localPort == nil {
                connectBus()
                if localPort == nil { Thread.sleep(forTimeInterval: 0.2); continue }
            }
            if !domainEnded && (terminal == nil || !anchorSynced) {
                guard syncTerminal() else { Thread.sleep(forTimeInterval: 0.2); continue }
            }
            step()
        }
        logger.info("stopped: \(metrics.snapshot().sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
    }

    /// One turn: wait briefly for a notification, take terminal input, then move bytes if anything may have changed.
    private func step() {
        guard let bus, let localPort, let domainID else { return }
        var notified = false
        do {
            if let push = try bus.nextPush(timeout: .milliseconds(20)) {
                switch push {
                case let .event(port) where port == localPort:
                    notified = true
                case let .domain(e) where e.domain == domainID && e.event != .created:
                    logger.info("domain \(domainID) ended (event \(e.event.rawValue)): console closed")
                    domainEnded = true
                default:
                    break
                }
            }
        } catch {
            dropBus("waiting for events: \(error)")
            return
        }
        receiveTerminalInput()
        let now = ContinuousClock.now
        guard !domainEnded else { return }
        if notified || !pendingInput.isEmpty || now - lastRingCheck >= Self.idleCheck {
            lastRingCheck = now
            pump()
        }
        if !domainEnded, terminal != nil, ContinuousClock.now - lastTerminalContact >= Self.heartbeat {
            _ = syncTerminal()  // also re-announces us to a restarted model
        }
    }

    // MARK: bus

    private func connectBus() {
        if bus == nil {
            do {
                bus = try BusClient(context: context, endpoint: configuration.busEndpoint, name: configuration.name,
                                    secret: secret, timeout: .seconds(2))
                metrics.add(.busSessions)
            } catch {
                logger.debug("bus not reachable yet: \(error)")
                return
            }
        }
        guard let bus else { return }
        if domainID == nil {
            if let id = UInt16(configuration.domain) {
                domainID = id
            } else if bus.domains.count == 1 {
                domainID = bus.domains[0]
            } else {
                logger.error("--domain \(configuration.domain): the bus policy gives \(bus.domains) (need one, or an id)")
                return
            }
        }
        var consolePort: UInt32
        do throws(BusClient.Failure) {
            if let override = configuration.consolePort { consolePort = override } else {
                consolePort = try Self.consolePort(of: domainID!, bus)
            }
        } catch {
            logger.debug("reading domain \(domainID!)'s console port: \(error)")
            if case .wire = error { self.bus = nil }
            return
        }
        do {
            localPort = try bus.bindInterdomain(domain: domainID!, remotePort: consolePort)
            domainEnded = false
            logger.info("bound domain \(domainID!) console port \(consolePort) to Dom0 port \(localPort!)")
            writeAttachRecord()
            anchorSynced = false  // re-read where the ring stands
            try bus.notify(port: localPort!)  // the guest re-checks its ring (it may have waited on a full one)
        } catch {
            logger.debug("binding domain \(domainID!) port \(consolePort): \(error)")
            if case .wire = error { self.bus = nil }
        }
    }

    /// The port the hypervisor offered to Dom0 for the domain's console (`HVM_PARAM_CONSOLE_EVTCHN`).
    static func consolePort(of domain: UInt16, _ bus: BusClient) throws(BusClient.Failure) -> UInt32 {
        let value = try bus.hvmParam(domain: domain, index: HVMCommand.paramConsoleEvtchn)
        guard let port = UInt32(exactly: value) else { throw .wire(.malformed("console port \(value)")) }
        return port
    }

    private func dropBus(_ why: String) {
        logger.warning("bus: \(why); reconnecting")
        bus = nil
        localPort = nil
    }

    private func copy(_ ops: [BusGrantCopy.Op]) -> [[UInt8]]? {
        guard let bus else { return nil }
        do {
            let outcomes = try bus.grantCopy(ops)
            guard outcomes.count == ops.count, outcomes.allSatisfy({ $0.status == 0 }) else {
                if outcomes.contains(where: { Int32($0.status) == Int32(GrantStatus.badDomain.rawValue) }) {
                    // The domain is gone (its end event may still be on the way): nothing more to move.
                    if !domainEnded { logger.info("domain \(domainID ?? 0) is gone: console closed") }
                    domainEnded = true
                } else {
                    metrics.add(.copyErrors)
                }
                return nil
            }
            return outcomes.map(\.data)
        } catch {
            dropBus("grant copy: \(error)")
            return nil
        }
    }

    private func readIndices() -> ConsoleRing.Indices? {
        guard let domainID,
              let data = copy([.init(read: domainID, ref: 0, offset: UInt16(ConsoleRing.indicesOffset),
                                     length: UInt16(ConsoleRing.indicesLength))]) else { return nil }
        return ConsoleRing.Indices(bytes: data[0])
    }

    private func publish(offset: Int, index: UInt32) -> Bool {
        guard let domainID else { return false }
        return copy([.init(write: domainID, ref: 0, offset: UInt16(offset), data: ConsoleRing.bytes(of: index))]) != nil
    }

    private func notifyGuest() {
        guard let bus, let localPort else { return }
        do { try bus.notify(port: localPort) } catch { dropBus("notify: \(error)") }
    }

    // MARK: moving bytes

    private func pump() {
        guard let domainID, let indices = readIndices() else { return }
        var freed = false
        switch ConsoleRing.planOutput(cons: indices.outCons, prod: indices.outProd, limit: terminalMaxChunk) {
        case .empty:
            break
        case let .corrupt(distance):
            // Garbage from the guest: what it claims cannot be read back in order. Skip to out_prod and move the
            // anchor with it (the log did not grow while the stream index jumped).
            ringError("out_prod - out_cons = \(distance) > \(ConsoleRing.outSize)")
            guard publish(offset: ConsoleRing.outConsOffset, index: indices.outProd) else { return }
            if let a = anchor {
                let logLength = a.logLength &+ UInt64(indices.outCons &- a.ringIndex)
                setAnchor(ConsoleAnchor(launch: launch, domain: domainID, logLength: logLength,
                                        ringIndex: indices.outProd), logged: nil)
            }
            freed = true
        case let .read(segments, newCons):
            if anchor == nil {
                // First ring output of this launch: the guest has left console_io for good, so the log holds all
                // of its console_io bytes now. Anchor the ring's start to the log's length before logging a byte.
                guard let length = logOutput([]) else { anchorSynced = false; return }
                setAnchor(ConsoleAnchor(launch: launch, domain: domainID, logLength: length, ringIndex: indices.outCons),
                          logged: nil)
            }
            let ops = segments.map { BusGrantCopy.Op(read: domainID, ref: 0, offset: UInt16($0.offset),
                                                     length: UInt16($0.length)) }
            guard let parts = copy(ops) else { return }
            let bytes = parts.flatMap { $0 }
            guard let length = logOutput(bytes) else {
                // The model did not answer: it is restarting. The next sync asks where its log stands.
                anchorSynced = false
                return
            }
            if resync(logLength: length, indices: indices) {
                metrics.add(.bytesOut, Int64(bytes.count))
                metrics.add(.chunksOut)
            }
            _ = newCons
            freed = true
        }
        if !pendingInput.isEmpty, let fresh = freed ? readIndices() : indices {
            if writeInput(indices: fresh) { freed = true }
        }
        if freed { notifyGuest() }
    }

    /// Given the log's length now, publishes `out_cons` = the stream index the log holds (ConsolePersist.swift) and
    /// saves the anchor. Returns false when the anchor did not fit (replaced, counted).
    @discardableResult
    private func resync(logLength: UInt64, indices: ConsoleRing.Indices) -> Bool {
        guard let domainID else { return false }
        guard let a = anchor, let logged = a.loggedIndex(logLengthNow: logLength),
              logged &- indices.outCons <= indices.outProd &- indices.outCons,
              indices.outProd &- indices.outCons <= ConsoleRing.outSize else {
            if anchor != nil { metrics.add(.resumeMismatches) }
            logger.info("anchoring log length \(logLength) at out_cons \(indices.outCons)")
            setAnchor(ConsoleAnchor(launch: launch, domain: domainID, logLength: logLength, ringIndex: indices.outCons),
                      logged: nil)
            return false
        }
        if logged != indices.outCons {
            guard publish(offset: ConsoleRing.outConsOffset, index: logged) else { return false }
        }
        setAnchor(ConsoleAnchor(launch: launch, domain: domainID, logLength: logLength, ringIndex: logged),
                  logged: logged)
        return true
    }

    private func setAnchor(_ a: ConsoleAnchor, logged: UInt32?) {
        anchor = a
        do { try a.save(path: anchorPath) } catch { logger.warning("saving \(anchorPath): \(error)") }
    }

    private func writeInput(indices: ConsoleRing.Indices) -> Bool {
        guard let domainID else { return false }
        switch ConsoleRing.planInput(cons: indices.inCons, prod: indices.inProd, count: pendingInput.count) {
        case .full:
            return false
        case let .corrupt(distance):
            ringError("in_prod - in_cons = \(distance) > \(ConsoleRing.inSize)")
            return false
        case let .write(segments, count, newProd):
            var ops: [BusGrantCopy.Op] = []
            var at = 0
            for s in segments {
                ops.append(.init(write: domainID, ref: 0, offset: UInt16(s.offset),
                                 data: Array(pendingInput[at ..< at + s.length])))
                at += s.length
            }
            // The bytes first, then the index that publishes them (the guest reads in_prod, then the bytes).
            guard copy(ops) != nil, publish(offset: ConsoleRing.inProdOffset, index: newProd) else { return false }
            pendingInput.removeFirst(count)
            metrics.add(.bytesIn, Int64(count))
            return true
        }
    }

    private func ringError(_ what: String) {
        metrics.add(.ringErrors)
        let now = ContinuousClock.now
        if now - lastRingErrorLog >= .seconds(1) {
            lastRingErrorLog = now
            logger.warning("domain \(domainID ?? 0) console ring: \(what) (count \(metrics.value(.ringErrors)))")
        }
    }

    // MARK: terminal

    /// Asks the model for its log length (an empty `TerminalLoggedOutput`, which also announces this backend as
    /// the console side) and resyncs the ring to it. False when the model does not answer.
    private func syncTerminal() -> Bool {
        guard let domainID else { return false }
        guard let length = logOutput([]) else { return false }
        if anchor == nil, let saved = ConsoleAnchor.load(path: anchorPath), saved.launch == launch,
           saved.domain == domainID {
            anchor = saved
            logger.info("resuming from anchor: log length \(saved.logLength) at stream index \(saved.ringIndex)")
        }
        guard let indices = readIndices() else { return false }
        if anchor == nil && indices.outProd == indices.outCons {
            // Nothing on the ring yet: the guest may still be writing through console_io, which the hypervisor
            // appends to this same log (docs/console.md). Anchor when the first ring output shows up (pump), so
            // that every such byte is before the anchor's log length.
            anchorSynced = true
            return true
        }
        let before = indices.outCons
        if resync(logLength: length, indices: indices), let a = anchor, a.ringIndex != before {
            metrics.add(.resumeSkipped, Int64(a.ringIndex &- before))
            logger.info("resume: \(a.ringIndex &- before) bytes were already logged, out_cons \(before) -> \(a.ringIndex)")
        }
        anchorSynced = true
        return true
    }

    private func openTerminal() -> ZMQSocket? {
        if let terminal { return terminal }
        do {
            let s = try context.socket(.dealer)
            try s.set(.linger(milliseconds: 0))
            try s.set(.maxMessageSize(Int64(FrameHeader.transportLimit)))
            // A restarted model is bound ~100 ms after the kill: reach it within 25 ms of that.
            try s.set(.reconnectInterval(milliseconds: 25))
            let loss = try? SocketPeerLoss(watching: s)  // without it the terminal timeout alone applies
            try s.connect(configuration.terminalEndpoint)
            terminal = s
            terminalLoss = loss
            return s
        } catch {
            logger.warning("terminal \(configuration.terminalEndpoint): \(error)")
            return nil
        }
    }

    /// Sends `bytes` as a `TerminalLoggedOutput` and waits for the log length. nil when no answer came in time:
    /// the socket is then replaced so a late answer or a stale queue cannot be mistaken for a new one.
    private func logOutput(_ bytes: [UInt8]) -> UInt64? {
        guard let socket = openTerminal(), let domainID else { return nil }
        terminalSequence &+= 1
        let sequence = terminalSequence
        terminalLoss?.clear()
        do {
            try socket.send(Frame.encode(TerminalLoggedOutput(domain: UInt32(domainID), bytes: bytes), sequence: sequence),
                            dontWait: true)
        } catch {
            resetTerminal("send: \(error)")
            return nil
        }
        let deadline = ContinuousClock.now + Self.terminalTimeout
        while ContinuousClock.now < deadline {
            let outcome: SocketPeerLoss.Outcome
            if let loss = terminalLoss {
                guard let o = try? loss.receive(socket, until: deadline) else { break }
                outcome = o
            } else {
                let left = deadline - ContinuousClock.now
                let ms = max(1, Int(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
                guard (try? socket.set(.receiveTimeout(milliseconds: Int32(clamping: ms)))) != nil,
                      let frame = try? socket.receive() else { break }
                outcome = .message([frame])
            }
            guard case .message(let parts) = outcome, let frame = parts.last else {
                if case .peerLost = outcome {
                    metrics.add(.terminalLosses)
                    resetTerminal("connection closed")
                    return nil
                }
                break
            }
            guard let (header, _) = try? Frame.open(frame) else { metrics.add(.malformed); continue }
            if header.flags.contains(.reply) {
                guard header.sequence == sequence else { continue }
                do {
                    let position = try Frame.decode(TerminalLogPosition.self, from: frame).1
                    lastTerminalContact = ContinuousClock.now
                    return position.length
                } catch {
                    logger.warning("terminal answered \(error)")
                    resetTerminal("bad answer")
                    return nil
                }
            }
            handleTerminalPush(frame)
        }
        metrics.add(.terminalTimeouts)
        resetTerminal("no answer in \(Self.terminalTimeout)")
        return nil
    }

    private func resetTerminal(_ why: String) {
        logger.warning("terminal \(configuration.terminalEndpoint): \(why); reconnecting")
        terminalLoss = nil
        terminal?.close()
        terminal = nil
        anchorSynced = false
    }

    private func receiveTerminalInput() {
        guard let terminal else { return }
        while true {
            let frame: [UInt8]?
            do { frame = try terminal.tryReceive() } catch { return }
            guard let frame else { return }
            handleTerminalPush(frame)
        }
    }

    /// An unsolicited frame from the model: input for the guest (anything else is ignored and counted).
    private func handleTerminalPush(_ frame: [UInt8]) {
        guard let (header, _) = try? Frame.open(frame), !header.flags.contains(.reply),
              let input = try? Frame.decode(TerminalInput.self, from: frame).1,
              input.domain == UInt32(domainID ?? 0) else {
            metrics.add(.malformed)
            return
        }
        pendingInput.append(contentsOf: input.bytes)
        if pendingInput.count > Self.maxPendingInput {
            let excess = pendingInput.count - Self.maxPendingInput
            pendingInput.removeFirst(excess)
            metrics.add(.inputDropped, Int64(excess))
        }
    }

    // MARK: attach record

    /// `RUN/console/DOMAIN.json`: where `xenarm console DOMAIN` finds this domain's terminal.
    private func writeAttachRecord() {
        guard let domainID else { return }
        let record = ConsoleAttachRecord(domain: domainID, terminal: configuration.terminalEndpoint,
                                         backend: configuration.name)
        for key in Set([configuration.domain, String(domainID)]) {
            do { try record.save(directory: configuration.stateDirectory, key: key) } catch {
                logger.warning("attach record for \(key): \(error)")
            }
        }
    }
}

/// What `xenarm console NAME` needs to attach: the domain id and its terminal model's endpoint.
public struct ConsoleAttachRecord: Codable, Equatable, Sendable {
    public var domain: UInt16
    public var terminal: String
    public var backend: String

    public init(domain: UInt16, terminal: String, backend: String) {
        self.domain = domain; self.terminal = terminal; self.backend = backend
    }

    public static func path(directory: String, key: String) -> String { "\(directory)/\(key).json" }

    public func save(directory: String, key: String) throws {
        let path = Self.path(directory: directory, key: key)
        try JSONEncoder().encode(self).write(to: URL(fileURLWithPath: path + ".tmp"))
        guard rename(path + ".tmp", path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    public static func load(directory: String, key: String) throws -> ConsoleAttachRecord {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(directory: directory, key: key)))
        return try JSONDecoder().decode(ConsoleAttachRecord.self, from: data)
    }
}

/// Why a console backend cannot start.
public enum ConsoleBackendError: Error, Equatable, Sendable, CustomStringConvertible {
    case busSecret(path: String, detail: String)
    case stateDirectory(path: String, detail: String)

    public var description: String {
        switch self {
        case let .busSecret(path, detail): return "bus secret \(path): \(detail)"
        case let .stateDirectory(path, detail): return "state directory \(path): \(detail)"
        }
    }
}
