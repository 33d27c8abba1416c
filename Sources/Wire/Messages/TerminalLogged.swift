/// Acknowledged console output (terminal family, kinds 0x0205/0x0206): what lets the console backend pass every
/// byte to the terminal's log exactly once across a restart of either process (docs/console.md, "Restart").
///
/// `TerminalOutput` is one-way, so a sender cannot tell which of its chunks a killed model had logged. A
/// `TerminalLoggedOutput` is logged like a `TerminalOutput` and then answered with `TerminalLogPosition`: the
/// length of the model's log file after the append. The log file survives a kill -9 of the model (each chunk is
/// one `write(2)`), so its length is the one durable count of logged bytes: a sender that knows the length at a
/// point of its own stream learns, after any restart, how many further bytes reached the log. An empty
/// `TerminalLoggedOutput` is the question alone ("how long is the log now?") and also announces the console side.

extension MessageKind {
    public static let terminalLoggedOutput = MessageKind(0x0205)
    public static let terminalLogPosition = MessageKind(0x0206)
}

/// Console output to be logged and acknowledged (kind 0x0205, version 1). Same layout as `TerminalOutput`.
/// Answered by `TerminalLogPosition`.
public struct TerminalLoggedOutput: TerminalChunkMessage {
    public static let kind = MessageKind.terminalLoggedOutput
    public var domain: UInt32
    public var bytes: [UInt8]

    public init(domain: UInt32, bytes: [UInt8]) {
        self.domain = domain
        self.bytes = bytes
    }
}

/// The log file's length after a `TerminalLoggedOutput` (kind 0x0206, version 1).
///
/// | off | size | field |
/// |----:|----:|---|
/// | 0 | 4 | domain id |
/// | 4 | 4 | reserved, zero |
/// | 8 | 8 | log file length in bytes |
public struct TerminalLogPosition: WireMessage {
    public static let kind = MessageKind.terminalLogPosition
    public static let version: UInt16 = 1
    public static let size = 16
    public var domain: UInt32
    public var length: UInt64

    public init(domain: UInt32, length: UInt64) {
        self.domain = domain
        self.length = length
    }

    public func encode(into writer: inout ByteWriter) {
        writer.write(domain)
        writer.write(UInt32(0))
        writer.write(length)
    }

    public init(decoding reader: inout ByteReader) throws(WireError) {
        domain = try reader.readUInt32()
        try reader.skipReserved(4)
        length = try reader.readUInt64()
    }
}
