/// The scripted disk workload: a seeded sequence of operations plus the shadow of what the disk must hold.
///
/// Pure (no sockets): `next()` picks the next operation; once it has been answered `ok`, `commit(_:)` updates the
/// shadow. The client (`DiskExerciser`) does the I/O. The same seed and disk size always give the same sequence.
public struct DiskWorkload: Sendable {
    public enum Step: Equatable, Sendable {
        case write(first: UInt64, count: Int, tag: UInt64)
        case read(first: UInt64, count: Int)
        case flush
        case discard(first: UInt64, count: Int)
    }

    public let sectorCount: UInt64
    public let maxSectors: Int
    private var random: SeededGenerator
    private var nextTag: UInt64
    /// sector → tag of its last acknowledged write (0 = zeros after a discard). Sectors never touched are absent:
    /// their content is unknown (an image may hold data from an earlier run) and is never checked.
    public private(set) var shadow: [UInt64: UInt64] = [:]
    /// Recent written ranges, so reads often land on data that can be verified.
    private var recent: [(first: UInt64, count: Int)] = []

    /// Request sizes in sectors: mostly small (like file system metadata), some up to a full request.
    static let sizeMix = [1, 1, 1, 2, 4, 8, 8, 16, 32, 64, 128, 256]

    public init(seed: UInt64, sectorCount: UInt64, maxSectors: Int) {
        precondition(sectorCount > 0 && maxSectors > 0)
        self.sectorCount = sectorCount
        self.maxSectors = maxSectors
        self.random = SeededGenerator(seed: seed)
        // Tags start from the seed so two runs with different seeds never write identical data.
        self.nextTag = SectorPattern.mix64(seed) | 1
    }

    private mutating func size() -> Int {
        let pick = Self.sizeMix[Int(random.next() % UInt64(Self.sizeMix.count))]
        return max(1, min(pick, maxSectors, Int(min(sectorCount, UInt64(Int.max)))))
    }

    private mutating func place(_ count: Int) -> UInt64 {
        random.next() % (sectorCount - UInt64(count) + 1)
    }

    public mutating func next() -> Step {
        let roll = random.next() % 100
        switch roll {
        case 0..<45:
            let count = size()
            nextTag &+= 0x2545_F491_4F6C_DD1D
            if nextTag == 0 { nextTag = 1 }
            return .write(first: place(count), count: count, tag: nextTag)
        case 45..<80:
            if !recent.isEmpty, random.next() % 4 != 0 {
                let range = recent[Int(random.next() % UInt64(recent.count))]
                return .read(first: range.first, count: range.count)
            }
            let count = size()
            return .read(first: place(count), count: count)
        case 80..<90:
            let count = size()
            return .discard(first: place(count), count: count)
        default:
            return .flush
        }
    }

    /// Records the effect of a step the model acknowledged with `ok`.
    public mutating func commit(_ step: Step) {
        switch step {
        case .write(let first, let count, let tag):
            for sector in first..<first + UInt64(count) { shadow[sector] = tag }
            recent.append((first, count))
            if recent.count > 64 { recent.removeFirst() }
        case .discard(let first, let count):
            for sector in first..<first + UInt64(count) { shadow[sector] = 0 }
        case .read, .flush:
            break
        }
    }

    /// The sectors in `first ..< first + count` whose content in `data` differs from the shadow (unknown sectors
    /// are not checked).
    public func mismatches(first: UInt64, data: [UInt8]) -> [UInt64] {
        let size = DiskImage.sectorSize
        var bad: [UInt64] = []
        var expected: [UInt8] = []
        expected.reserveCapacity(size)
        for index in 0..<data.count / size {
            let sector = first + UInt64(index)
            guard let tag = shadow[sector] else { continue }
            expected.removeAll(keepingCapacity: true)
            SectorPattern.append(sector: sector, tag: tag, to: &expected)
            if !data[index * size ..< (index + 1) * size].elementsEqual(expected) { bad.append(sector) }
        }
        return bad
    }

    /// The known sectors as maximal runs of consecutive sectors, each at most `maxSectors` long (for the final
    /// read-back).
    public func knownRuns() -> [(first: UInt64, count: Int)] {
        var runs: [(first: UInt64, count: Int)] = []
        for sector in shadow.keys.sorted() {
            if let last = runs.last, last.first + UInt64(last.count) == sector, last.count < maxSectors {
                runs[runs.count - 1].count += 1
            } else {
                runs.append((sector, 1))
            }
        }
        return runs
    }
}
