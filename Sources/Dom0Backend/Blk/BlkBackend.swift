import Foundation
import Logging
import Wire
import XenABI

/// blkback (`xenarm backend blk`): Dom0's backend of one virtual disk of one guest (docs/block.md).
///
/// - **xenbus** through xenstored (`XenstoreClient`): finds its backend directory from the domain and device,
///   writes the disk's nodes and InitWait, watches the frontend's `state`, connects when it is Initialised
///   (`BlkXenbusMachine` decides, this loop does the I/O).
/// - **ring** through the hypervisor bus (`BusClient`): binds the frontend's event channel, reads the shared ring
///   page and the data pages with grant copies (`BusGrantCopy`), writes responses and `rsp_prod`, notifies the
///   port when `RING_PUSH_RESPONSES_AND_CHECK_NOTIFY` says so (`BlkRing`).
/// - **native driver** (`BlkNativeDriver`): each checked request (`BlkRequestCheck`) becomes disk model
///   transactions.
///
/// A restarted process starts over at InitWait; the frontend re-initialises its ring and re-issues what had no
/// response (docs/block.md, "Restart"). Nothing read from the ring page or xenstore can trap it.
///
/// Threading: make it and call `run` on one thread; `stopSignal` and `counters` are safe from any thread.
public final class BlkBackend {
    public struct Configuration: Sendable {
        public var name: String
        public var busEndpoint: String
        public var busSecretPath: String
        public var xenstoreEndpoint: String
        /// A domain id, or a domain name (looked up under `/local/domain/*/name`).
        public var domain: String
        /// The guest-visible disk name (`xvda`).
        public var device: String
        public var modelEndpoint: String
        /// The disk's size in 512-byte sectors; nil: asked of the model (`BlkNativeDriver.probeCapacity`).
        public var sectors: UInt64?
        public var readOnly: Bool

        public init(name: String, busEndpoint: String, busSecretPath: String, xenstoreEndpoint: String, domain: String,
                    device: String, modelEndpoint: String, sectors: UInt64? = nil, readOnly: Bool = false) {
            self.name = name; self.busEndpoint = busEndpoint; self.busSecretPath = busSecretPath
            self.xenstoreEndpoint = xenstoreEndpoint; self.domain = domain; self.device = device
            self.modelEndpoint = modelEndpoint; self.sectors = sectors; self.readOnly = readOnly
        }
    }

    /// How often the ring is looked at without a notification (one lost across a restart, or a frontend that does
    /// not notify), and the frontend's `state` re-read (a watch lost with xenstored).
    public static let idleCheck: Duration = .milliseconds(200)
    public static let stateRecheck: Duration = .seconds(1)

    public let configuration: Configuration
    public let metrics = BlkMetrics()
    public let stopSignal: StopSignal
    private let logger: Logger
    private let context: ZMQContext
    private let secret: [UInt8]

    private var xenstore: XenstoreClient
    private var driver: BlkNativeDriver
    private var bus: BusClient?
    private var machine = BlkXenbusMachine()

    private var domainID: UInt16?
    private var backendPath: String?
    private var frontendPath: String?
    private var capacity: UInt64?
    private var announced = false
    private var domainEnded = false

    // The connected ring.
    private var ringRef: UInt32?
    private var remotePort: UInt32?
    private var localPort: UInt32?
    private var ring = BlkRing()
    private var lastRingCheck = ContinuousClock.now
    private var lastStateRead = ContinuousClock.now
    private var pendingConnect = false
    private var lastLog: [String: ContinuousClock.Instant] = [:]

    public init(_ configuration: Configuration, context: ZMQContext, stopSignal: StopSignal = StopSignal()) throws {
        self.configuration = configuration
        self.context = context
        self.stopSignal = stopSignal
        var logger = Logger(label: "xenarm.backend.blk")
        logger[metadataKey: "name"] = "\(configuration.name)"
        self.logger = logger
        do { secret = try BusSecret.load(from: configuration.busSecretPath) } catch {
            throw BlkBackendError.busSecret(path: configuration.busSecretPath, detail: "\(error)")
        }
        xenstore = try XenstoreClient(context: context, endpoint: configuration.xenstoreEndpoint)
        driver = try BlkNativeDriver(context: context, endpoint: configuration.modelEndpoint, metrics: metrics)
    }

