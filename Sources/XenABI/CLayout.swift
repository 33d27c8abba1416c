/// Where a mirrored C structure's fields sit, as the C compiler lays it out for armv7a. Each mirror in XenABI
/// declares one, and reads and writes its bytes through the offsets written here, so the one table is both
/// what the code uses and what `Tests/XenABITests` checks: the tests turn every table into `_Static_assert`s
/// and compile them with clang against the real headers.
public struct CLayout: Sendable {
    /// One member: its C designator (`source.u.ref`), offset and width in bytes.
    public struct Field: Sendable {
        public let name: String
        public let offset: Int
        public let width: Int
        public init(_ name: String, _ offset: Int, _ width: Int) {
            self.name = name; self.offset = offset; self.width = width
        }
    }

    /// The C type (`struct gnttab_copy`).
    public let cType: String
    /// `sizeof(cType)`.
    public let size: Int
    public let fields: [Field]

    public init(_ cType: String, size: Int, _ fields: [Field]) {
        self.cType = cType; self.size = size; self.fields = fields
    }

    /// The offset of `name`; a name not in the table is a bug in this module, not input.
    public func offset(_ name: String) -> Int {
        guard let field = fields.first(where: { $0.name == name }) else {
            preconditionFailure("\(cType) has no field \(name) in its layout table")
        }
        return field.offset
    }
}

/// A C constant mirrored in Swift, for the same clang check (`_Static_assert((expression) == value)`).
public struct CConstant: Sendable {
    public let expression: String
    public let value: Int64
    public init(_ expression: String, _ value: Int64) { self.expression = expression; self.value = value }
}

/// A mirror of one C structure: its layout table, and little-endian encode/decode of a byte array.
public protocol XenABIStruct: Sendable, Equatable {
    static var layout: CLayout { get }
    /// Reads the structure from the first `layout.size` bytes; throws `XenABIError.truncated` on short input.
    init(bytes: [UInt8]) throws(XenABIError)
    /// Exactly `layout.size` bytes (padding zero).
    func encoded() -> [UInt8]
}

/// Failures decoding guest-supplied bytes (they come from a guest or another process: never trap).
public enum XenABIError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(type: String, needed: Int, available: Int)
    public var description: String {
        switch self {
        case let .truncated(type, needed, available): return "\(type): needed \(needed) bytes, had \(available)"
        }
    }
}

/// Little-endian field access at the offsets of a `CLayout`. Internal helpers: callers check the length once
/// (`LayoutReader.init`) and then every read is in range.
public struct LayoutReader {
    let bytes: [UInt8]
    let layout: CLayout

    public init(_ bytes: [UInt8], _ layout: CLayout) throws(XenABIError) {
        guard bytes.count >= layout.size else {
            throw XenABIError.truncated(type: layout.cType, needed: layout.size, available: bytes.count)
        }
        self.bytes = bytes; self.layout = layout
    }

    public func u8(_ field: String) -> UInt8 { bytes[layout.offset(field)] }
    public func u16(_ field: String) -> UInt16 { read(field, UInt16.self) }
    public func u32(_ field: String) -> UInt32 { read(field, UInt32.self) }
    public func u64(_ field: String) -> UInt64 { read(field, UInt64.self) }
    public func i16(_ field: String) -> Int16 { Int16(bitPattern: u16(field)) }

    private func read<T: FixedWidthInteger>(_ field: String, _: T.Type) -> T {
        let at = layout.offset(field)
        return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: T.self)) }
    }
}

/// Builds the bytes of a `CLayout`: starts zeroed (padding stays zero), fields written at their offsets.
public struct LayoutWriter {
    public private(set) var bytes: [UInt8]
    let layout: CLayout

    public init(_ layout: CLayout) {
        self.layout = layout
        bytes = [UInt8](repeating: 0, count: layout.size)
    }

    public mutating func set(_ field: String, _ value: UInt8) { bytes[layout.offset(field)] = value }
    public mutating func set(_ field: String, _ value: UInt16) { write(field, value) }
    public mutating func set(_ field: String, _ value: UInt32) { write(field, value) }
    public mutating func set(_ field: String, _ value: UInt64) { write(field, value) }
    public mutating func set(_ field: String, _ value: Int16) { write(field, UInt16(bitPattern: value)) }

    private mutating func write<T: FixedWidthInteger>(_ field: String, _ value: T) {
        let at = layout.offset(field)
        withUnsafeBytes(of: value.littleEndian) { src in
            for i in 0 ..< src.count { bytes[at + i] = src[i] }
        }
    }
}
