/// The terminal family (0x02xx): the console backend and a terminal model process. Console output of a
/// domain goes to the model (which logs it and shows it to attached users); what an attached user types goes
/// back towards the guest. Attach/detach tell the model a user joined or left a domain's console.
///
/// Bytes are raw console bytes (not necessarily UTF-8: a guest may print anything).

/// At most 4 KiB of console bytes per message. Xen's console ring (io/console.h) holds 2 KiB of output and 1 KiB
/// of input, so one ring's worth always fits in one message; a larger chunk is split by the sender.
public let terminalMaxChunk = 4096

/// Console output of a domain (kind 0x0201, version 1). One-way: no reply.
///
/// | off | size | field |
/// |----:|----:|---|
/// | 0 | 4 | domain id |
/// | 4 | 4 | byte count (≤ 4096) |
/// | 8 | n | bytes |
public struct TerminalOutput: TerminalChunkMessage {
    public static let kind = MessageKind.terminalOutput
    public var domain: UInt32
    public var bytes: [UInt8]

    public init(domain: UInt32, bytes: [UInt8]) {
        self.domain = domain
        self.bytes = bytes
    }
}

/// Bytes typed by an attached user, for the guest's console input (kind 0x0202, version 1). One-way.
/// Same layout as `TerminalOutput`.
public struct TerminalInput: TerminalChunkMessage {
    public static let kind = MessageKind.terminalInput
    public var domain: UInt32
    public var bytes: [UInt8]

    public init(domain: UInt32, bytes: [UInt8]) {
        self.domain = domain
        self.bytes = bytes
    }
}

/// A user attaches to a domain's console (kind 0x0203, version 1).
///
/// | off | size | field |
/// |----:|----:|---|
/// | 0 | 4 | domain id |
/// | 4 | 4 | flags: bit 0 = read-only (the user sees output, input is refused); other bits zero |
public struct TerminalAttach: WireMessage {
    public static let kind = MessageKind.terminalAttach
    public static let version: UInt16 = 1
    public static let size = 8
    public var domain: UInt32
    public var readOnly: Bool

    public init(domain: UInt32, readOnly: Bool = false) {
        self.domain = domain
        self.readOnly = readOnly
    }

    public func encode(into writer: inout ByteWriter) {
        writer.write(domain)
        writer.write(UInt32(readOnly ? 1 : 0))
    }

    public init(decoding reader: inout ByteReader) throws(WireError) {
        domain = try reader.readUInt32()
        let flags = try reader.readUInt32()
        guard flags & ~1 == 0 else { throw WireError.malformed("unknown attach flags 0x\(String(flags, radix: 16))") }
        readOnly = flags & 1 != 0
    }
}

/// A user detaches from a domain's console (kind 0x0204, version 1).
///
/// | off | size | field |
/// |----:|----:|---|
/// | 0 | 4 | domain id |
/// | 4 | 4 | reserved, zero |
public struct TerminalDetach: WireMessage {
    public static let kind = MessageKind.terminalDetach
    public static let version: UInt16 = 1
    public static let size = 8
    public var domain: UInt32

    public init(domain: UInt32) { self.domain = domain }

    public func encode(into writer: inout ByteWriter) {
        writer.write(domain)
        writer.write(UInt32(0))
    }

    public init(decoding reader: inout ByteReader) throws(WireError) {
        domain = try reader.readUInt32()
        try reader.skipReserved(4)
    }
}

/// A message whose payload is a console chunk: output, input, and acknowledged output share one layout
/// (domain id u32, byte count u32 ≤ `terminalMaxChunk`, bytes), declared once here.
public protocol TerminalChunkMessage: WireMessage {
    var domain: UInt32 { get }
    var bytes: [UInt8] { get }
    init(domain: UInt32, bytes: [UInt8])
}

extension TerminalChunkMessage {
    public static var version: UInt16 { 1 }
    public static var size: Int { 8 }

    public func encode(into writer: inout ByteWriter) {
        writer.write(domain)
        writer.write(UInt32(bytes.count))
        writer.write(bytes: bytes)
    }

    public init(decoding reader: inout ByteReader) throws(WireError) {
        let domain = try reader.readUInt32()
        let count = Int(try reader.readUInt32())
        guard count <= terminalMaxChunk else { throw WireError.oversized(length: count, limit: terminalMaxChunk) }
        self.init(domain: domain, bytes: try reader.readBytes(count))
    }
}
