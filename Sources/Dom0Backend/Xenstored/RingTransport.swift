import Foundation
import Logging
import Wire
import XenABI

/// Where xenstored reaches the guests' xenstore rings: the hypervisor bus (docs/hypervisor-bus.md).
public struct XenstoreBusConfiguration: Sendable {
    public var endpoint: String
    public var secretPath: String
    /// The guests' store port offered to Dom0, as an override; nil (the default): each domain's
    /// `HVM_PARAM_STORE_EVTCHN`, read over the bus (`BusGetParam`) when its ring is bound.
    public var storePort: UInt32?

    public init(endpoint: String, secretPath: String, storePort: UInt32? = nil) {
        self.endpoint = endpoint; self.secretPath = secretPath; self.storePort = storePort
    }
}

/// xenstored's guest transport: each domain the bus policy gives xenstored is a client through its xenstore
/// ring page, as on Xen. xenstored binds the domain's store event channel, reads the page with a grant copy of
/// the reserved xenstore grant (entry 1), hands whole requests to the daemon as that domain's connection
/// (`.ring(domain:)`: unprivileged, relative paths under its home), writes replies and watch events into the
/// response ring with grant copies, and notifies the port.
///
/// The page is the guest's: `XenstoreRing` checks every index and header. Only the fields the daemon owns are
/// written back (response bytes, `rsp_prod`, `req_cons`, `server_features`, `error`), never the whole page, so
/// what the guest wrote meanwhile (`req_prod`, `rsp_cons`, request bytes) is not overwritten.
///
/// The bus is optional at any moment: xenstored starts before the hypervisor, so it connects when it can
/// (retrying every `retryInterval`) and again after a failure. Threading: used by XenstoredProcess's loop only.
final class XenstoreRingTransport {
    /// How often a ring is read without a notification (one sent before we bound the port, or lost).
    static let idleCheck: Duration = .milliseconds(200)
    static let retryInterval: Duration = .milliseconds(500)
    /// The hello's and each request's deadline: the hypervisor answers in well under a millisecond, and the
    /// daemon's other clients wait while a request is outstanding.
    static let busTimeout: Duration = .milliseconds(300)
    static let grantRef: UInt32 = 1  // the reserved xenstore grant (ReservedGrantRef.xenstore)

    final class Guest {
        let domain: UInt16
        var port: UInt32
        let connection: Int
        var ring = XenstoreRing()
        /// The page read this round (between `read` and `answer`), how many request bytes it left in the ring,
        /// and whether reading changed it (a long request taken in pieces moved `req_cons`).
        var page: [UInt8]?
        var peeked = 0
        var readChanged = false
        var readNotify = false
        var replies: [[UInt8]] = []
        var dirty = true
        var failureLogged = false
        var copyRefusalLogged = false
        init(domain: UInt16, port: UInt32, connection: Int) {
            self.domain = domain; self.port = port; self.connection = connection
        }
    }

    let configuration: XenstoreBusConfiguration
    private let daemon: Xenstored
    private let context: ZMQContext
    private let secret: [UInt8]
    private let name: String
    private var logger: Logger
    private var bus: BusClient?
    private var lastAttempt: ContinuousClock.Instant?
    private var lastIdleCheck = ContinuousClock.now
    private var guests: [UInt16: Guest] = [:]
    private var byPort: [UInt32: UInt16] = [:]
    private var byConnection: [Int: UInt16] = [:]
    /// Domains that ended: not bound again.
    private var ended: Set<UInt16> = []
    /// Messages waiting for a domain's ring while it is not bound: after our restart, the events of its restored
    /// watches (queued before the bus is up); after a lost bus, the watch events not yet written into the ring.
    /// Its connection in the daemon, with its watches, lives on meanwhile.
    private var parked: [UInt16: [[UInt8]]] = [:]
    /// Messages held per unbound domain before the oldest are dropped: a domain that never comes back must not
    /// grow the daemon without bound (as for ZeroMQ watchers).
    static let maximumParkedReplies = 4096

