import XCTest
import Dom0Backend
import Wire
import XenABI

/// blkback's request validation (Dom0Backend/Blk/BlkRequest.swift): every field a guest writes, judged before
/// anything touches the disk, and the response layout written back.
final class BlkRequestCheckTests: XCTestCase {
    let capacity: UInt64 = 2048

    func segs(_ n: Int, first: UInt8 = 0, last: UInt8 = 7) -> [BlkifSegment] {
        (0 ..< n).map { BlkifSegment(gref: UInt32(8 + $0), firstSector: first, lastSector: last) }
    }

    func check(_ r: BlkifRequest, readOnly: Bool = false) -> Result<BlkWork, BlkRefusal> {
        BlkRequestCheck.check(r, capacitySectors: capacity, readOnly: readOnly)
    }

    func testAReadOfElevenFullPagesIsEightyEightSectors() {
        let r = BlkifRequest(operation: .read, nrSegments: 11, id: 1, sectorNumber: 0, segments: segs(11))
        XCTAssertEqual(try check(r).get(), .read(firstSector: 0, sectors: 88, segments: segs(11)))
    }

    func testPartialSegmentsCountOnlyTheirSectors() {
        let s = [BlkifSegment(gref: 3, firstSector: 2, lastSector: 5), BlkifSegment(gref: 4, firstSector: 0, lastSector: 0)]
        let r = BlkifRequest(operation: .write, nrSegments: 2, id: 1, sectorNumber: 10, segments: s)
        XCTAssertEqual(try check(r).get(), .write(firstSector: 10, sectors: 5, segments: s))
        XCTAssertEqual(BlkRequestCheck.pageSpan(s[0]).offset, 1024)
        XCTAssertEqual(BlkRequestCheck.pageSpan(s[0]).length, 2048)
    }

    func testZeroOrTwelveSegmentsAreRefusedWithError() {
        for n: UInt8 in [0, 12, 255] {
            let r = BlkifRequest(operation: .read, nrSegments: n, id: 1, sectorNumber: 0, segments: segs(min(Int(n), 11)))
            guard case let .failure(refusal) = check(r) else { return XCTFail("accepted \(n) segments") }
            XCTAssertEqual(refusal.reason, .segmentCount(n))
            XCTAssertEqual(refusal.status, Blkif.responseError)
        }
    }

    func testSegmentBoundsFirstAfterLastOrPastTheSeventhSectorAreRefused() {
        let bad = [(UInt8(5), UInt8(4)), (0, 8), (8, 8), (255, 255)]
        for (f, l) in bad {
            let r = BlkifRequest(operation: .read, nrSegments: 1, id: 1, sectorNumber: 0,
                                 segments: [BlkifSegment(gref: 1, firstSector: f, lastSector: l)])
            guard case let .failure(refusal) = check(r) else { return XCTFail("accepted \(f)...\(l)") }
            XCTAssertEqual(refusal.reason, .segmentBounds(index: 0, first: f, last: l))
        }
    }

    func testSectorsPastTheEndAndOverflowingRangesAreRefused() {
        let edge = BlkifRequest(operation: .read, nrSegments: 1, id: 1, sectorNumber: capacity - 8, segments: segs(1))
        XCTAssertNoThrow(try check(edge).get())
        for start in [capacity - 7, capacity, UInt64.max - 3, UInt64.max] {
            let r = BlkifRequest(operation: .read, nrSegments: 1, id: 1, sectorNumber: start, segments: segs(1))
            guard case let .failure(refusal) = check(r) else { return XCTFail("accepted sector \(start)") }
            XCTAssertEqual(refusal.reason, .outOfRange(first: start, count: 8, capacity: capacity))
        }
        let discard = BlkifRequest(operation: .discard, nrSegments: 0, id: 1, sectorNumber: 8, discardSectors: UInt64.max)
        XCTAssertEqual(try? check(discard).get(), nil)
    }

    func testUnknownBarrierAndIndirectOperationsAnswerNotSupported() {
        for op: UInt8 in [2, 4, 6, 7, 200] {
            let r = BlkifRequest(operation: Blkif.Operation(rawValue: op), nrSegments: 1, id: 1, sectorNumber: 0,
                                 segments: segs(1))
            guard case let .failure(refusal) = check(r) else { return XCTFail("accepted op \(op)") }
            XCTAssertEqual(refusal.reason, .unsupportedOperation(op))
            XCTAssertEqual(refusal.status, Blkif.responseNotSupported)
        }
    }

