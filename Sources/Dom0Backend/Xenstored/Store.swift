/// One xenstore node: its value, permissions, the names of its children in creation order, and the
/// generation of its last change (what transactions compare at commit, see Transaction.swift).
public struct XenstoreNode: Equatable, Sendable {
    public var value: [UInt8]
    public var permissions: XenstorePermissions
    public var children: [String]
    public var generation: UInt64

    public init(value: [UInt8], permissions: XenstorePermissions, children: [String] = [], generation: UInt64 = 0) {
        self.value = value; self.permissions = permissions; self.children = children; self.generation = generation
    }
}

/// What a change did to one path, for watches and the journal.
public struct XenstoreChange: Equatable, Sendable {
    /// Which watches a change fires (Xen's `fire_watches`): the named node fires watches on itself and its
    /// ancestors; a node removed because an ancestor was fires only watches set exactly on it; a parent created
    /// on the way to a written node fires nothing of its own (the written node's event covers it).
    public enum Kind: Equatable, Sendable { case written, removed, removedBelow, implicitParent }
    public var path: String
    public var kind: Kind
    /// The node's permissions at the change (the old ones for a removal): who may see the watch event.
    public var permissions: XenstorePermissions
}

/// Who is asking: a domain, and whether it is privileged (Dom0's tools).
public struct XenstoreCaller: Sendable, Equatable {
    public var domain: UInt32
    public var privileged: Bool
    public init(domain: UInt32, privileged: Bool) { self.domain = domain; self.privileged = privileged }
    public static let dom0 = XenstoreCaller(domain: 0, privileged: true)
}

/// The tree: absolute path → node. A value type, so a transaction's view is a copy that shares storage
/// until it writes (Swift's copy-on-write dictionary). Every mutation goes through `put`, which keeps the
/// per-domain node counts that the quota needs.
public struct XenstoreTree: Sendable {
    public private(set) var nodes: [String: XenstoreNode]
    /// Nodes owned per domain (quota).
    public private(set) var owned: [UInt32: Int] = [:]
    /// The last generation handed out. Only grows.
    public private(set) var generation: UInt64 = 0

    /// A tree with the root and `/local/domain` owned by Dom0, readable by nobody else (Xen's initial tree
    /// also has `/tool`; the toolstack creates the rest).
    public init() {
        nodes = [:]
        let perms = XenstorePermissions.owned(by: 0)
        put("/", XenstoreNode(value: [], permissions: perms))
        for p in ["/local", "/local/domain", "/tool"] {
            _ = try? create(p, value: [], caller: .dom0, quota: XenstoreQuota())
        }
    }

    /// Rebuilds a tree from saved nodes (Persist.swift): counts and generation recomputed.
    init(restoring saved: [String: XenstoreNode], generation: UInt64) {
        nodes = saved
        self.generation = generation
        for (_, n) in saved { owned[n.permissions.owner, default: 0] += 1 }
        if nodes["/"] == nil { put("/", XenstoreNode(value: [], permissions: .owned(by: 0))) }
    }

    public subscript(path: String) -> XenstoreNode? { nodes[path] }

