/// A validated xenstore path (`docs/misc/xenstore.txt`): absolute (`/local/domain/1/name`) or relative to the
/// connection's domain home, or a special watch path (`@introduceDomain`, `@releaseDomain`). Built only by
/// `init?(validating:)`, so every path past that point is well formed.
public struct XenstorePath: Hashable, Sendable, CustomStringConvertible {
    public let string: String

    /// Longest absolute path xenstored accepts (XENSTORE_ABS_PATH_MAX in xs_wire.h).
    public static let maximumAbsoluteLength = 3072

    /// Characters allowed in a path component, as in Xen's xenstored.
    private static func isAllowed(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
            || c == 0x2D || c == 0x2F || c == 0x5F || c == 0x40
    }

    public init?(validating s: String) {
        let bytes = Array(s.utf8)
        guard !bytes.isEmpty, bytes.count <= Self.maximumAbsoluteLength else { return nil }
        if bytes[0] == 0x40 { // '@' special watch paths
            guard s == "@introduceDomain" || s == "@releaseDomain" else { return nil }
            self.string = s
            return
        }
        guard bytes.allSatisfy(Self.isAllowed) else { return nil }
        // No empty components ("//"), no trailing slash except the root itself.
        if bytes.count > 1 && bytes.last == 0x2F { return nil }
        for i in 1..<bytes.count where bytes[i] == 0x2F && bytes[i - 1] == 0x2F { return nil }
        self.string = s
    }

    public var isAbsolute: Bool { string.hasPrefix("/") }
    public var description: String { string }
}
