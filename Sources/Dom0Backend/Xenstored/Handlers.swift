import XenABI

/// One handler per request type (the `do_*` functions of Xen's xenstored), reached through the table in
/// Dispatch.swift. Each parses its payload, acts through `readNode`/`mutate`, and returns the reply payload.
extension Xenstored {
    func doRead(_ r: inout XenstoreRequest) throws(XenstoreError) -> [UInt8] {
        let path = try resolve(r.strings(count: 1)[0], caller: r.caller)
        return try readNode(path, r).value
    }

    func doDirectory(_ r: inout XenstoreRequest) throws(XenstoreError) -> [UInt8] {
        let path = try resolve(r.strings(count: 1)[0], caller: r.caller)
        let node = try readNode(path, r)
        var out: [UInt8] = []
        for c in node.children { out += Array(c.utf8); out.append(0) }
        // The client asks again with XS_DIRECTORY_PART when the list does not fit one message.
        guard out.count <= XsLimits.payloadMax else { throw .tooBig(out.count) }
        return out
    }

    /// XS_DIRECTORY_PART: `path\0offset\0` → `generation\0` then whole child names from byte `offset` of the
    /// full list, and one more NUL when the list is finished (the client checks the generation is unchanged
    /// between parts).
    func doDirectoryPart(_ r: inout XenstoreRequest) throws(XenstoreError) -> [UInt8] {
        let args = try r.strings(count: 2)
        let path = try resolve(args[0], caller: r.caller)
        guard let offset = Int(args[1]), offset >= 0 else { throw .malformed("bad offset \(args[1].debugDescription)") }
        let node = try readNode(path, r)
        var all: [UInt8] = []
        for c in node.children { all += Array(c.utf8); all.append(0) }
        guard offset <= all.count else { throw .malformed("offset \(offset) past \(all.count)") }
        var out = Array(String(node.generation).utf8) + [0]
        var at = offset
        while at < all.count {
            var end = at
            while all[end] != 0 { end += 1 }
            // Keep one byte for the closing NUL.
            if out.count + (end + 1 - at) > XsLimits.payloadMax - 1 { break }
            out += all[at...end]
            at = end + 1
        }
        if at == all.count { out.append(0) }
        return out
    }

    func doGetPerms(_ r: inout XenstoreRequest) throws(XenstoreError) -> [UInt8] {
        let path = try resolve(r.strings(count: 1)[0], caller: r.caller)
        let node = try readNode(path, r)
        var out: [UInt8] = []
        for p in node.permissions.entries { out += Array(p.description.utf8); out.append(0) }
        return out
    }

    /// XS_WRITE: `path\0value` (the value is the rest of the payload, not terminated).
    func doWrite(_ r: inout XenstoreRequest) throws(XenstoreError) -> [UInt8] {
        guard let nul = r.payload.firstIndex(of: 0) else { throw .malformed("XS_WRITE without a NUL after the path") }
        let path = try resolve(String(decoding: r.payload[..<nul], as: UTF8.self), caller: r.caller)
        let value = Array(r.payload[(nul + 1)...])
        let quota = self.quota, caller = r.caller
        try mutate(r, .create(path)) { (t: inout XenstoreTree) throws(XenstoreError) in
            try t.write(path, value: value, caller: caller, quota: quota)
        }
        return Self.ok
    }

    func doMkdir(_ r: inout XenstoreRequest) throws(XenstoreError) -> [UInt8] {
        let path = try resolve(r.strings(count: 1)[0], caller: r.caller)
        let quota = self.quota, caller = r.caller
        try mutate(r, .create(path)) { (t: inout XenstoreTree) throws(XenstoreError) in
            try t.mkdir(path, caller: caller, quota: quota)
        }
        return Self.ok
    }

    func doRm(_ r: inout XenstoreRequest) throws(XenstoreError) -> [UInt8] {
        let path = try resolve(r.strings(count: 1)[0], caller: r.caller)
        let caller = r.caller
        try mutate(r, .remove(path)) { (t: inout XenstoreTree) throws(XenstoreError) in
            try t.remove(path, caller: caller)
        }
        return Self.ok
    }