    static func parent(of path: String) -> String? {
        guard path != "/" else { return nil }
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func lastComponent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// The single mutation primitive: sets or removes one node, keeping counts and generations. Children
    /// lists are the caller's business.
    mutating func put(_ path: String, _ node: XenstoreNode?) {
        if let old = nodes[path] {
            owned[old.permissions.owner, default: 1] -= 1
            if owned[old.permissions.owner] == 0 { owned[old.permissions.owner] = nil }
        }
        if var node {
            generation += 1
            node.generation = generation
            nodes[path] = node
            owned[node.permissions.owner, default: 0] += 1
        } else {
            nodes[path] = nil
        }
    }

    /// Sets a node exactly as given (commit of a transaction, journal replay); the generation is new.
    mutating func install(_ path: String, _ node: XenstoreNode?) { put(path, node) }

    // MARK: checked operations (the semantics of docs/misc/xenstore.txt)

    func check(_ path: String, _ need: XenstoreAccess, _ caller: XenstoreCaller) throws(XenstoreError) -> XenstoreNode {
        guard let node = nodes[path] else { throw .noEntry(path) }
        if !caller.privileged && !node.permissions.access(for: caller.domain).isSuperset(of: need) {
            throw .accessDenied(path: path, domain: caller.domain)
        }
        return node
    }

    public func read(_ path: String, caller: XenstoreCaller) throws(XenstoreError) -> XenstoreNode {
        try check(path, .read, caller)
    }

    /// Writes a value, creating the node and any missing parents (each new node inherits its parent's
    /// permissions, owned by an unprivileged creator). Returns the changed paths, outermost new node first.
    @discardableResult
    public mutating func write(_ path: String, value: [UInt8], caller: XenstoreCaller,
                               quota: XenstoreQuota) throws(XenstoreError) -> [XenstoreChange] {
        if !caller.privileged && value.count > quota.nodeSize {
            throw .quota("value of \(value.count) bytes for \(path) is over \(quota.nodeSize)")
        }
        if var node = nodes[path] {
            node = try check(path, .write, caller)
            node.value = value
            put(path, node)
            return [XenstoreChange(path: path, kind: .written, permissions: node.permissions)]
        }
        return try create(path, value: value, caller: caller, quota: quota)
    }

    /// Creates `path` (absent) and its missing ancestors.
    @discardableResult
    mutating func create(_ path: String, value: [UInt8], caller: XenstoreCaller,
                         quota: XenstoreQuota) throws(XenstoreError) -> [XenstoreChange] {
        // Walk up to the nearest existing ancestor; it must be writable by the caller.
        var missing = [path]
        var cursor = path
        while let up = Self.parent(of: cursor), nodes[up] == nil { missing.append(up); cursor = up }
        guard let anchorPath = Self.parent(of: cursor) else { throw .badPath(path) }
        let anchor = try check(anchorPath, .write, caller)
        if !caller.privileged && owned[caller.domain, default: 0] + missing.count > quota.nodesPerDomain {
            throw .quota("domain \(caller.domain) would own more than \(quota.nodesPerDomain) nodes")
        }
        var perms = anchor.permissions
        if !caller.privileged { perms = perms.reowned(to: caller.domain) }
        var changes: [XenstoreChange] = []
        var parentPath = anchorPath
        for p in missing.reversed() {
            var parent = nodes[parentPath]!
            parent.children.append(Self.lastComponent(of: p))
            put(parentPath, parent)
            put(p, XenstoreNode(value: p == path ? value : [], permissions: perms))
            changes.append(XenstoreChange(path: p, kind: p == path ? .written : .implicitParent, permissions: perms))
            parentPath = p
        }
        return changes
    }

    /// MKDIR: creates the node empty if absent; an existing node is left alone (not an error, as in Xen).
    @discardableResult
    public mutating func mkdir(_ path: String, caller: XenstoreCaller,
                               quota: XenstoreQuota) throws(XenstoreError) -> [XenstoreChange] {
        if nodes[path] != nil {
            _ = try check(path, .write, caller)
            return []
        }
        return try create(path, value: [], caller: caller, quota: quota)
    }

    /// RM: removes the node and everything under it. Removing an absent node whose parent exists is OK
    /// (Xen's `do_rm`); the root cannot be removed. Returns the removed paths, the named node first.
    @discardableResult
    public mutating func remove(_ path: String, caller: XenstoreCaller) throws(XenstoreError) -> [XenstoreChange] {
        guard let parentPath = Self.parent(of: path) else { throw .badPath(path) }
        guard nodes[path] != nil else {
            if nodes[parentPath] != nil { return [] }
            throw .noEntry(path)
        }
        _ = try check(path, .write, caller)
        var changes: [XenstoreChange] = []
        var stack = [path]
        while let p = stack.popLast() {
            guard let n = nodes[p] else { continue }
            changes.append(XenstoreChange(path: p, kind: p == path ? .removed : .removedBelow,
                                          permissions: n.permissions))
            for c in n.children { stack.append(p == "/" ? "/" + c : p + "/" + c) }
            put(p, nil)
        }
        if var parent = nodes[parentPath] {
            let name = Self.lastComponent(of: path)
            parent.children.removeAll { $0 == name }
            put(parentPath, parent)
        }
        return changes
    }

    /// SET_PERMS: needs write access, and an unprivileged caller must own the node and keep itself owner.
    @discardableResult
    public mutating func setPermissions(_ path: String, _ perms: XenstorePermissions,
                                        caller: XenstoreCaller) throws(XenstoreError) -> [XenstoreChange] {
        var node = try check(path, .write, caller)
        if !caller.privileged {
            guard node.permissions.owner == caller.domain else {
                throw .accessDenied(path: path, domain: caller.domain)
            }
            guard perms.owner == caller.domain else {
                throw .notPermitted("domain \(caller.domain) may not give \(path) to domain \(perms.owner)")
            }
        }
        node.permissions = perms
        put(path, node)
        return [XenstoreChange(path: path, kind: .written, permissions: perms)]
    }
}
