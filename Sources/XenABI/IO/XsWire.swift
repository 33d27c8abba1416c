/// The xenstore wire protocol (`xen/io/xs_wire.h`): every message is a 16-byte `struct xsd_sockmsg` header
/// followed by `len` payload bytes, on a Unix socket, a ZeroMQ frame or a guest's xenstore ring alike.

/// `enum xsd_sockmsg_type`. A struct over the raw value so a type the daemon does not know (a newer client,
/// a hostile one) stays representable and is answered, never trapped on.
public struct XsMessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let control = XsMessageType(rawValue: 0)          // XS_CONTROL (XS_DEBUG)
    public static let directory = XsMessageType(rawValue: 1)        // XS_DIRECTORY
    public static let read = XsMessageType(rawValue: 2)             // XS_READ
    public static let getPerms = XsMessageType(rawValue: 3)         // XS_GET_PERMS
    public static let watch = XsMessageType(rawValue: 4)            // XS_WATCH
    public static let unwatch = XsMessageType(rawValue: 5)          // XS_UNWATCH
    public static let transactionStart = XsMessageType(rawValue: 6) // XS_TRANSACTION_START
    public static let transactionEnd = XsMessageType(rawValue: 7)   // XS_TRANSACTION_END
    public static let introduce = XsMessageType(rawValue: 8)        // XS_INTRODUCE
    public static let release = XsMessageType(rawValue: 9)          // XS_RELEASE
    public static let getDomainPath = XsMessageType(rawValue: 10)   // XS_GET_DOMAIN_PATH
    public static let write = XsMessageType(rawValue: 11)           // XS_WRITE
    public static let mkdir = XsMessageType(rawValue: 12)           // XS_MKDIR
    public static let rm = XsMessageType(rawValue: 13)              // XS_RM
    public static let setPerms = XsMessageType(rawValue: 14)        // XS_SET_PERMS
    public static let watchEvent = XsMessageType(rawValue: 15)      // XS_WATCH_EVENT
    public static let error = XsMessageType(rawValue: 16)           // XS_ERROR
    public static let isDomainIntroduced = XsMessageType(rawValue: 17) // XS_IS_DOMAIN_INTRODUCED
    public static let resume = XsMessageType(rawValue: 18)          // XS_RESUME
    public static let setTarget = XsMessageType(rawValue: 19)       // XS_SET_TARGET
    // 20 was XS_RESTRICT, removed from the protocol.
    public static let resetWatches = XsMessageType(rawValue: 21)    // XS_RESET_WATCHES
    public static let directoryPart = XsMessageType(rawValue: 22)   // XS_DIRECTORY_PART
    /// XS_TYPE_COUNT: one past the last defined type.
    public static let typeCount: UInt32 = 23
    /// XS_INVALID: guaranteed never to be a valid type.
    public static let invalid = XsMessageType(rawValue: 0xffff)

    /// The C enumerator's name (`XS_READ`), or `XS_<n>` for a value the header does not define.
    public var cName: String { Self.names[rawValue] ?? "XS_\(rawValue)" }
    public var description: String { cName }

    public static let names: [UInt32: String] = [
        0: "XS_CONTROL", 1: "XS_DIRECTORY", 2: "XS_READ", 3: "XS_GET_PERMS", 4: "XS_WATCH", 5: "XS_UNWATCH",
        6: "XS_TRANSACTION_START", 7: "XS_TRANSACTION_END", 8: "XS_INTRODUCE", 9: "XS_RELEASE",
        10: "XS_GET_DOMAIN_PATH", 11: "XS_WRITE", 12: "XS_MKDIR", 13: "XS_RM", 14: "XS_SET_PERMS",
        15: "XS_WATCH_EVENT", 16: "XS_ERROR", 17: "XS_IS_DOMAIN_INTRODUCED", 18: "XS_RESUME", 19: "XS_SET_TARGET",
        21: "XS_RESET_WATCHES", 22: "XS_DIRECTORY_PART", 0xffff: "XS_INVALID",
    ]
}

/// `struct xsd_sockmsg`: type, req_id (echoed in the reply), tx_id (0 outside a transaction), len.
/// Little-endian on the wire: the ring and the socket both carry the host's layout, and every xenarm host and
/// guest is little-endian.
public struct XsHeader: Equatable, Sendable {
    public static let size = 16
    /// Byte offsets of the members, checked against clang in `Tests/XenABITests/XsWireTests.swift`.
    public static let offsets: [(name: String, offset: Int)] = [("type", 0), ("req_id", 4), ("tx_id", 8), ("len", 12)]

    public var type: XsMessageType
    public var requestID: UInt32
    public var transactionID: UInt32
    public var length: UInt32

    public init(type: XsMessageType, requestID: UInt32, transactionID: UInt32, length: UInt32) {
        self.type = type; self.requestID = requestID; self.transactionID = transactionID; self.length = length
    }

