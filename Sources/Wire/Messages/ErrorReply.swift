/// The answer to any request that could not be served (kind 0x0001). Every request kind may get it instead
/// of its normal reply; the frame carries flags `reply|error` and the request's sequence.
///
/// | off | size | field |
/// |----:|----:|---|
/// | 0 | 2 | code |
/// | 2 | 2 | text length (≤ `maxTextLength`) |
/// | 4 | 4 | reserved, zero |
/// | 8 | 8 | sequence answered (0 if the request's header was unreadable) |
/// | 16 | n | text, UTF-8 |
public struct ErrorReply: WireMessage {
    public static let kind = MessageKind.errorReply
    public static let version: UInt16 = 1
    public static let size = 16
    /// A short human-readable reason; long texts belong in the server's log, not on the wire.
    public static let maxTextLength = 256

    /// Why a request was refused. A struct over the raw code: a newer peer's codes stay representable.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible, CaseIterable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        public static let malformed = Code(rawValue: 1)
        public static let truncated = Code(rawValue: 2)
        public static let oversized = Code(rawValue: 3)
        public static let unknownKind = Code(rawValue: 4)
        public static let wrongVersion = Code(rawValue: 5)
        public static let unauthorized = Code(rawValue: 6)
        public static let busy = Code(rawValue: 7)
        public static let `internal` = Code(rawValue: 8)

        public static let allCases: [Code] = [
            .malformed, .truncated, .oversized, .unknownKind, .wrongVersion, .unauthorized, .busy, .internal,
        ]

        public var description: String {
            switch self {
            case .malformed: return "malformed"
            case .truncated: return "truncated"
            case .oversized: return "oversized"
            case .unknownKind: return "unknownKind"
            case .wrongVersion: return "wrongVersion"
            case .unauthorized: return "unauthorized"
            case .busy: return "busy"
            case .internal: return "internal"
            default: return "code(\(rawValue))"
            }
        }

        /// The one mapping from a decoding error to the code a peer is told.
        public init(for error: WireError) {
            switch error {
            case .truncated: self = .truncated
            case .oversized: self = .oversized
            case .unknownKind: self = .unknownKind
            case .wrongVersion: self = .wrongVersion
            case .badMagic, .malformed: self = .malformed
            case let .remote(code, _): self = code
            case .zmq, .timedOut, .peerUnreachable, .contextTerminated: self = .internal
            }
        }
    }

    public var code: Code
    public var answering: UInt64
    public var text: String

    /// `text` is cut to `maxTextLength` bytes of UTF-8 (at a character boundary).
    public init(code: Code, answering: UInt64, text: String) {
        self.code = code
        self.answering = answering
        var cut = text
        while cut.utf8.count > Self.maxTextLength { cut.removeLast() }
        self.text = cut
    }

    public func encode(into writer: inout ByteWriter) {
        let utf8 = Array(text.utf8.prefix(Self.maxTextLength))
        writer.write(code.rawValue)
        writer.write(UInt16(utf8.count))
        writer.write(UInt32(0))
        writer.write(answering)
        writer.write(bytes: utf8)
    }

    public init(decoding reader: inout ByteReader) throws(WireError) {
        code = Code(rawValue: try reader.readUInt16())
        let length = Int(try reader.readUInt16())
        try reader.skipReserved(4)
        answering = try reader.readUInt64()
        guard length <= Self.maxTextLength else { throw WireError.oversized(length: length, limit: Self.maxTextLength) }
        // Invalid UTF-8 becomes U+FFFD: the text is only shown to people, so repairing beats refusing.
        text = String(decoding: try reader.readBytes(length), as: UTF8.self)
    }
}
