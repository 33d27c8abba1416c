import Foundation

/// Checks a disk image from outside against a guest's acknowledged writes (docs/restart.md, "The image check").
/// Every sector a guest writes is self-describing (Guests/lib/blkpattern.h): 64 little-endian u64 words, word j =
/// `stamp ^ (j * 0x9E3779B97F4A7C15)`, `stamp = (seq << 32) | (sector & 0xffffffff)`. For each sector, the last
/// acknowledged write covering it must be what the image holds; a write that failed (ERR) and came later may
/// have landed or not, so its seq is accepted too. Sectors no acknowledged write covers are not judged.
public struct SoakImageCheck: Sendable {
    static let sectorSize = 512
    static let golden: UInt64 = 0x9E37_79B9_7F4A_7C15

    public private(set) var sectorsChecked = 0
    public private(set) var sectorsLost = 0
    /// Acknowledged writes with at least one sector that does not hold them.
    public private(set) var writesLost = 0
    /// The first few wrong sectors, described.
    public private(set) var details: [String] = []

    /// The write seq a sector holds: 0 for a zero sector, nil for anything that is not a valid stamp of `sector`.
    static func decode(_ bytes: UnsafeRawBufferPointer, sector: UInt64) -> UInt64? {
        func word(_ j: Int) -> UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: j * 8, as: UInt64.self)) }
        if bytes.allSatisfy({ $0 == 0 }) { return 0 }
        let stamp = word(0)
        guard stamp & 0xFFFF_FFFF == sector & 0xFFFF_FFFF else { return nil }
        for j in 1..<(sectorSize / 8) where word(j) != stamp ^ (UInt64(j) &* golden) { return nil }
        return stamp >> 32
    }

    public init(image path: String, acks: [SoakGuestLog.Write], failed: [SoakGuestLog.Write]) {
        // The last acknowledged seq of each sector, and the failed seqs that came after it.
        var last: [UInt64: UInt64] = [:]
        for w in acks { for s in w.sector..<(w.sector + w.count) where (last[s] ?? 0) < w.seq { last[s] = w.seq } }
        var maybe: [UInt64: Set<UInt64>] = [:]
        for w in failed { for s in w.sector..<(w.sector + w.count) { maybe[s, default: []].insert(w.seq) } }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            sectorsLost = last.count
            writesLost = Set(last.values).count
            details.append("cannot open image \(path)")
            return
        }
        defer { try? handle.close() }
        var lostSeqs = Set<UInt64>()
        for (sector, seq) in last.sorted(by: { $0.key < $1.key }) {
            sectorsChecked += 1
            var held: UInt64?? = .none
            if (try? handle.seek(toOffset: sector * UInt64(Self.sectorSize))) != nil,
               let data = try? handle.read(upToCount: Self.sectorSize), data.count == Self.sectorSize {
                held = .some(data.withUnsafeBytes { Self.decode($0, sector: sector) })
            }
            let ok: Bool
            switch held {
            case let .some(.some(h)): ok = h == seq || (h > seq && maybe[sector]?.contains(h) == true)
            default: ok = false
            }
            if !ok {
                sectorsLost += 1
                lostSeqs.insert(seq)
                if details.count < 10 {
                    let what: String
                    switch held {
                    case .none: what = "unreadable"
                    case .some(.none): what = "not a stamp"
                    case let .some(.some(h)): what = "seq \(h)"
                    }
                    details.append("sector \(sector): want seq \(seq), image holds \(what)")
                }
            }
        }
        writesLost = lostSeqs.count
    }
}
