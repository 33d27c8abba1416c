import XCTest
import DeviceModels

final class DiskWorkloadTests: XCTestCase {
    func testTheSameSeedGivesTheSameSteps() {
        var a = DiskWorkload(seed: 42, sectorCount: 2048, maxSectors: 128)
        var b = DiskWorkload(seed: 42, sectorCount: 2048, maxSectors: 128)
        var c = DiskWorkload(seed: 43, sectorCount: 2048, maxSectors: 128)
        let stepsA = (0..<200).map { _ in a.next() }
        XCTAssertEqual(stepsA, (0..<200).map { _ in b.next() })
        XCTAssertNotEqual(stepsA, (0..<200).map { _ in c.next() })
    }

    func testStepsStayOnTheDiskAndMixEveryOperation() {
        var workload = DiskWorkload(seed: 1, sectorCount: 100, maxSectors: 64)
        var kinds = Set<String>()
        for _ in 0..<2000 {
            let step = workload.next()
            switch step {
            case .write(let first, let count, let tag):
                XCTAssertLessThanOrEqual(first + UInt64(count), 100)
                XCTAssertLessThanOrEqual(count, 64)
                XCTAssertNotEqual(tag, 0)
                kinds.insert("write")
            case .read(let first, let count):
                XCTAssertLessThanOrEqual(first + UInt64(count), 100)
                kinds.insert("read")
            case .discard(let first, let count):
                XCTAssertLessThanOrEqual(first + UInt64(count), 100)
                kinds.insert("discard")
            case .flush:
                kinds.insert("flush")
            }
            workload.commit(step)
        }
        XCTAssertEqual(kinds, ["write", "read", "discard", "flush"])
    }

    func testMismatchesFindAWrongSectorAndIgnoreUnknownOnes() {
        var workload = DiskWorkload(seed: 5, sectorCount: 64, maxSectors: 16)
        workload.commit(.write(first: 10, count: 2, tag: 99))
        workload.commit(.discard(first: 11, count: 1))
        var data = SectorPattern.bytes(first: 9, count: 4, tag: 99)  // sectors 9 and 12 unknown: unchecked
        data.replaceSubrange(1024..<1536, with: [UInt8](repeating: 0, count: 512))  // sector 11: zeros, as discarded
        XCTAssertEqual(workload.mismatches(first: 9, data: data), [])
        data[600] ^= 1  // corrupt sector 10
        XCTAssertEqual(workload.mismatches(first: 9, data: data), [10])
    }

    func testThePatternDependsOnSectorAndTag() {
        let a = SectorPattern.bytes(first: 3, count: 1, tag: 7)
        XCTAssertEqual(a.count, 512)
        XCTAssertNotEqual(a, SectorPattern.bytes(first: 4, count: 1, tag: 7))
        XCTAssertNotEqual(a, SectorPattern.bytes(first: 3, count: 1, tag: 8))
        XCTAssertEqual(SectorPattern.bytes(first: 3, count: 1, tag: 0), [UInt8](repeating: 0, count: 512))
        // Pinned formula: the Python integration tests recompute it (word 0 of sector 3, tag 7).
        let word0 = a[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        XCTAssertEqual(word0, SectorPattern.mix64(7 &+ 3 &* 0x9E37_79B9_7F4A_7C15))
    }

    func testKnownRunsAreConsecutiveAndBounded() {
        var workload = DiskWorkload(seed: 5, sectorCount: 64, maxSectors: 4)
        workload.commit(.write(first: 2, count: 6, tag: 1))
        workload.commit(.write(first: 20, count: 1, tag: 1))
        let runs = workload.knownRuns().map { [$0.first, UInt64($0.count)] }
        XCTAssertEqual(runs, [[2, 4], [6, 2], [20, 1]])
    }
}