    public var counters: @Sendable () -> [String: Int64] {
        let metrics = self.metrics
        return { metrics.snapshot() }
    }

    /// Runs until `stopSignal` is set.
    public func run() {
        while !stopSignal.isStopped {
            if !announced {
                if !announce() { Thread.sleep(forTimeInterval: 0.2) }
                continue
            }
            step()
        }
        logger.info("stopped: \(metrics.snapshot().sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
    }

    // MARK: xenbus

    /// Step 1 of the handshake: find the directories, write the disk's nodes and InitWait, watch the frontend.
    private func announce() -> Bool {
        do {
            if domainID == nil { domainID = try resolveDomain() }
            guard let domainID else { return false }
            if backendPath == nil { backendPath = try findBackendDirectory(domain: domainID) }
            guard let be = backendPath else { return false }
            guard let fe = try xenstore.read("\(be)/frontend"), !fe.isEmpty else {
                rateLimitedLog("no-frontend", "\(be)/frontend is missing: waiting for the toolstack")
                return false
            }
            frontendPath = fe
            if capacity == nil {
                capacity = configuration.sectors ?? driver.probeCapacity()
                guard capacity != nil else {
                    rateLimitedLog("model", "disk model \(configuration.modelEndpoint) does not answer")
                    return false
                }
                metrics.set(.sectors, Int64(capacity!))
            }
            let ro = configuration.readOnly
            let tx = try xenstore.transactionStart()
            try xenstore.write("\(be)/sectors", String(capacity!), transaction: tx)
            try xenstore.write("\(be)/sector-size", String(Blkif.sectorSize), transaction: tx)
            try xenstore.write("\(be)/info", ro ? String(Blkif.vdiskReadOnly) : "0", transaction: tx)
            try xenstore.write("\(be)/feature-flush-cache", "1", transaction: tx)
            try xenstore.write("\(be)/feature-discard", ro ? "0" : "1", transaction: tx)
            try xenstore.write("\(be)/mode", ro ? "r" : "w", transaction: tx)
            try xenstore.write("\(be)/state", XenbusState.initWait.node, transaction: tx)
            do { try xenstore.transactionEnd(tx, commit: true) } catch .xenstore(.EAGAIN) { return false }
            machine = BlkXenbusMachine()
            try xenstore.watch("\(fe)/state", token: "fe-state")
            announced = true
            metrics.set(.xenstoreReconnects, Int64(xenstore.reconnects))
            logger.info("\(be): \(capacity!) sectors\(ro ? ", read-only" : ""), InitWait; watching \(fe)/state")
            return true
        } catch {
            rateLimitedLog("announce", "xenstore: \(error)")
            return false
        }
    }

    /// `--domain`: an id, or the name the toolstack wrote in `/local/domain/N/name`.
    private func resolveDomain() throws(XenstoreClientError) -> UInt16? {
        if let id = UInt16(configuration.domain) { return id }
        for child in try xenstore.directory("/local/domain") {
            guard let id = UInt16(child), id != 0 else { continue }
            if try xenstore.read("/local/domain/\(child)/name") == configuration.domain { return id }
        }
        rateLimitedLog("domain", "no domain named \(configuration.domain) in xenstore yet")
        return nil
    }

    /// `/local/domain/0/backend/vbd/D/N` whose `dev` is the device (N is its vbd number: `xvda` = 51712).
    private func findBackendDirectory(domain: UInt16) throws(XenstoreClientError) -> String? {
        let base = "/local/domain/0/backend/vbd/\(domain)"
        if let n = Self.virtualDiskNumber(configuration.device), try xenstore.read("\(base)/\(n)/dev") != nil {
            return "\(base)/\(n)"
        }
        for child in try xenstore.directory(base) where try xenstore.read("\(base)/\(child)/dev") == configuration.device {
            return "\(base)/\(child)"
        }
        rateLimitedLog("backend-dir", "no \(base)/*/dev = \(configuration.device) yet")
        return nil
    }

    /// Xen's vbd number of `xvdX` (major 202, 16 minors per disk, docs/misc/vbd-interface.txt).
    public static func virtualDiskNumber(_ name: String) -> Int? {
        guard name.count == 4, name.hasPrefix("xvd"), let a = name.last?.asciiValue, a >= 97, a < 97 + 16 else {
            return nil
        }
        return (202 << 8) | (Int(a - 97) << 4)
    }

    private func readFrontendState() {
        guard let fe = frontendPath else { return }
        lastStateRead = ContinuousClock.now
        let value: String?
        do { value = try xenstore.read("\(fe)/state") } catch {
            rateLimitedLog("fe-state", "reading \(fe)/state: \(error)")
            return
        }
        guard let value, let state = XenbusState(node: value) else { return }
        act(machine.frontend(state))
    }

    private func act(_ action: BlkXenbusMachine.Action) {
        switch action {
        case .none:
            break
        case .connect:
            pendingConnect = true
            connect()
        case let .disconnect(state):
            pendingConnect = false
            disconnect()
            if let state { writeState(state) }
        case let .write(state):
            writeState(state)
        }
    }

    private func writeState(_ state: XenbusState) {
        guard let be = backendPath else { return }
        do { try xenstore.write("\(be)/state", state.node) } catch {
            logger.warning("writing \(be)/state = \(state.rawValue): \(error)")
            return
        }
        logger.info("\(be)/state = \(state.rawValue) (\(state))")
    }

    /// Step 3: the frontend is Initialised. Read its ring, bind its port, start a fresh ring, Connected.
    private func connect() {
        guard let fe = frontendPath, let domainID else { return }
        disconnect()
        let ref: UInt32, port: UInt32
        do {
            guard let r = try xenstore.read("\(fe)/ring-ref").flatMap({ UInt32($0) }),
                  let p = try xenstore.read("\(fe)/event-channel").flatMap({ UInt32($0) }) else {
                logger.warning("\(fe): ring-ref or event-channel missing or not a number")
                pendingConnect = false
                act(machine.refused())
                return
            }
            let proto = try xenstore.read("\(fe)/protocol")
            if let proto, !proto.isEmpty, proto != Blkif.protocolARM {
                logger.warning("\(fe)/protocol = \(proto): only \(Blkif.protocolARM) is served")
                pendingConnect = false
                act(machine.refused())
                return
            }
            ref = r; port = p
        } catch {
            rateLimitedLog("connect", "reading \(fe): \(error)")
            return  // pendingConnect stays: tried again
        }
        guard let bus = connectBus() else { return }
        do {
            localPort = try bus.bindInterdomain(domain: domainID, remotePort: port)
        } catch {
            rateLimitedLog("bind", "binding domain \(domainID) port \(port): \(error)")
            if case .wire = error { self.bus = nil }
            return
        }
        ringRef = ref
        remotePort = port
        ring = BlkRing()
        pendingConnect = false
        metrics.add(.connects)
        logger.info("connected: domain \(domainID) ring-ref \(ref) port \(port) -> Dom0 port \(localPort!)")
        act(machine.connected())
        service()
    }

    /// Stops serving the ring: unbinds the port (a later bind needs the guest's port unbound toward Dom0).
    private func disconnect() {
        if let localPort, let bus { try? bus.close(port: localPort) }
        localPort = nil
        ringRef = nil
        remotePort = nil
    }

    // MARK: bus

    private func connectBus() -> BusClient? {
        if let bus { return bus }
        do {
            let b = try BusClient(context: context, endpoint: configuration.busEndpoint, name: configuration.name,
                                  secret: secret, timeout: .seconds(2))
            metrics.add(.busSessions)
            if let domainID, !b.domains.contains(domainID) {
                logger.warning("the bus policy gives \(configuration.name) domains \(b.domains), not \(domainID)")
            }
            bus = b
            return b
        } catch {
            rateLimitedLog("bus", "bus \(configuration.busEndpoint) not reachable: \(error)")
            return nil
        }
    }

    private func dropBus(_ why: String) {
        logger.warning("bus: \(why); reconnecting")
        bus = nil
        localPort = nil
        // Responses of the lost call may be half written: the ring cannot be trusted. As after a restart, go back
        // to InitWait; the frontend initialises the ring again and re-issues what had no response.
        act(machine.lost())
    }

    // MARK: the loop

    private func step() {
        var notified = false
        // Watch events: re-read the frontend's state (the event says only that something changed).
        do {
            var sawEvent = false
            while let _ = try xenstore.nextEvent(timeout: .zero) { sawEvent = true }
            if Int64(xenstore.reconnects) != metrics.value(.xenstoreReconnects) {
                metrics.set(.xenstoreReconnects, Int64(xenstore.reconnects))
                logger.info("xenstored reconnected (\(xenstore.reconnects) so far): watches registered again (\(xenstore.rewatches) registrations)")
            }
            if sawEvent { readFrontendState() }
        } catch {
            rateLimitedLog("events", "xenstore events: \(error)")
        }
        if let bus {
            do {
                while let push = try bus.nextPush(timeout: .zero) {
                    switch push {
                    case let .event(port) where port == localPort:
                        notified = true
                    case let .domain(e) where e.domain == domainID && e.event != .created:
                        logger.info("domain \(domainID ?? 0) ended (event \(e.event.rawValue)): disk closed")
                        domainEnded = true
                        disconnect()
                    default:
                        break
                    }
                }
            } catch {
                dropBus("waiting for events: \(error)")
            }
        }
        let now = ContinuousClock.now
        if pendingConnect && !domainEnded && now - lastRingCheck >= Self.idleCheck {
            lastRingCheck = now
            connect()
        }
        if now - lastStateRead >= Self.stateRecheck { readFrontendState() }
        if localPort != nil && (notified || now - lastRingCheck >= Self.idleCheck) {
            lastRingCheck = now
            service()
            return
        }
        wait(.milliseconds(20))
    }

    /// Waits until the bus or xenstore socket is readable, at most `limit`.
    private func wait(_ limit: Duration) {
        var poller = Poller()
        poller.add(xenstore.pollSocket)
        if let bus { poller.add(bus.pollSocket) }
        let ms = Int(limit.components.seconds * 1000 + limit.components.attoseconds / 1_000_000_000_000_000)
        _ = try? poller.poll(timeoutMilliseconds: ms)
    }

    // MARK: the ring

    private func copy(_ ops: [BusGrantCopy.Op]) -> [BusGrantCopyResult.Outcome]? {
        guard let bus else { return nil }
        do {
            let outcomes = try bus.grantCopy(ops)
            guard outcomes.count == ops.count else {
                dropBus("grant copy answered \(outcomes.count) of \(ops.count) ops")
                return nil
            }
            return outcomes
        } catch {
            dropBus("grant copy: \(error)")
            return nil
        }
    }

    private static func okay(_ o: BusGrantCopyResult.Outcome) -> Bool { o.status == GrantStatus.okay.rawValue }

    /// Serves every request on the ring, then arms `req_event` and looks once more (RING_FINAL_CHECK_FOR_REQUESTS).
    private func service() {
        guard let domainID, let ref = ringRef else { return }
        let slotsLength = Int(Blkif.ringSize) * Blkif.slotSize
        var rounds = 0
        while localPort != nil, rounds < 64 {
            rounds += 1
            // The header, then every slot: the batch's ops run in order, so slots are read after req_prod.
            guard let page = copy([
                .init(read: domainID, ref: ref, offset: 0, length: 16),
                .init(read: domainID, ref: ref, offset: UInt16(Blkif.ringOffset), length: UInt16(slotsLength)),
            ]) else { return }
            guard page.allSatisfy(Self.okay) else {
                metrics.add(.copyErrors)
                rateLimitedLog("ring-copy", "the ring page (ref \(ref)) cannot be read: status \(page.map(\.status))")
                return
            }
            let reqProd = Self.u32(page[0].data, Blkif.reqProdOffset)
            switch ring.pending(reqProd: reqProd) {
            case let .overflow(distance):
                metrics.add(.ringErrors)
                logger.warning("domain \(domainID) broke its ring: req_prod \(reqProd) is \(distance) past rsp_prod \(ring.responseProducer) (ring of \(Blkif.ringSize)); ring stopped until the frontend reconnects (state 1)")
                act(machine.ringBroken())
                return
            case .none:
                // Idle: ask for a notification at the next request, then look once more.
                guard let check = copy([
                    .init(write: domainID, ref: ref, offset: UInt16(Blkif.reqEventOffset),
                          data: Self.bytes(ring.requestEvent)),
                    .init(read: domainID, ref: ref, offset: UInt16(Blkif.reqProdOffset), length: 4),
                ]) else { return }
                guard check.allSatisfy(Self.okay), Self.u32(check[1].data, 0) != reqProd else { return }
                continue
            case let .requests(start, count):
                let slots = page[1].data
                var batch: [BlkifRequest] = []
                for index in BlkRing.indices(from: start, count: count) {
                    ring.consume(1)
                    if let r = BlkifRequest(bytes: slots, at: Blkif.slotOffset(index) - Blkif.ringOffset) {
                        batch.append(r)
                    }
                }
                serve(batch, domain: domainID, ref: ref)
                if localPort == nil { return }
            }
        }
    }

    /// One request of a batch on its way through `serve`.
    private struct Job {
        var request: BlkifRequest
        var work: BlkWork?
        /// The status so far: OKAY until something fails.
        var status: Int16 = Blkif.responseOkay
        var data: [UInt8] = []
        var diskIndices: [Int] = []
    }

    /// Largest data of one bus call: 32 ops of a page would be 128 KiB; the frame limit is 256 KiB.
    static let maxCopyBytes = 96 * 1024

    /// Serves a batch of requests read from the ring, in three phases that each cross a process boundary as few
    /// times as possible: (1) the data of every write, read from the guest's pages in batched grant copies;
    /// (2) every disk transaction in flight at once to the model (`performAll`); (3) read data and response slots
    /// written in batched grant copies, `rsp_prod` published after each batch (only once every copy of its
    /// responses is known to have worked), the guest notified per ring.h's rule.
    private func serve(_ requests: [BlkifRequest], domain: UInt16, ref: UInt32) {
        guard let capacity else { return }
        var jobs: [Job] = []
        for request in requests {
            metrics.add(.requests)
            var job = Job(request: request)
            switch BlkRequestCheck.check(request, capacitySectors: capacity, readOnly: configuration.readOnly) {
            case let .failure(refusal):
                metrics.add(.invalid)
                rateLimitedLog("invalid", "domain \(domain) request id \(request.id) op \(request.operation): \(refusal)")
                job.status = refusal.status
            case let .success(work):
                job.work = work
                switch work {
                case .read: metrics.add(.reads)
                case .write: metrics.add(.writes)
                case .flush: metrics.add(.flushes)
                case .discard: metrics.add(.discards)
                }
            }
            jobs.append(job)
        }

        // (1) Write data from the guest, as many requests per bus call as fit.
        var group: [Int] = []
        var groupOps: [BusGrantCopy.Op] = []
        var groupBytes = 0
        func readGroup() -> Bool {
            defer { group = []; groupOps = []; groupBytes = 0 }
            guard !groupOps.isEmpty else { return true }
            guard let outcomes = copy(groupOps) else { return false }
            var at = 0
            for j in group {
                guard case let .write(_, _, segments) = jobs[j].work else { continue }
                let mine = outcomes[at ..< at + segments.count]
                at += segments.count
                if mine.allSatisfy(Self.okay) {
                    var data: [UInt8] = []
                    data.reserveCapacity(jobs[j].work!.dataBytes)
                    for o in mine { data += o.data }
                    jobs[j].data = data
                } else {
                    metrics.add(.copyErrors)
                    rateLimitedLog("copy", "domain \(domain) request id \(jobs[j].request.id): grant copy refused \(mine.map(\.status))")
                    jobs[j].status = Blkif.responseError
                }
            }
            return true
        }
        for j in jobs.indices {
            guard case let .write(_, _, segments) = jobs[j].work else { continue }
            let bytes = jobs[j].work!.dataBytes
            if groupOps.count + segments.count > BusGrantCopy.maxOps || groupBytes + bytes > Self.maxCopyBytes {
                guard readGroup() else { return }
            }
            group.append(j)
            groupBytes += bytes
            for seg in segments {
                let (offset, length) = BlkRequestCheck.pageSpan(seg)
                groupOps.append(.init(read: domain, ref: seg.gref, offset: UInt16(offset), length: UInt16(length)))
            }
        }
        guard readGroup() else { return }

        // (2) Every disk transaction at once.
        var disk: [DiskRequest] = []
        for j in jobs.indices where jobs[j].status == Blkif.responseOkay {
            guard let work = jobs[j].work else { continue }
            for d in BlkRequestCheck.diskRequests(work, data: jobs[j].data, id: { _ in driver.newID() }) {
                jobs[j].diskIndices.append(disk.count)
                disk.append(d)
            }
            jobs[j].data = []
        }
        let answers = driver.performAll(disk)
        for j in jobs.indices where jobs[j].status == Blkif.responseOkay && jobs[j].work != nil {
            var failed = false
            for k in jobs[j].diskIndices {
                guard let a = answers[k], a.status == .ok else { failed = true; break }
            }
            if case .read = jobs[j].work!, !failed, let k = jobs[j].diskIndices.first,
               let data = answers[k]?.data, data.count == jobs[j].work!.dataBytes {
                jobs[j].data = data
            } else if case .read = jobs[j].work! {
                failed = true
            }
            if failed {
                jobs[j].status = Blkif.responseError
                rateLimitedLog("model", "disk model failed request id \(jobs[j].request.id) (\(jobs[j].request.operation))")
            } else if case .write = jobs[j].work! {
                metrics.add(.bytesWritten, Int64(jobs[j].work!.dataBytes))
            }
        }

        // (3) Responses: read data and slots in batched calls, corrections and other slots staged, then published.
        var staged: [BusGrantCopy.Op] = []
        var pendingReads: [(job: Int, slot: Int, ops: Int)] = []
        var callOps: [BusGrantCopy.Op] = []
        var callBytes = 0
        func flushReads() -> Bool {
            defer { pendingReads = []; callOps = []; callBytes = 0 }
            guard !callOps.isEmpty else { return true }
            guard let outcomes = copy(callOps) else { return false }
            var at = 0
            for p in pendingReads {
                let data = outcomes[at ..< at + p.ops - 1]
                at += p.ops
                let job = jobs[p.job]
                if data.allSatisfy(Self.okay) {
                    metrics.add(.bytesRead, Int64(job.work!.dataBytes))
                } else {
                    metrics.add(.copyErrors)
                    metrics.add(.errors)
                    rateLimitedLog("copy", "domain \(domain) request id \(job.request.id): grant copy refused \(data.map(\.status))")
                    // The slot is not published yet: it becomes the error before rsp_prod moves.
                    staged.append(.init(write: domain, ref: ref, offset: UInt16(p.slot),
                                        data: BlkifResponse(id: job.request.id, operation: job.request.operation,
                                                            status: Blkif.responseError).encoded()))
                }
            }
            return true
        }
        for j in jobs.indices {
            let job = jobs[j]
            if job.status == Blkif.responseOkay, case let .read(_, _, segments) = job.work! {
                let bytes = job.work!.dataBytes
                if callOps.count + segments.count + 1 > BusGrantCopy.maxOps - 2 || callBytes + bytes > Self.maxCopyBytes {
                    guard flushReads() else { return }
                    publish(&staged, domain: domain, ref: ref)
                    if localPort == nil { return }
                }
                var at = 0
                for seg in segments {
                    let (offset, length) = BlkRequestCheck.pageSpan(seg)
                    callOps.append(.init(write: domain, ref: seg.gref, offset: UInt16(offset),
                                         data: Array(job.data[at ..< at + length])))
                    at += length
                }
                let slot = ring.nextResponseSlot()
                callOps.append(.init(write: domain, ref: ref, offset: UInt16(slot),
                                     data: BlkifResponse(id: job.request.id, operation: job.request.operation,
                                                         status: Blkif.responseOkay).encoded()))
                callBytes += bytes
                pendingReads.append((j, slot, segments.count + 1))
            } else {
                staged += respond(job.request, job.status)
                if staged.count >= BusGrantCopy.maxOps - 2 {
                    guard flushReads() else { return }
                    publish(&staged, domain: domain, ref: ref)
                    if localPort == nil { return }
                }
            }
        }
        guard flushReads() else { return }
        publish(&staged, domain: domain, ref: ref)
    }

    /// Takes the next response slot for `request` with `status`: the op that writes it.
    private func respond(_ request: BlkifRequest, _ status: Int16) -> [BusGrantCopy.Op] {
        if status != Blkif.responseOkay { metrics.add(.errors) }
        let slot = ring.nextResponseSlot()
        return [.init(write: domainID ?? 0, ref: ringRef ?? 0, offset: UInt16(slot),
                      data: BlkifResponse(id: request.id, operation: request.operation, status: status).encoded())]
    }

    /// Writes the staged response slots, then `rsp_prod`, then reads `rsp_event` (one bus call, in that order),
    /// and notifies the guest when ring.h's rule says so.
    private func publish(_ staged: inout [BusGrantCopy.Op], domain: UInt16, ref: UInt32) {
        defer { staged = [] }
        guard ring.unpublished > 0 || !staged.isEmpty else { return }
        // Slots beyond one call's ops go first, on their own (still unpublished, so in any order).
        while staged.count > BusGrantCopy.maxOps - 2 {
            let chunk = Array(staged.prefix(BusGrantCopy.maxOps))
            staged.removeFirst(chunk.count)
            guard let outcomes = copy(chunk) else { return }
            guard outcomes.allSatisfy(Self.okay) else {
                metrics.add(.copyErrors)
                rateLimitedLog("publish", "domain \(domain): response slots refused \(outcomes.map(\.status))")
                return
            }
        }
        var ops = staged
        ops.append(.init(write: domain, ref: ref, offset: UInt16(Blkif.rspProdOffset), data: Self.bytes(ring.responseProducer)))
        ops.append(.init(read: domain, ref: ref, offset: UInt16(Blkif.rspEventOffset), length: 4))
        guard let outcomes = copy(ops) else { return }
        guard outcomes.allSatisfy(Self.okay) else {
            metrics.add(.copyErrors)
            rateLimitedLog("publish", "domain \(domain): publishing responses refused \(outcomes.map(\.status))")
            return
        }
        let notify = ring.push(rspEvent: Self.u32(outcomes[outcomes.count - 1].data, 0))
        if notify, let bus, let localPort {
            do {
                try bus.notify(port: localPort)
                metrics.add(.notifications)
            } catch {
                dropBus("notify: \(error)")
            }
        }
    }

    // MARK: helpers

    static func u32(_ b: [UInt8], _ at: Int) -> UInt32 {
        guard b.count >= at + 4 else { return 0 }
        return UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }

    static func bytes(_ v: UInt32) -> [UInt8] {
        [UInt8(truncatingIfNeeded: v), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v >> 16),
         UInt8(truncatingIfNeeded: v >> 24)]
    }

    private func rateLimitedLog(_ key: String, _ message: String) {
        let now = ContinuousClock.now
        if let last = lastLog[key], now - last < .seconds(1) { return }
        lastLog[key] = now
        logger.warning("\(message)")
    }
}

/// Why a blk backend cannot start.
public enum BlkBackendError: Error, Equatable, Sendable, CustomStringConvertible {
    case busSecret(path: String, detail: String)

    public var description: String {
        switch self {
        case let .busSecret(path, detail): return "bus secret \(path): \(detail)"
        }
    }
}
