import XenABI

/// The xenstore daemon's core, without I/O: connections send it whole messages (`handle`), it answers into
/// `outbox` (replies and watch events, per connection), and records every committed change in the state
/// directory's journal. The caller (XenstoredProcess, or a test) must `commit()` the journal (fsync) before
/// delivering the outbox: no reply leaves before what it acknowledges is durable.
///
/// Single-threaded: one owner calls everything.
public final class Xenstored {
    public let quota: XenstoreQuota
    public internal(set) var tree: XenstoreTree
    public internal(set) var domains: [UInt32: XenstoreDomain] = [:]
    var connections: [Int: XenstoreConnection] = [:]
    /// The connections of clients that outlive the daemon's idea of them (ZeroMQ routing ids, guests' rings):
    /// reconnecting finds the same connection, with its watches.
    private var persistentConnections: [XenstoreClientIdentity: Int] = [:]
    private var nextConnection = 1
    /// This run's epoch (Persist.swift): the top 12 bits of every transaction id issued in this run.
    public private(set) var epoch: UInt32 = 1
    var nextTransactionCounter: UInt32 = 1
    let stateDirectory: XenstoreStateDirectory?

    /// Messages to deliver: (connection, message). The I/O layer takes them after `commit()`.
    public var outbox: [(connection: Int, message: XsMessage)] = []
    public let metrics = XenstoredMetrics()
    /// Watch events caused by the request being handled: sent after its reply.
    var pendingEvents: [(Int, XsMessage)] = []

    static let transactionCounterBits: UInt32 = 20
    /// Whether this run started from saved state (false: a fresh store, the toolstack's nodes are due).
    public private(set) var restoredFromState = false

    /// Starts a daemon. With a state directory, the saved state is loaded, the epoch advanced and a fresh
    /// snapshot written (so the journal starts empty and the restart is itself durable).
    public init(quota: XenstoreQuota = XenstoreQuota(), stateDirectory: XenstoreStateDirectory? = nil) throws(XenstorePersistError) {
        self.quota = quota
        self.stateDirectory = stateDirectory
        tree = XenstoreTree()
        guard let stateDirectory else { return }
        if let saved = try stateDirectory.load() {
            restoredFromState = true
            tree = XenstoreTree(restoring: saved.nodes, generation: 1)
            domains = saved.domains
            epoch = saved.epoch &+ 1
            for (identity, watches) in saved.watches {
                let id = connect(identity.kind)
                connections[id]?.watches = watches
                // Each restored watch fires once, as a new watch does: its owner may have missed changes while
                // the daemon was down, and re-reads what it watches (delivered when it reconnects).
                for w in watches { queueEvent(to: id, path: w.path, token: w.token) }
            }
            outbox += pendingEvents
            pendingEvents.removeAll()
        }
        if epoch & 0xFFF == 0 { epoch &+= 1 }  // an epoch whose id bits are 0 would make tx id 0 possible
        try stateDirectory.writeSnapshot(currentState())
    }

    /// Everything that persists, as of now.
    public func currentState() -> XenstoreState {
        var s = XenstoreState()
        s.nodes = tree.nodes
        s.domains = domains
        s.epoch = epoch
        for c in connections.values { if let id = c.persistentIdentity, !c.watches.isEmpty { s.watches[id] = c.watches } }
        return s
    }

    /// Writes nodes as Dom0 with their permissions, durably (the toolstack's nodes for a new run). Returns the
    /// first refusal, if any.
    public func seed(_ nodes: [(path: String, value: [UInt8], permissions: XenstorePermissions)]) throws -> [String] {
        var refused: [String] = []
        for n in nodes {
            do throws(XenstoreError) {
                var changes = try tree.write(n.path, value: n.value, caller: .dom0, quota: quota)
                changes += try tree.setPermissions(n.path, n.permissions, caller: .dom0)
                journal(changes.map(\.path))
                fire(changes)
            } catch {
                refused.append("\(n.path): \(error)")
            }
        }
        outbox += pendingEvents
        pendingEvents.removeAll()
        try commit()
        return refused
    }

    // MARK: connections

    /// Registers a client; a ZeroMQ routing id or a guest's ring already known (e.g. restored watches) gets its
    /// connection back.
    @discardableResult
    public func connect(_ kind: XenstoreConnectionKind) -> Int {
        let identity = XenstoreClientIdentity(kind)
        if let identity, let existing = persistentConnections[identity] { return existing }
        let id = nextConnection
        nextConnection += 1
        connections[id] = XenstoreConnection(id: id, kind: kind)
        if let identity { persistentConnections[identity] = id }
        return id
    }