    init(_ configuration: XenstoreBusConfiguration, name: String, daemon: Xenstored, context: ZMQContext,
         logger: Logger) throws(XenstoreBusError) {
        self.configuration = configuration
        self.daemon = daemon
        self.context = context
        self.name = name
        self.logger = logger
        do { secret = try BusSecret.load(from: configuration.secretPath) } catch {
            throw .secret(path: configuration.secretPath, detail: "\(error)")
        }
    }

    /// The bus socket, for the daemon's poller (nil while not connected).
    var pollSocket: ZMQSocket? { bus?.pollSocket }

    var connectedDomains: Int { guests.count }

    // MARK: reading requests

    /// Connects if due, takes the bus's pushes, and reads the rings that were notified (or are due for an idle
    /// check), dispatching their requests to the daemon. Replies reach `queue` through the daemon's outbox.
    func receive() {
        let now = ContinuousClock.now
        if bus.map({ $0.domains.contains { guests[$0] == nil && !ended.contains($0) } }) ?? true {
            if lastAttempt.map({ now - $0 >= Self.retryInterval }) ?? true {
                lastAttempt = now
                connect()
            }
        }
        guard let bus else { return }
        do {
            while let push = try bus.nextPush(timeout: .zero) {
                switch push {
                case let .event(port):
                    if let d = byPort[port] { guests[d]?.dirty = true }
                case let .domain(e) where e.event != .created:
                    forget(e.domain, why: "ended (event \(e.event.rawValue))")
                case .domain:
                    break
                }
            }
        } catch {
            return dropBus("waiting for events: \(error)")
        }
        if now - lastIdleCheck >= Self.idleCheck {
            lastIdleCheck = now
            for g in guests.values { g.dirty = true }
        }
        for g in guests.values where g.dirty {
            g.dirty = false
            guard var page = readPage(g) else { continue }
            let step = g.ring.read(&page)
            g.page = page
            g.peeked = step.peekedBytes
            g.readChanged = step.pageChanged
            g.readNotify = step.notify
            noteFailure(g)
            for request in step.requests {
                guard let header = XsHeader(bytes: request) else { continue }  // the ring hands whole messages
                daemon.metrics.requests.add(1, ordering: .relaxed)
                daemon.metrics.ringRequests.add(1, ordering: .relaxed)
                daemon.dispatch(connection: g.connection, header: header, payload: Array(request[XsHeader.size...]))
            }
        }
    }

    /// Whether `connection` is a guest's ring connection.
    func serves(connection: Int) -> Bool { byConnection[connection] != nil }

    /// A reply or watch event for a ring connection (from the daemon's outbox, after commit). A domain not bound
    /// (yet, or again) gets it when it is.
    func queue(connection: Int, message: XsMessage) {
        if let d = byConnection[connection], let g = guests[d] {
            g.replies.append(message.encoded())
            return
        }
        guard case let .ring(domain)? = daemon.connectionKind(connection), let d = UInt16(exactly: domain),
              !ended.contains(d) else { return }
        var p = parked[d] ?? []
        if p.count >= Self.maximumParkedReplies { p.removeFirst() }
        p.append(message.encoded())
        parked[d] = p
    }

    // MARK: writing replies

    /// Consumes what `receive` read, writes the queued replies (as far as the response ring has room) and
    /// notifies each guest whose page changed.
    func flush() {
        guard bus != nil else { return }
        for g in Array(guests.values) where g.page != nil || !g.replies.isEmpty || g.ring.hasPendingOutput {
            var page: [UInt8]
            if let p = g.page {
                page = p
            } else {
                guard let p = readPage(g) else { continue }
                page = p
            }
            let step = g.ring.answer(&page, consumed: g.peeked, replies: g.replies)
            let changed = step.pageChanged || g.readChanged, notify = step.notify || g.readNotify
            g.page = nil; g.peeked = 0; g.replies.removeAll(); g.readChanged = false; g.readNotify = false
            noteFailure(g)
            if changed && !writeBack(g, page) { continue }
            if notify { send(g) }
        }
    }

