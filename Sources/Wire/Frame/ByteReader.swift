/// Reads little-endian fields from bytes that came from another process. Every read is bounds-checked and
/// throws `WireError.truncated` instead of trapping. It holds the array (a reference, no copy) and an offset.
public struct ByteReader {
    public let bytes: [UInt8]
    public private(set) var offset: Int
    /// One past the last byte this reader may read (a reader can be limited to a sub-range).
    public let end: Int

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.end = bytes.count
        self.offset = min(max(offset, 0), bytes.count)
    }

    public var remaining: Int { end - offset }
    public var isAtEnd: Bool { offset >= end }

    @inline(__always)
    private mutating func advance(_ count: Int) throws(WireError) -> Int {
        guard count >= 0, count <= remaining else { throw WireError.truncated(needed: count, available: remaining) }
        let start = offset
        offset += count
        return start
    }

    @inline(__always)
    private mutating func readInteger<T: FixedWidthInteger>(_: T.Type) throws(WireError) -> T {
        let at = try advance(MemoryLayout<T>.size)
        return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: T.self)) }
    }

    public mutating func readUInt8() throws(WireError) -> UInt8 { try readInteger(UInt8.self) }
    public mutating func readUInt16() throws(WireError) -> UInt16 { try readInteger(UInt16.self) }
    public mutating func readUInt32() throws(WireError) -> UInt32 { try readInteger(UInt32.self) }
    public mutating func readUInt64() throws(WireError) -> UInt64 { try readInteger(UInt64.self) }

    /// Reads `count` bytes into a new array (the one copy a payload needs).
    public mutating func readBytes(_ count: Int) throws(WireError) -> [UInt8] {
        let at = try advance(count)
        return Array(bytes[at ..< at + count])
    }

    /// Skips `count` reserved bytes, which must be zero so they can gain a meaning in a later version.
    public mutating func skipReserved(_ count: Int) throws(WireError) {
        let at = try advance(count)
        for i in at ..< at + count where bytes[i] != 0 {
            throw WireError.malformed("reserved byte at offset \(i) is 0x\(String(bytes[i], radix: 16))")
        }
    }

    /// Throws `.malformed` if bytes are left over: a message must fill its frame exactly.
    public func expectEnd() throws(WireError) {
        guard isAtEnd else { throw WireError.malformed("\(remaining) trailing bytes") }
    }
}