    /// Forgets a client: its watches and transactions end (a ZeroMQ client's or a guest's persisted watches are
    /// dropped, durably).
    public func disconnect(_ id: Int) {
        guard let c = connections.removeValue(forKey: id) else { return }
        if let identity = c.persistentIdentity {
            persistentConnections[identity] = nil
            if !c.watches.isEmpty { stateDirectory?.append(.watchesReset(identity: identity)) }
        }
    }

    /// A ZeroMQ client that holds no watch and no transaction needs no state between requests: forgetting it
    /// keeps a client that cycles routing ids from growing the table.
    public func forgetIfStateless(_ id: Int) {
        guard let c = connections[id], c.watches.isEmpty, c.transactions.isEmpty, case .zmq = c.kind else { return }
        disconnect(id)
    }

    public func connectionKind(_ id: Int) -> XenstoreConnectionKind? { connections[id]?.kind }
    /// The domains that have a ring connection (bound, or restored with its watches and not bound yet).
    public var ringDomains: [UInt32] {
        persistentConnections.keys.compactMap { if case let .ring(d) = $0 { d } else { nil } }
    }
    /// The connection a persistent client has now (restored watches), without creating one.
    public func existingConnection(_ kind: XenstoreConnectionKind) -> Int? {
        XenstoreClientIdentity(kind).flatMap { persistentConnections[$0] }
    }
    public func hasWatches(_ id: Int) -> Bool { !(connections[id]?.watches.isEmpty ?? true) }
    public var connectionCount: Int { connections.count }

    /// Makes queued journal records durable. Call before delivering `outbox`.
    public func commit() throws(XenstorePersistError) {
        guard let stateDirectory else { return }
        try stateDirectory.sync()
        if stateDirectory.journalRecords >= stateDirectory.snapshotAfterRecords {
            try stateDirectory.writeSnapshot(currentState())
            metrics.snapshots.add(1, ordering: .relaxed)
        }
    }

    // MARK: requests

    /// Handles one whole message (16-byte header + payload) from `connection`. The reply, and any watch
    /// events it causes, are appended to `outbox`. Never traps on the bytes.
    public func handle(connection: Int, frame: [UInt8]) {
        metrics.requests.add(1, ordering: .relaxed)
        guard let header = XsHeader(bytes: frame) else {
            metrics.malformed.add(1, ordering: .relaxed)
            reply(connection, XsMessage(type: .error, strings: [XsError.EINVAL.name]))
            return
        }
        guard Int(header.length) <= XsLimits.payloadMax else {
            metrics.malformed.add(1, ordering: .relaxed)
            sendError(connection, header, .tooBig(Int(header.length)))
            return
        }
        guard Int(header.length) == frame.count - XsHeader.size else {
            metrics.malformed.add(1, ordering: .relaxed)
            sendError(connection, header, .malformed("length \(header.length), \(frame.count - XsHeader.size) bytes follow"))
            return
        }
        dispatch(connection: connection, header: header, payload: Array(frame[XsHeader.size...]))
    }

    /// Handles one message whose header was already read (the stream reader has checked its length).
    public func dispatch(connection: Int, header: XsHeader, payload: [UInt8]) {
        guard let c = connections[connection] else { return }
        guard let op = Self.operationByType[header.type.rawValue] else {
            metrics.malformed.add(1, ordering: .relaxed)
            return sendError(connection, header, .unknownType(header.type.rawValue))
        }
        if op.flags.contains(.privileged) && !c.caller.privileged {
            return sendError(connection, header, .privileged(type: op.name, domain: c.caller.domain))
        }
        var request = XenstoreRequest(connection: connection, caller: c.caller, header: header, payload: payload)
        if !op.flags.contains(.noTransaction) && header.transactionID != 0 {
            guard c.transactions[header.transactionID] != nil else {
                let fromEarlierRun = header.transactionID >> Self.transactionCounterBits != epoch & 0xFFF
                return sendError(connection, header, fromEarlierRun
                    ? .transactionAbortedByRestart(header.transactionID) : .unknownTransaction(header.transactionID))
            }
            request.transaction = header.transactionID
        }
        do throws(XenstoreError) {
            pendingEvents.removeAll(keepingCapacity: true)
            let answer = try op.handler(self, &request)
            reply(connection, XsMessage(type: header.type, requestID: header.requestID,
                                        transactionID: header.transactionID, payload: answer))
            for (target, event) in pendingEvents { reply(target, event) }
            pendingEvents.removeAll(keepingCapacity: true)
        } catch {
            pendingEvents.removeAll(keepingCapacity: true)
            sendError(connection, header, error)
        }
    }