    // MARK: bus

    private func connect() {
        if bus == nil {
            do {
                bus = try BusClient(context: context, endpoint: configuration.endpoint, name: name, secret: secret,
                                    timeout: Self.busTimeout)
                logger.info("bus: connected to \(configuration.endpoint), serving domains \(bus!.domains)")
                // Watches restored for a domain the hypervisor no longer has: it ended while we were down.
                for d in daemon.ringDomains where !bus!.domains.contains(where: { UInt32($0) == d }) {
                    if let d16 = UInt16(exactly: d) { forget(d16, why: "is not on the bus") } else {
                        daemon.existingConnection(.ring(domain: d)).map(daemon.disconnect)
                    }
                }
            } catch {
                logger.debug("bus not reachable yet: \(error)")
                return
            }
        }
        guard let bus else { return }
        for d in bus.domains where guests[d] == nil && !ended.contains(d) {
            // Where the toolstack put the domain's ring and port (HVM_PARAM_STORE_PFN / _EVTCHN): the frame is
            // what XS_INTRODUCE records; the port is bound.
            let store: (port: UInt32, frame: UInt64)
            do throws(BusClient.Failure) {
                let frame = try bus.hvmParam(domain: d, index: HVMCommand.paramStorePFN)
                let port: UInt64
                if let override = configuration.storePort { port = UInt64(override) } else {
                    port = try bus.hvmParam(domain: d, index: HVMCommand.paramStoreEvtchn)
                }
                guard let port32 = UInt32(exactly: port) else { throw .wire(.malformed("store port \(port)")) }
                store = (port32, frame)
            } catch {
                logger.debug("reading domain \(d)'s store parameters: \(error)")
                if case .wire = error { return dropBus("parameters: \(error)") }
                continue
            }
            let port: UInt32
            do {
                port = try bus.bindInterdomain(domain: d, remotePort: store.port)
            } catch {
                logger.debug("binding domain \(d) store port \(store.port): \(error)")
                if case .wire = error { return dropBus("bind: \(error)") }
                continue
            }
            // The daemon's connection for the domain may exist already, with its watches (restored from the
            // state directory, or kept while the bus was away): `connect` gives it back.
            let g = Guest(domain: d, port: port, connection: daemon.connect(.ring(domain: UInt32(d))))
            g.replies = parked.removeValue(forKey: d) ?? []
            guests[d] = g
            byPort[port] = d
            byConnection[g.connection] = d
            introduce(d, frame: store.frame, port: store.port)
            logger.info("domain \(d): store port \(store.port) bound to Dom0 port \(port)")
            send(g)  // the guest may have written requests (and notified) before we were there
        }
    }

    /// Records the domain as introduced, as the toolstack's XS_INTRODUCE would (fires @introduceDomain).
    private func introduce(_ d: UInt16, frame: UInt64, port: UInt32) {
        guard daemon.domains[UInt32(d)] == nil else { return }
        let toolstack = daemon.connect(.local(domain: 0, privileged: true))
        let payload = Array("\(d)\0\(frame)\0\(port)\0".utf8)
        daemon.dispatch(connection: toolstack, header: XsHeader(type: .introduce, requestID: 0, transactionID: 0,
                                                                 length: UInt32(payload.count)), payload: payload)
        daemon.disconnect(toolstack)
    }

    private func dropBus(_ why: String) {
        logger.warning("bus: \(why); reconnecting")
        bus = nil
        // A new session binds every store port again (the hello closes the old session's ports).
        for d in Array(guests.keys) { forget(d, why: nil) }
    }

