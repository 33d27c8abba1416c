import XCTest
import Launcher

final class TopologyUnitsTests: XCTestCase {
    func testSizesAcceptBareBytesAndBinaryUnits() throws {
        XCTAssertEqual(try TopologyUnits.parseSize("1048576"), 1 << 20)
        XCTAssertEqual(try TopologyUnits.parseSize("64MiB"), 64 << 20)
        XCTAssertEqual(try TopologyUnits.parseSize("1 GiB"), 1 << 30)
        XCTAssertEqual(try TopologyUnits.parseSize("512KiB"), 512 << 10)
        XCTAssertEqual(try TopologyUnits.parseSize("2TiB"), 2 << 40)
        XCTAssertEqual(try TopologyUnits.parseSize("100B"), 100)
        XCTAssertEqual(try TopologyUnits.parseSize("0"), 0)
    }

    func testSizesRefuseDecimalUnitsNegativesGarbageAndOverflow() {
        XCTAssertThrowsError(try TopologyUnits.parseSize("64MB")) {
            XCTAssertEqual($0 as? TopologyUnits.ParseError, .unknownUnit("MB", known: ["B", "KiB", "MiB", "GiB", "TiB"]))
        }
        XCTAssertThrowsError(try TopologyUnits.parseSize("-1MiB")) { XCTAssertEqual($0 as? TopologyUnits.ParseError, .negative("-1MiB")) }
        XCTAssertThrowsError(try TopologyUnits.parseSize("MiB")) { XCTAssertEqual($0 as? TopologyUnits.ParseError, .notANumber("MiB")) }
        XCTAssertThrowsError(try TopologyUnits.parseSize("1.5GiB")) { XCTAssertEqual($0 as? TopologyUnits.ParseError, .notANumber("1.5GiB")) }
        XCTAssertThrowsError(try TopologyUnits.parseSize("64  MiB")) { XCTAssertEqual($0 as? TopologyUnits.ParseError, .notANumber("64  MiB")) }
        XCTAssertThrowsError(try TopologyUnits.parseSize("")) { XCTAssertEqual($0 as? TopologyUnits.ParseError, .empty) }
        XCTAssertThrowsError(try TopologyUnits.parseSize("16777216TiB")) {
            XCTAssertEqual($0 as? TopologyUnits.ParseError, .overflow("16777216TiB"))
        }
        XCTAssertThrowsError(try TopologyUnits.parseSize("99999999999999999999")) {
            XCTAssertEqual($0 as? TopologyUnits.ParseError, .overflow("99999999999999999999"))
        }
    }

    func testDurationsNeedAUnit() throws {
        XCTAssertEqual(try TopologyUnits.parseDuration("100ms"), 100)
        XCTAssertEqual(try TopologyUnits.parseDuration("30s"), 30_000)
        XCTAssertEqual(try TopologyUnits.parseDuration("2m"), 120_000)
        XCTAssertEqual(try TopologyUnits.parseDuration("1 h"), 3_600_000)
        XCTAssertThrowsError(try TopologyUnits.parseDuration("30")) { XCTAssertEqual($0 as? TopologyUnits.ParseError, .missingUnit("30")) }
        XCTAssertThrowsError(try TopologyUnits.parseDuration("5us")) {
            XCTAssertEqual($0 as? TopologyUnits.ParseError, .unknownUnit("us", known: ["ms", "s", "m", "h"]))
        }
        XCTAssertThrowsError(try TopologyUnits.parseDuration("-5s")) { XCTAssertEqual($0 as? TopologyUnits.ParseError, .negative("-5s")) }
    }

    func testFormattingPicksTheLargestExactUnit() {
        XCTAssertEqual(TopologyUnits.formatSize(64 << 20), "64 MiB")
        XCTAssertEqual(TopologyUnits.formatSize(1536 << 10), "1536 KiB")
        XCTAssertEqual(TopologyUnits.formatSize(1000), "1000 bytes")
        XCTAssertEqual(TopologyUnits.formatSize(0), "0 bytes")
        XCTAssertEqual(TopologyUnits.formatDuration(30_000), "30s")
        XCTAssertEqual(TopologyUnits.formatDuration(1_500), "1500ms")
        XCTAssertEqual(TopologyUnits.formatDuration(120_000), "2m")
    }

    func testFormattedSizesParseBackToTheSameValue() throws {
        for bytes: UInt64 in [0, 1, 512, 4096, 1 << 20, 3 << 30, 1536 << 10, 5 << 40] {
            XCTAssertEqual(try TopologyUnits.parseSize(TopologyUnits.formatSize(bytes).replacingOccurrences(of: " bytes", with: "")), bytes)
        }
    }
}
