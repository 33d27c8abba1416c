/// A xenstore transaction: an isolated view of the tree, committed all at once or not at all.
///
/// How it works (the idea of Xen's `transaction.c`, with generation counts):
/// every node carries the generation of its last change. A transaction starts with a copy of the tree
/// (copy-on-write, so free until it writes). The first time the transaction touches a path, for reading
/// or writing, it records the generation that path had in its starting copy (or "absent"). At commit, each
/// recorded path must still have that generation in the live tree; if any differs, someone else changed
/// what this transaction saw, and the commit fails with EAGAIN (the client retries the whole transaction).
/// Otherwise the paths the transaction changed are copied into the live tree, with new generations.
///
/// Worked example. The tree has `/a` = "1" at generation 7.
///   1. Connection X starts transaction 1; connection Y starts transaction 2.
///   2. T1 reads `/a`: records `/a` → 7. T2 reads `/a`: records `/a` → 7.
///   3. T1 writes `/a` = "2" in its copy; T2 writes `/a` = "3" in its copy. Neither is visible outside.
///   4. T1 commits: live `/a` is still at 7 → commit; live `/a` = "2" at generation 8; watches fire now.
///   5. T2 commits: it recorded `/a` → 7, the live tree has 8 → EAGAIN; nothing of T2 is applied.
///   A transaction that only wrote `/b` (never looked at `/a`) would have committed at step 5: conflicts are
///   per path touched, including the parent whose child list a creation changes.
public struct XenstoreTransaction: Sendable {
    public let id: UInt32
    public let connection: Int
    var tree: XenstoreTree
    /// Generation seen at first touch (nil: the path was absent).
    var seen: [String: UInt64?] = [:]
    /// The changes, in order, to fire watches with at commit.
    var changes: [XenstoreChange] = []

    init(id: UInt32, connection: Int, tree: XenstoreTree) {
        self.id = id; self.connection = connection; self.tree = tree
    }

    /// Records the generation `path` has in this transaction's view, the first time it is touched. Every
    /// path is touched before the transaction changes it, so "changed" is exactly "touched, and its
    /// generation in the view moved" (`changedPaths`).
    mutating func touch(_ path: String) {
        if seen[path] == nil { seen[path] = .some(tree[path]?.generation) }
    }

    /// Touches what a creation of `path` may change: the path, its missing ancestors and the nearest
    /// existing one (whose child list grows).
    mutating func touchForCreate(_ path: String) {
        touch(path)
        var cursor = path
        while let up = XenstoreTree.parent(of: cursor) {
            touch(up)
            if tree[up] != nil { break }
            cursor = up
        }
    }

    /// Touches what a removal of `path` changes: its parent, itself and everything under it.
    mutating func touchForRemove(_ path: String) {
        if let up = XenstoreTree.parent(of: path) { touch(up) }
        var stack = [path]
        while let p = stack.popLast() {
            touch(p)
            for c in tree[p]?.children ?? [] { stack.append(p + "/" + c) }
        }
    }

    /// The paths whose node differs from the transaction's start.
    var changedPaths: [String] {
        seen.compactMap { path, generation in tree[path]?.generation != generation ? path : nil }
    }

    /// Whether the live tree still has every generation this transaction saw.
    func conflicts(with live: XenstoreTree) -> Bool {
        for (path, generation) in seen where live[path]?.generation != generation { return true }
        return false
    }
}
