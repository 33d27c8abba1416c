/// Node permissions as in Xen's xenstored (`docs/misc/xenstore.txt`, "Permissions").
///
/// A node carries a list of entries written `<letter><domid>`: `n` none, `r` read, `w` write, `b` both.
/// The **first** entry names the owner, and its letter is the access of every domain not listed after it.
/// Example: `b0 n5 r7` on `/local/domain/7/x`: owner Dom0; domain 5 gets nothing, domain 7 may read,
/// anyone else may read and write. The owner always has full access, and Dom0 (privileged) bypasses all.

public struct XenstoreAccess: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let read = XenstoreAccess(rawValue: 1)
    public static let write = XenstoreAccess(rawValue: 2)
    public static let none: XenstoreAccess = []
    public static let both: XenstoreAccess = [.read, .write]

    var letter: Character {
        switch (contains(.read), contains(.write)) {
        case (true, true): "b"
        case (true, false): "r"
        case (false, true): "w"
        case (false, false): "n"
        }
    }
}

/// One entry: a domain and its access.
public struct XenstorePermission: Hashable, Sendable, CustomStringConvertible {
    public var domain: UInt32
    public var access: XenstoreAccess

    public init(domain: UInt32, access: XenstoreAccess) { self.domain = domain; self.access = access }

    /// Parses `r5`, `b0`, ... (nil for anything else: the caller answers EINVAL).
    public init?(parsing text: String) {
        guard let first = text.first, text.count >= 2 else { return nil }
        let access: XenstoreAccess
        switch first {
        case "n": access = .none
        case "r": access = .read
        case "w": access = .write
        case "b": access = .both
        default: return nil
        }
        let digits = text.dropFirst()
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.count <= 10,
              let domain = UInt32(digits) else { return nil }
        self.init(domain: domain, access: access)
    }

    public var description: String { "\(access.letter)\(domain)" }
}

/// A node's permission list: owner first (never empty).
public struct XenstorePermissions: Hashable, Sendable, CustomStringConvertible {
    public private(set) var entries: [XenstorePermission]

    /// Most entries one node may carry: each costs a check on every access; Xen's default quota is 5, a
    /// device backend needs 2 (owner + frontend). 64 leaves room and bounds the work.
    public static let maximumEntries = 64

    public init?(_ entries: [XenstorePermission]) {
        guard !entries.isEmpty, entries.count <= Self.maximumEntries else { return nil }
        self.entries = entries
    }

    /// Owned by `owner`, no access for other domains (what a new node of an unprivileged domain gets when its
    /// parent has none for others, and the root's default).
    public static func owned(by owner: UInt32, others: XenstoreAccess = .none) -> XenstorePermissions {
        XenstorePermissions([XenstorePermission(domain: owner, access: others)])!
    }

    public var owner: UInt32 { entries[0].domain }

    /// The access `domain` has (privileged callers are decided before this is asked).
    public func access(for domain: UInt32) -> XenstoreAccess {
        if domain == owner { return .both }
        for e in entries.dropFirst() where e.domain == domain { return e.access }
        return entries[0].access
    }

    /// A copy whose owner is `domain`, the rest kept: a node created by an unprivileged domain under a parent
    /// it may write becomes its own, as in Xen's `create_node` (so its quota is charged to it).
    func reowned(to domain: UInt32) -> XenstorePermissions {
        var e = entries
        e[0].domain = domain
        return XenstorePermissions(e)!
    }

    public var description: String { entries.map(\.description).joined(separator: " ") }
}