    /// Decodes the first 16 bytes of `bytes` (nil when fewer are there). Any values are accepted here:
    /// the length is judged by the reader, the type by the dispatcher.
    public init?<C: Collection>(bytes: C) where C.Element == UInt8, C.Index == Int {
        guard bytes.count >= Self.size else { return nil }
        let b = bytes.startIndex
        func u32(_ at: Int) -> UInt32 {
            UInt32(bytes[b + at]) | UInt32(bytes[b + at + 1]) << 8 | UInt32(bytes[b + at + 2]) << 16
                | UInt32(bytes[b + at + 3]) << 24
        }
        self.init(type: XsMessageType(rawValue: u32(0)), requestID: u32(4), transactionID: u32(8), length: u32(12))
    }

    public func encode(into out: inout [UInt8]) {
        for v in [type.rawValue, requestID, transactionID, length] {
            out.append(UInt8(truncatingIfNeeded: v)); out.append(UInt8(truncatingIfNeeded: v >> 8))
            out.append(UInt8(truncatingIfNeeded: v >> 16)); out.append(UInt8(truncatingIfNeeded: v >> 24))
        }
    }
}

/// One whole message: header plus payload, with the header's length taken from the payload.
public struct XsMessage: Equatable, Sendable {
    public var type: XsMessageType
    public var requestID: UInt32
    public var transactionID: UInt32
    public var payload: [UInt8]

    public init(type: XsMessageType, requestID: UInt32 = 0, transactionID: UInt32 = 0, payload: [UInt8]) {
        self.type = type; self.requestID = requestID; self.transactionID = transactionID; self.payload = payload
    }

    /// A payload of NUL-terminated strings, the shape of most requests (`path\0token\0`).
    public init(type: XsMessageType, requestID: UInt32 = 0, transactionID: UInt32 = 0, strings: [String]) {
        var p: [UInt8] = []
        for s in strings { p += Array(s.utf8); p.append(0) }
        self.init(type: type, requestID: requestID, transactionID: transactionID, payload: p)
    }

    public var header: XsHeader {
        XsHeader(type: type, requestID: requestID, transactionID: transactionID, length: UInt32(payload.count))
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(XsHeader.size + payload.count)
        header.encode(into: &out)
        out += payload
        return out
    }
}

/// Protocol limits from xs_wire.h.
public enum XsLimits {
    /// XENSTORE_PAYLOAD_MAX: the largest payload of one message, either direction.
    public static let payloadMax = 4096
    /// XENSTORE_ABS_PATH_MAX / XENSTORE_REL_PATH_MAX.
    public static let absolutePathMax = 3072
    public static let relativePathMax = 2048
    /// XENSTORE_RING_SIZE: each of the two rings of `struct xenstore_domain_interface`.
    public static let ringSize = 1024
}

/// `struct xenstore_domain_interface`: the guest's xenstore page (two 1 KiB rings and their indices).
public enum XenstoreDomainInterface {
    public static let offsets: [(name: String, offset: Int)] = [
        ("req", 0), ("rsp", 1024), ("req_cons", 2048), ("req_prod", 2052), ("rsp_cons", 2056), ("rsp_prod", 2060),
        ("server_features", 2064), ("connection", 2068), ("error", 2072),
    ]
    public static let size = 2076
}

/// `xsd_errors`: the error strings an XS_ERROR reply carries (its payload is the name and a NUL), in the
/// header's order. The raw values are Linux errno numbers, which is what libxenstore maps the names back to.
public enum XsError: Int32, CaseIterable, Error, Sendable, CustomStringConvertible {
    case EINVAL = 22, EACCES = 13, EEXIST = 17, EISDIR = 21, ENOENT = 2, ENOMEM = 12, ENOSPC = 28, EIO = 5
    case ENOTEMPTY = 39, ENOSYS = 38, EROFS = 30, EBUSY = 16, EAGAIN = 11, EISCONN = 106, E2BIG = 7, EPERM = 1

    /// The string on the wire (`"EACCES"`).
    public var name: String {
        switch self {
        case .EINVAL: "EINVAL"; case .EACCES: "EACCES"; case .EEXIST: "EEXIST"; case .EISDIR: "EISDIR"
        case .ENOENT: "ENOENT"; case .ENOMEM: "ENOMEM"; case .ENOSPC: "ENOSPC"; case .EIO: "EIO"
        case .ENOTEMPTY: "ENOTEMPTY"; case .ENOSYS: "ENOSYS"; case .EROFS: "EROFS"; case .EBUSY: "EBUSY"
        case .EAGAIN: "EAGAIN"; case .EISCONN: "EISCONN"; case .E2BIG: "E2BIG"; case .EPERM: "EPERM"
        }
    }
    public var description: String { name }

    public init?(name: String) {
        guard let e = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = e
    }
}