    /// XS_SET_PERMS: `path\0perm\0perm\0...`.
    func doSetPerms(_ r: inout XenstoreRequest) throws(XenstoreError) -> [UInt8] {
        let args = try r.strings()
        guard args.count >= 2 else { throw .malformed("XS_SET_PERMS needs a path and at least one permission") }
        let path = try resolve(args[0], caller: r.caller)
        var entries: [XenstorePermission] = []
        for a in args.dropFirst() {
            guard let p = XenstorePermission(parsing: a) else { throw .malformed("bad permission \(a.debugDescription)") }
            entries.append(p)
        }
        guard let perms = XenstorePermissions(entries) else { throw .quota("more than \(XenstorePermissions.maximumEntries) permissions") }
        let caller = r.caller
        try mutate(r, .node(path)) { (t: inout XenstoreTree) throws(XenstoreError) in
            try t.setPermissions(path, perms, caller: caller)
        }
        return Self.ok
    }

    /// XS_WATCH: `path\0token\0`. The watch fires once at once (as Xen's does: clients rely on it to learn the
    /// watch is live, and a restarted daemon's watchers see the current state).
    func doWatch(_ r: inout XenstoreRequest) throws(XenstoreError) -> [UInt8] {
        let raw = try r.rawStrings()
        guard raw.count == 2 else { throw .malformed("XS_WATCH needs path and token") }
        let given = String(decoding: raw[0], as: UTF8.self)
        let absolute = try resolve(given, caller: r.caller, allowSpecial: true)
        var c = connections[r.connection]!
        let watch = XenstoreWatch(path: given, absolutePath: absolute, token: raw[1])
        guard !c.watches.contains(watch) else { throw .exists("watch \(given)") }
        if !r.caller.privileged {
            let held = connections.values.filter { $0.caller.domain == r.caller.domain }.reduce(0) { $0 + $1.watches.count }
            guard held < quota.watchesPerDomain else {
                throw .quota("domain \(r.caller.domain) holds \(held) watches")
            }
        }
        c.watches.append(watch)
        connections[r.connection] = c
        if let identity = c.persistentIdentity { stateDirectory?.append(.watchAdded(identity: identity, watch)) }
        queueEvent(to: r.connection, path: given, token: raw[1])
        return Self.ok
    }

    func doUnwatch(_ r: inout XenstoreRequest) throws(XenstoreError) -> [UInt8] {
        let raw = try r.rawStrings()
        guard raw.count == 2 else { throw .malformed("XS_UNWATCH needs path and token") }
        let given = String(decoding: raw[0], as: UTF8.self)
        let absolute = try resolve(given, caller: r.caller, allowSpecial: true)
        guard let i = connections[r.connection]!.watches.firstIndex(where: {
            $0.absolutePath == absolute && $0.token == raw[1]
        }) else { throw .noEntry("watch \(given)") }
        let w = connections[r.connection]!.watches.remove(at: i)
        if let identity = connections[r.connection]!.persistentIdentity {
            stateDirectory?.append(.watchRemoved(identity: identity, w))
        }
        return Self.ok
    }

    /// XS_RESET_WATCHES: drops the connection's watches and open transactions (a client starting afresh).
    func doResetWatches(_ r: inout XenstoreRequest) throws(XenstoreError) -> [UInt8] {
        let hadWatches = !connections[r.connection]!.watches.isEmpty
        connections[r.connection]!.watches.removeAll()
        connections[r.connection]!.transactions.removeAll()
        if hadWatches, let identity = connections[r.connection]!.persistentIdentity {
            stateDirectory?.append(.watchesReset(identity: identity))
        }
        return Self.ok
    }

