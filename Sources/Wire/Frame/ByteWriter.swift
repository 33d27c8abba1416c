/// Appends little-endian fields to a growable buffer. Reuse one writer (`reset()`) to send many frames
/// without reallocating.
public struct ByteWriter {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    /// Empties the buffer, keeping its storage.
    public mutating func reset() { bytes.removeAll(keepingCapacity: true) }

    @inline(__always)
    private mutating func writeInteger<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ value: UInt8) { bytes.append(value) }
    public mutating func write(_ value: UInt16) { writeInteger(value) }
    public mutating func write(_ value: UInt32) { writeInteger(value) }
    public mutating func write(_ value: UInt64) { writeInteger(value) }
    public mutating func write<Bytes: Sequence>(bytes other: Bytes) where Bytes.Element == UInt8 {
        bytes.append(contentsOf: other)
    }
    public mutating func writeZeros(_ count: Int) { bytes.append(contentsOf: repeatElement(0, count: count)) }

    /// Overwrites a u32 already written at `offset` (used to fill in a length once it is known).
    public mutating func patch(_ value: UInt32, at offset: Int) {
        precondition(offset >= 0 && offset + 4 <= bytes.count, "patch inside what was written")
        withUnsafeBytes(of: value.littleEndian) { src in
            for i in 0 ..< 4 { bytes[offset + i] = src[i] }
        }
    }
}
