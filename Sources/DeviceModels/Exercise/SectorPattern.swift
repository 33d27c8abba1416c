/// The content the disk exerciser writes: every sector's 512 bytes are a function of (sector number, tag), so a
/// read-back, the image file itself, or a Python test can recompute what must be there without keeping the data.
///
/// Word `i` (little-endian u64, i = 0..<64) of sector `s` written with tag `t` is
/// `mix64(t &+ s &* 0x9E3779B97F4A7C15 &+ i &* 0xD1B54A32D192ED03)`, where `mix64` is the SplitMix64 finaliser.
/// Including the sector number means a write landing at the wrong offset is caught; the tag changes with every
/// write, so a stale sector (a lost write) is caught too. Tag 0 means "zeros" (never written, or discarded).
public enum SectorPattern {
    public static func mix64(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Appends the 512 bytes of `sector` written with `tag` to `bytes`.
    public static func append(sector: UInt64, tag: UInt64, to bytes: inout [UInt8]) {
        guard tag != 0 else {
            bytes.append(contentsOf: repeatElement(0, count: DiskImage.sectorSize))
            return
        }
        let base = tag &+ sector &* 0x9E37_79B9_7F4A_7C15
        for word in 0..<UInt64(DiskImage.sectorSize / 8) {
            var value = mix64(base &+ word &* 0xD1B5_4A32_D192_ED03)
            for _ in 0..<8 {
                bytes.append(UInt8(truncatingIfNeeded: value))
                value >>= 8
            }
        }
    }

    /// The bytes of `count` sectors from `first`, all written with `tag`.
    public static func bytes(first: UInt64, count: Int, tag: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * DiskImage.sectorSize)
        for index in 0..<UInt64(count) { append(sector: first + index, tag: tag, to: &bytes) }
        return bytes
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator, so a workload is reproduced from its seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SectorPattern.mix64(state)
    }
}
