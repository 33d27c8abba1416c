/// The kind code in a frame header: which message the payload is. A struct over the raw u16 so a kind this
/// build does not know stays representable (and is answered with `ErrorReply` code `unknownKind`).
///
/// Codes are grouped by family, high byte = family (docs/wire-protocol.md keeps the table):
/// 0x00xx common, 0x01xx disk, 0x02xx terminal. New families take the next free high byte.
public struct MessageKind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let errorReply = MessageKind(0x0001)

    public static let diskRequest = MessageKind(0x0101)
    public static let diskResponse = MessageKind(0x0102)

    public static let terminalOutput = MessageKind(0x0201)
    public static let terminalInput = MessageKind(0x0202)
    public static let terminalAttach = MessageKind(0x0203)
    public static let terminalDetach = MessageKind(0x0204)

    public var description: String { "0x" + String(rawValue, radix: 16) }
}