    private func sendError(_ connection: Int, _ header: XsHeader, _ error: XenstoreError) {
        metrics.errors.add(1, ordering: .relaxed)
        reply(connection, XsMessage(type: .error, requestID: header.requestID, transactionID: header.transactionID,
                                    strings: [error.code.name]))
    }

    private func reply(_ connection: Int, _ message: XsMessage) {
        outbox.append((connection, message))
    }

    // MARK: paths

    /// Validates a request path and makes it absolute (relative paths are under the caller's home).
    func resolve(_ raw: String, caller: XenstoreCaller, allowSpecial: Bool = false) throws(XenstoreError) -> String {
        guard let path = XenstorePath(validating: raw) else { throw .badPath(raw) }
        if raw.hasPrefix("@") {
            guard allowSpecial else { throw .badPath(raw) }
            return raw
        }
        if path.isAbsolute { return raw }
        guard raw.utf8.count <= XsLimits.relativePathMax else { throw .badPath(raw) }
        let absolute = XenstoreDomain.home(caller.domain) + "/" + raw
        guard absolute.utf8.count <= XsLimits.absolutePathMax else { throw .badPath(raw) }
        return absolute
    }

    // MARK: tree access, inside or outside a transaction

    /// Reads through the request's transaction view when it has one.
    func readNode(_ path: String, _ r: XenstoreRequest) throws(XenstoreError) -> XenstoreNode {
        if let t = r.transaction {
            connections[r.connection]!.transactions[t]!.touch(path)
            return try connections[r.connection]!.transactions[t]!.tree.read(path, caller: r.caller)
        }
        return try tree.read(path, caller: r.caller)
    }

    enum Mutation { case create(String), remove(String), node(String) }

    /// Runs a mutation on the transaction's view (touching first what it may change) or on the live tree
    /// (journalling every changed node and its parent, then firing watches).
    func mutate(_ r: XenstoreRequest, _ what: Mutation,
                _ body: (inout XenstoreTree) throws(XenstoreError) -> [XenstoreChange]) throws(XenstoreError) {
        if let t = r.transaction {
            var tx = connections[r.connection]!.transactions.removeValue(forKey: t)!
            defer { connections[r.connection]!.transactions[t] = tx }
            switch what {
            case let .create(p): tx.touchForCreate(p)
            case let .remove(p): tx.touchForRemove(p)
            case let .node(p): tx.touch(p)
            }
            let changes = try body(&tx.tree)
            tx.changes += changes
            return
        }
        let changes = try body(&tree)
        journal(changes.map(\.path))
        fire(changes)
    }

    /// Journals the current state of each path and of its parent (whose child list may have changed).
    func journal(_ paths: [String]) {
        guard let stateDirectory else { return }
        var done = Set<String>()
        for p in paths {
            for q in [p, XenstoreTree.parent(of: p)].compactMap({ $0 }) where done.insert(q).inserted {
                if let n = tree[q] { stateDirectory.append(.node(q, n)) } else { stateDirectory.append(.removed(q)) }
            }
        }
    }

    // MARK: watches

    /// Queues the watch events of committed changes, each watch at most once per change.
    func fire(_ changes: [XenstoreChange]) {
        guard !changes.isEmpty else { return }
        for (id, c) in connections where !c.watches.isEmpty {
            for change in changes {
                guard c.caller.privileged || change.permissions.access(for: c.caller.domain).contains(.read) else { continue }
                for w in c.watches where w.fires(on: change) {
                    queueEvent(to: id, path: w.eventPath(for: change.path, home: c.home), token: w.token)
                }
            }
        }
    }

    /// Fires a special watch (`@introduceDomain`, `@releaseDomain`) for privileged watchers.
    func fireSpecial(_ path: String) {
        for (id, c) in connections where c.caller.privileged {
            for w in c.watches where w.absolutePath == path { queueEvent(to: id, path: path, token: w.token) }
        }
    }

    func queueEvent(to connection: Int, path: String, token: [UInt8]) {
        metrics.watchEvents.add(1, ordering: .relaxed)
        var payload = Array(path.utf8)
        payload.append(0)
        payload += token
        payload.append(0)
        pendingEvents.append((connection, XsMessage(type: .watchEvent, payload: payload)))
    }
}