    func doTransactionStart(_ r: inout XenstoreRequest) throws(XenstoreError) -> [UInt8] {
        let open = connections[r.connection]!.transactions.count
        // Dom0 is not under the quota, but each open transaction holds a view of the tree: 1024 bounds it.
        let limit = r.caller.privileged ? 1024 : quota.transactionsPerConnection
        guard open < limit else { throw .quota("connection \(r.connection) has \(open) open transactions") }
        var id: UInt32
        repeat {
            id = (epoch & 0xFFF) << Self.transactionCounterBits | nextTransactionCounter
            nextTransactionCounter = nextTransactionCounter % ((1 << Self.transactionCounterBits) - 1) + 1
        } while connections.values.contains { $0.transactions[id] != nil }
        connections[r.connection]!.transactions[id] = XenstoreTransaction(id: id, connection: r.connection, tree: tree)
        return Array(String(id).utf8) + [0]
    }

    /// XS_TRANSACTION_END: `T\0` commits, `F\0` aborts. A commit whose reads or writes met a change committed
    /// since the transaction started fails with EAGAIN (Transaction.swift), and nothing of it is applied.
    func doTransactionEnd(_ r: inout XenstoreRequest) throws(XenstoreError) -> [UInt8] {
        guard let t = r.transaction else { throw .unknownTransaction(0) }
        let arg = try r.strings(count: 1)[0]
        guard arg == "T" || arg == "F" else { throw .malformed("XS_TRANSACTION_END takes T or F, not \(arg.debugDescription)") }
        let tx = connections[r.connection]!.transactions.removeValue(forKey: t)!
        r.transaction = nil
        guard arg == "T" else { return Self.ok }
        if tx.conflicts(with: tree) {
            metrics.conflicts.add(1, ordering: .relaxed)
            throw .conflict(transaction: t)
        }
        let changed = tx.changedPaths.sorted()
        // Parents before children, removals after: install in path order keeps every installed child's
        // parent present (a removed parent's children are removed too, so their order does not matter).
        for p in changed { tree.install(p, tx.tree[p]) }
        metrics.commits.add(1, ordering: .relaxed)
        journal(changed)
        fire(tx.changes)
        return Self.ok
    }

    /// XS_INTRODUCE: `domid\0frame\0port\0`. Fires `@introduceDomain`.
    func doIntroduce(_ r: inout XenstoreRequest) throws(XenstoreError) -> [UInt8] {
        let args = try r.strings(count: 3)
        let domain = try r.domainArgument(args[0])
        guard let frame = UInt64(args[1]), let port = UInt32(args[2]) else {
            throw .malformed("bad frame or port in XS_INTRODUCE")
        }
        let d = XenstoreDomain(domain: domain, frame: frame, port: port)
        if domains[domain] == d { return Self.ok }
        domains[domain] = d
        stateDirectory?.append(.introduced(d))
        fireSpecial(XenstoreSpecialPath.introduceDomain)
        return Self.ok
    }

    /// XS_RELEASE: `domid\0`. The domain's ring connections go; fires `@releaseDomain`. Its nodes stay (the
    /// toolstack removes them, as on Xen).
    func doRelease(_ r: inout XenstoreRequest) throws(XenstoreError) -> [UInt8] {
        let domain = try r.domainArgument(r.strings(count: 1)[0])
        guard domains.removeValue(forKey: domain) != nil else { throw .noEntry("domain \(domain)") }
        stateDirectory?.append(.released(domain))
        for (id, c) in connections where c.kind == .ring(domain: domain) { disconnect(id) }
        fireSpecial(XenstoreSpecialPath.releaseDomain)
        return Self.ok
    }

    func doGetDomainPath(_ r: inout XenstoreRequest) throws(XenstoreError) -> [UInt8] {
        let domain = try r.domainArgument(r.strings(count: 1)[0])
        return Array(XenstoreDomain.home(domain).utf8) + [0]
    }

    func doIsDomainIntroduced(_ r: inout XenstoreRequest) throws(XenstoreError) -> [UInt8] {
        let domain = try r.domainArgument(r.strings(count: 1)[0])
        return Array((domain == 0 || domains[domain] != nil ? "T" : "F").utf8) + [0]
    }
}
