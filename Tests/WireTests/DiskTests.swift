import Wire
import XCTest

final class DiskTests: XCTestCase {
    private let sector = [UInt8](repeating: 0xA5, count: diskSectorSize)

    func testDiskRequestMeetsTheMessageContract() {
        assertMessageContract([
            DiskRequest(op: .read, requestID: 1, firstSector: 0, sectorCount: 8),
            DiskRequest(op: .write, requestID: .max, firstSector: 1 << 40, sectorCount: 2, data: sector + sector),
            DiskRequest(op: .flush, requestID: 3, firstSector: 0, sectorCount: 0),
            DiskRequest(op: .discard, requestID: 4, firstSector: 9, sectorCount: 256),
            DiskRequest(op: .init(rawValue: 77), requestID: 5, firstSector: 1, sectorCount: 1),
        ])
    }

    func testDiskResponseMeetsTheMessageContract() {
        assertMessageContract([
            DiskResponse(requestID: 1, status: .ok, data: sector),
            DiskResponse(requestID: 2, status: .outOfRange),
            DiskResponse(requestID: 3, status: .init(rawValue: 200)),
        ])
    }

    func testDiskRequestLayoutMatchesTheDocumentedTable() {
        let payload = DiskRequest(op: .write, requestID: 0x0102, firstSector: 0x0304, sectorCount: 1, data: sector)
            .encodedPayload()
        XCTAssertEqual(payload.count, DiskRequest.size + diskSectorSize)
        XCTAssertEqual(Array(payload[0 ..< 8]), [0x02, 0x01, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(Array(payload[8 ..< 16]), [0x04, 0x03, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(Array(payload[16 ..< 20]), [1, 0, 0, 0])
        XCTAssertEqual(payload[20], 1)
        XCTAssertEqual(Array(payload[24 ..< 28]), [0, 2, 0, 0])
    }

    func testMoreThanMaxSectorsIsOversized() {
        var payload = DiskRequest(op: .read, requestID: 1, firstSector: 0, sectorCount: 1).encodedPayload()
        payload[16] = 0x01; payload[17] = 0x01 // 257 sectors
        XCTAssertThrowsError(try DiskRequest(decodingPayload: payload)) {
            XCTAssertEqual($0 as? WireError, .oversized(length: 257 * 512, limit: DiskRequest.maxDataLength))
        }
    }

    func testDataLengthAboveTheBoundIsOversizedBeforeAnyAllocation() {
        var payload = DiskResponse(requestID: 1, status: .ok).encodedPayload()
        payload[12] = 0xFF; payload[13] = 0xFF; payload[14] = 0xFF; payload[15] = 0x7F
        XCTAssertThrowsError(try DiskResponse(decodingPayload: payload)) {
            XCTAssertEqual($0 as? WireError, .oversized(length: 0x7FFF_FFFF, limit: DiskRequest.maxDataLength))
        }
    }

    func testUnknownOpDecodesAndIsABadRequest() throws {
        let request = try DiskRequest(decodingPayload:
            DiskRequest(op: .init(rawValue: 9), requestID: 1, firstSector: 0, sectorCount: 1).encodedPayload())
        XCTAssertEqual(request.op.rawValue, 9)
        XCTAssertEqual(request.check(capacitySectors: 100, readOnly: false), .badRequest)
    }

    func testCheckRefusesWhatADiskMustRefuse() {
        func check(_ r: DiskRequest, readOnly: Bool = false) -> DiskResponse.Status {
            r.check(capacitySectors: 100, readOnly: readOnly)
        }
        XCTAssertEqual(check(DiskRequest(op: .read, requestID: 1, firstSector: 99, sectorCount: 1)), .ok)
        XCTAssertEqual(check(DiskRequest(op: .read, requestID: 1, firstSector: 99, sectorCount: 2)), .outOfRange)
        XCTAssertEqual(check(DiskRequest(op: .read, requestID: 1, firstSector: .max, sectorCount: 2)), .outOfRange)
        XCTAssertEqual(check(DiskRequest(op: .write, requestID: 1, firstSector: 0, sectorCount: 2, data: sector)),
                       .misaligned)
        XCTAssertEqual(check(DiskRequest(op: .write, requestID: 1, firstSector: 0, sectorCount: 1, data: sector),
                             readOnly: true), .readOnly)
        XCTAssertEqual(check(DiskRequest(op: .read, requestID: 1, firstSector: 0, sectorCount: 1, data: sector)),
                       .badRequest)
        XCTAssertEqual(check(DiskRequest(op: .flush, requestID: 1, firstSector: 0, sectorCount: 0)), .ok)
        XCTAssertEqual(check(DiskRequest(op: .discard, requestID: 1, firstSector: 0, sectorCount: 4),
                             readOnly: true), .readOnly)
    }
}
