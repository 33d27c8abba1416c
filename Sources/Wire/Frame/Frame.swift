/// Building and opening whole frames (header + payload).
public enum Frame {
    /// Encodes `message` behind a header into `writer` (which is reset first), filling in the payload length.
    public static func encode<M: WireMessage>(_ message: M, sequence: UInt64, sender: UInt32 = 0,
                                              flags: FrameFlags = [], into writer: inout ByteWriter) {
        writer.reset()
        FrameHeader(kind: M.kind, kindVersion: M.version, flags: flags, sequence: sequence, sender: sender)
            .encode(into: &writer)
        message.encode(into: &writer)
        writer.patch(UInt32(writer.count - FrameHeader.size), at: 12)
    }

    /// Encodes `message` as a new frame.
    public static func encode<M: WireMessage>(_ message: M, sequence: UInt64, sender: UInt32 = 0,
                                              flags: FrameFlags = []) -> [UInt8] {
        var writer = ByteWriter(capacity: FrameHeader.size + M.size)
        encode(message, sequence: sequence, sender: sender, flags: flags, into: &writer)
        return writer.bytes
    }

    /// Checks a received frame's size and header and returns the header and a reader over the payload.
    /// Order of checks: oversized, truncated header, magic, protocol version, flags, payload length.
    public static func open(_ bytes: [UInt8]) throws(WireError) -> (FrameHeader, ByteReader) {
        guard bytes.count <= FrameHeader.maxFrameSize else {
            throw WireError.oversized(length: bytes.count, limit: FrameHeader.maxFrameSize)
        }
        var reader = ByteReader(bytes)
        let header = try FrameHeader(decoding: &reader)
        let declared = Int(header.payloadLength)
        guard declared <= reader.remaining else {
            throw WireError.truncated(needed: FrameHeader.size + declared, available: bytes.count)
        }
        guard declared == reader.remaining else {
            throw WireError.malformed("payload length \(declared) but \(reader.remaining) bytes follow the header")
        }
        return (header, reader)
    }

    /// Opens a frame that must carry `M` (or an `ErrorReply`, which is thrown as `.remote`).
    public static func decode<M: WireMessage>(_: M.Type, from bytes: [UInt8]) throws(WireError) -> (FrameHeader, M) {
        var (header, reader) = try open(bytes)
        if header.kind == .errorReply && M.kind != .errorReply {
            try checkVersion(header, ErrorReply.self)
            let error = try ErrorReply(decoding: &reader)
            try reader.expectEnd()
            throw WireError.remote(code: error.code, text: error.text)
        }
        guard header.kind == M.kind else { throw WireError.unknownKind(header.kind) }
        try checkVersion(header, M.self)
        let message = try M(decoding: &reader)
        try reader.expectEnd()
        return (header, message)
    }

    static func checkVersion<M: WireMessage>(_ header: FrameHeader, _: M.Type) throws(WireError) {
        guard header.kindVersion == M.version else {
            throw WireError.wrongVersion(kind: header.kind, got: header.kindVersion, expected: M.version)
        }
    }
}
