/// A message that travels as the payload of one frame. Each kind is declared once, in
/// `Sources/Wire/Messages/<Family>.swift`, with its layout in docs/wire-protocol.md.
public protocol WireMessage: Sendable, Equatable {
    /// The header's kind code for this message.
    static var kind: MessageKind { get }
    /// The layout version. A receiver answers any other version with `ErrorReply` code `wrongVersion`.
    static var version: UInt16 { get }
    /// Bytes of the fixed part (before any variable-length data).
    static var size: Int { get }
    /// Appends the payload.
    func encode(into writer: inout ByteWriter)
    /// Reads the payload; throws on anything malformed, never traps. Leaves the reader after the message.
    init(decoding reader: inout ByteReader) throws(WireError)
}

extension WireMessage {
    /// Decodes a whole payload: the message must fill it exactly.
    public init(decodingPayload bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes)
        try self.init(decoding: &reader)
        try reader.expectEnd()
    }

    /// The payload alone (no header).
    public func encodedPayload() -> [UInt8] {
        var writer = ByteWriter(capacity: Self.size)
        encode(into: &writer)
        return writer.bytes
    }
}