    func testFlushMustHaveNoSegments() {
        XCTAssertEqual(try check(BlkifRequest(operation: .flushDiskCache, nrSegments: 0, id: 1, sectorNumber: 0)).get(), .flush)
        guard case .failure = check(BlkifRequest(operation: .flushDiskCache, nrSegments: 1, id: 1, sectorNumber: 0,
                                                 segments: segs(1))) else { return XCTFail("flush with a segment") }
    }

    func testAReadOnlyDiskRefusesWritesAndDiscardsButServesReads() {
        let w = BlkifRequest(operation: .write, nrSegments: 1, id: 1, sectorNumber: 0, segments: segs(1))
        XCTAssertEqual(try? check(w, readOnly: true).get(), nil)
        if case let .failure(refusal) = check(w, readOnly: true) {
            XCTAssertEqual(refusal.reason, .readOnly)
            XCTAssertEqual(refusal.status, Blkif.responseError)
        }
        let d = BlkifRequest(operation: .discard, nrSegments: 0, id: 1, sectorNumber: 0, discardSectors: 8)
        XCTAssertEqual(try? check(d, readOnly: true).get(), nil)
        let r = BlkifRequest(operation: .read, nrSegments: 1, id: 1, sectorNumber: 0, segments: segs(1))
        XCTAssertNoThrow(try check(r, readOnly: true).get())
    }

    func testALargeDiscardIsCutIntoDiskRequestsOfAtMost256Sectors() {
        let work = BlkWork.discard(firstSector: 100, sectors: 600)
        let requests = BlkRequestCheck.diskRequests(work, id: { UInt64(1000 + $0) })
        XCTAssertEqual(requests.map(\.firstSector), [100, 356, 612])
        XCTAssertEqual(requests.map(\.sectorCount), [256, 256, 88])
        XCTAssertEqual(requests.map(\.requestID), [1000, 1001, 1002])
        XCTAssertTrue(BlkRequestCheck.diskRequests(.discard(firstSector: 0, sectors: 0), id: { _ in 1 }).isEmpty)
    }

    func testRequestSlotRoundTripsThroughItsArmLayout() {
        let r = BlkifRequest(operation: .write, nrSegments: 2, handle: 0x1234, id: 0x1122_3344_5566_7788,
                             sectorNumber: 0xAABB_CCDD_0011, segments: segs(2, first: 1, last: 6))
        let bytes = r.encoded()
        XCTAssertEqual(bytes.count, 112)
        XCTAssertEqual(bytes[0], 1)
        XCTAssertEqual(bytes[1], 2)
        XCTAssertEqual(Array(bytes[8 ..< 16]), [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11])
        XCTAssertEqual(Array(bytes[24 ..< 30]), [8, 0, 0, 0, 1, 6])
        XCTAssertEqual(BlkifRequest(bytes: bytes), r)
        XCTAssertNil(BlkifRequest(bytes: Array(bytes.prefix(111))))
        XCTAssertNil(BlkifRequest(bytes: bytes, at: 1))
    }

    func testAnyHundredAndTwelveBytesDecodeWithoutTrapping() {
        var g = SystemRandomNumberGenerator()
        for _ in 0 ..< 2000 {
            let bytes = (0 ..< 112).map { _ in UInt8.random(in: 0 ... 255, using: &g) }
            guard let r = BlkifRequest(bytes: bytes) else { return XCTFail("112 bytes must decode") }
            XCTAssertLessThanOrEqual(r.segments.count, 11)
            _ = check(r)
        }
    }

    func testResponseIsSixteenBytesIdOperationStatus() {
        let bytes = BlkifResponse(id: 0x0102_0304_0506_0708, operation: .read, status: Blkif.responseNotSupported).encoded()
        XCTAssertEqual(bytes, [8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0xFE, 0xFF, 0, 0, 0, 0])
        XCTAssertEqual(BlkifResponse(bytes: bytes)?.status, -2)
    }
}
