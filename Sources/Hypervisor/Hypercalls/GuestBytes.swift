/// Little-endian words in bytes copied from a guest (`GuestAddressSpace.copyIn`); the caller has checked the
/// length.
extension Array where Element == UInt8 {
    func word(at offset: Int) -> UInt32 {
        let b0 = UInt32(self[offset]), b1 = UInt32(self[offset + 1])
        let b2 = UInt32(self[offset + 2]), b3 = UInt32(self[offset + 3])
        return b0 | b1 << 8 | b2 << 16 | b3 << 24
    }

    func halfword(at offset: Int) -> UInt16 { UInt16(self[offset]) | UInt16(self[offset + 1]) << 8 }

    /// `value` as 4 (or `count`) little-endian bytes.
    static func littleEndian(_ value: UInt64, count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }
}