    /// Forgets a domain's ring. A domain that ended loses its connection (watches, transactions) and is not bound
    /// again. Otherwise (`why` nil: the bus went away) the ring is only unbound: the guest is still there, so its
    /// connection (watches) is kept for the next session, which binds it again and reads the ring afresh, as a
    /// restarted daemon does. Replies not yet written are dropped: their requests are still in the ring (consumed
    /// only with their answer) and are answered again. Watch events not yet written are parked for it.
    private func forget(_ d: UInt16, why: String?) {
        if let why {
            ended.insert(d)
            logger.info("domain \(d) \(why): its xenstore connection is closed")
        }
        let g = guests.removeValue(forKey: d)
        if let g {
            byPort[g.port] = nil
            byConnection[g.connection] = nil
        }
        guard why != nil else {
            if let g {
                parked[d] = g.replies.filter { XsHeader(bytes: $0)?.type == .watchEvent } + (parked[d] ?? [])
            }
            return
        }
        parked[d] = nil
        if let connection = g?.connection ?? daemon.existingConnection(.ring(domain: UInt32(d))) {
            daemon.disconnect(connection)
            daemon.metrics.connectionsClosed.add(1, ordering: .relaxed)
        }
    }

    private func copy(_ g: Guest, _ ops: [BusGrantCopy.Op]) -> [[UInt8]]? {
        guard let bus else { return nil }
        do {
            let outcomes = try bus.grantCopy(ops)
            guard outcomes.count == ops.count, outcomes.allSatisfy({ $0.status == 0 }) else {
                if outcomes.contains(where: { Int32($0.status) == Int32(GrantStatus.badDomain.rawValue) }) {
                    forget(g.domain, why: "is gone")
                } else {
                    daemon.metrics.ringErrors.add(1, ordering: .relaxed)
                    if !g.copyRefusalLogged {  // retried every idle check: say it once
                        g.copyRefusalLogged = true
                        logger.warning("domain \(g.domain): grant copy of its xenstore page refused: \(outcomes.map(\.status))")
                    }
                }
                return nil
            }
            return outcomes.map(\.data)
        } catch {
            dropBus("grant copy: \(error)")
            return nil
        }
    }

    private func readPage(_ g: Guest) -> [UInt8]? {
        copy(g, [.init(read: g.domain, ref: Self.grantRef, offset: 0, length: UInt16(XenstoreDomainInterface.size))])?.first
    }

    /// Writes the daemon's fields: the response bytes before `rsp_prod`, so the guest never sees an index
    /// ahead of its data (the hypervisor applies a batch's ops in order).
    private func writeBack(_ g: Guest, _ page: [UInt8]) -> Bool {
        typealias F = XenstoreRing.Field
        let rsp = XenstoreRing.size
        var ops: [BusGrantCopy.Op] = [.init(write: g.domain, ref: Self.grantRef, offset: UInt16(rsp),
                                            data: Array(page[rsp ..< 2 * rsp]))]
        for field in [F.reqCons, F.rspProd, F.serverFeatures, F.error] {
            ops.append(.init(write: g.domain, ref: Self.grantRef, offset: UInt16(field), data: Array(page[field ..< field + 4])))
        }
        return copy(g, ops) != nil
    }

    private func send(_ g: Guest) {
        guard let bus else { return }
        do { try bus.notify(port: g.port) } catch {
            if case .wire = error { dropBus("notify: \(error)") }
        }
    }

    private func noteFailure(_ g: Guest) {
        guard g.ring.failed != 0, !g.failureLogged else { return }
        g.failureLogged = true
        daemon.metrics.ringErrors.add(1, ordering: .relaxed)
        logger.warning("domain \(g.domain) broke its xenstore ring (XENSTORE_ERROR \(g.ring.failed)): ring abandoned")
    }
}

/// Why xenstored could not set up its guest transport.
public enum XenstoreBusError: Error, Equatable, Sendable, CustomStringConvertible {
    case secret(path: String, detail: String)
    public var description: String {
        switch self {
        case let .secret(path, detail): return "bus secret \(path): \(detail)"
        }
    }
}
