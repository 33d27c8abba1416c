/// Flags in a frame header.
public struct FrameFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// This frame answers the request with the same `sequence`.
    public static let reply = FrameFlags(rawValue: 1 << 0)
    /// The payload is an `ErrorReply` (always together with `reply`).
    public static let error = FrameFlags(rawValue: 1 << 1)
    /// Bits this version defines; a frame with any other bit set is malformed.
    public static let known: FrameFlags = [.reply, .error]
}

/// The fixed 32-byte little-endian header in front of every payload (docs/wire-protocol.md, "Header").
///
/// | off | size | field |
/// |----:|----:|---|
/// | 0 | 4 | magic `"XWIR"` |
/// | 4 | 2 | protocol version (of this header) |
/// | 6 | 2 | kind |
/// | 8 | 2 | kind version |
/// | 10 | 2 | flags |
/// | 12 | 4 | payload length |
/// | 16 | 8 | sequence |
/// | 24 | 4 | sender id |
/// | 28 | 4 | reserved, zero |
public struct FrameHeader: Sendable, Equatable {
    public static let size = 32
    /// The bytes "XWIR" read as a little-endian u32: a stray or misaligned stream fails here first.
    public static let magic: UInt32 = 0x5249_5758
    /// Version of this header layout. Bumped only if the header itself changes.
    public static let protocolVersion: UInt16 = 1

    /// Largest frame (header + payload) a receiver accepts. 256 KiB is twice the largest payload of today
    /// (a disk request of `DiskRequest.maxSectors` = 128 KiB plus its fixed part), so every message fits
    /// with room, while one hostile frame cannot make a receiver allocate much. `RequestServer` tells libzmq to
    /// drop the connection of a peer that sends beyond `transportLimit`, and answers frames between the two
    /// with `ErrorReply` code `oversized`.
    public static let maxFrameSize = 256 * 1024
    /// The ZMQ_MAXMSGSIZE of server sockets: four times `maxFrameSize`; above it libzmq disconnects the peer
    /// before allocating the message.
    public static let transportLimit = 4 * maxFrameSize

    public var kind: MessageKind
    public var kindVersion: UInt16
    public var flags: FrameFlags
    public var payloadLength: UInt32
    public var sequence: UInt64
    /// Who sent it (a domain id or a process number given by the topology); informational.
    public var sender: UInt32

    public init(kind: MessageKind, kindVersion: UInt16, flags: FrameFlags = [], payloadLength: UInt32 = 0,
                sequence: UInt64, sender: UInt32 = 0) {
        self.kind = kind
        self.kindVersion = kindVersion
        self.flags = flags
        self.payloadLength = payloadLength
        self.sequence = sequence
        self.sender = sender
    }

    public func encode(into writer: inout ByteWriter) {
        writer.write(Self.magic)
        writer.write(Self.protocolVersion)
        writer.write(kind.rawValue)
        writer.write(kindVersion)
        writer.write(flags.rawValue)
        writer.write(payloadLength)
        writer.write(sequence)
        writer.write(sender)
        writer.write(UInt32(0))
    }

    /// Reads and checks a header: magic, protocol version, known flags, reserved zero.
    /// Does not check the kind or the payload length against the frame (see `Frame.open`).
    public init(decoding reader: inout ByteReader) throws(WireError) {
        guard reader.remaining >= Self.size else {
            throw WireError.truncated(needed: Self.size, available: reader.remaining)
        }
        let magic = try reader.readUInt32()
        guard magic == Self.magic else { throw WireError.badMagic(magic) }
        let version = try reader.readUInt16()
        kind = MessageKind(try reader.readUInt16())
        guard version == Self.protocolVersion else {
            throw WireError.wrongVersion(kind: kind, got: version, expected: Self.protocolVersion)
        }
        kindVersion = try reader.readUInt16()
        flags = FrameFlags(rawValue: try reader.readUInt16())
        payloadLength = try reader.readUInt32()
        sequence = try reader.readUInt64()
        sender = try reader.readUInt32()
        try reader.skipReserved(4)
        guard FrameFlags.known.isSuperset(of: flags) else {
            throw WireError.malformed("unknown flags 0x\(String(flags.rawValue, radix: 16))")
        }
    }
}
