/// A registered watch (XS_WATCH): the path as the client gave it (relative paths are reported back relative),
/// the absolute path it matches, and the client's token, returned in every event.
public struct XenstoreWatch: Hashable, Sendable {
    public var path: String
    public var absolutePath: String
    public var token: [UInt8]

    public init(path: String, absolutePath: String, token: [UInt8]) {
        self.path = path; self.absolutePath = absolutePath; self.token = token
    }

    /// Whether a change fires this watch (Xen's `fire_watches` with `is_child`): the node itself or a
    /// descendant for a named change, exactly the node for one removed under a removed ancestor.
    func fires(on change: XenstoreChange) -> Bool {
        switch change.kind {
        case .implicitParent: return false
        case .removedBelow: return change.path == absolutePath
        case .written, .removed: return Self.isSelfOrDescendant(change.path, of: absolutePath)
        }
    }

    static func isSelfOrDescendant(_ path: String, of ancestor: String) -> Bool {
        if path == ancestor { return true }
        if ancestor == "/" { return path.hasPrefix("/") }
        return path.hasPrefix(ancestor) && path.utf8.count > ancestor.utf8.count
            && path.utf8[path.utf8.index(path.utf8.startIndex, offsetBy: ancestor.utf8.count)] == UInt8(ascii: "/")
    }

    /// The path an event carries: relative to `home` when the watch was set with a relative path.
    func eventPath(for changed: String, home: String) -> String {
        if path.hasPrefix("/") || path.hasPrefix("@") { return changed }
        if changed.hasPrefix(home + "/") { return String(changed.dropFirst(home.count + 1)) }
        return changed
    }
}

/// The special watch paths: fired when a domain is introduced or released, never by a node change.
public enum XenstoreSpecialPath {
    public static let introduceDomain = "@introduceDomain"
    public static let releaseDomain = "@releaseDomain"
}
