import Foundation
import XCTest
import Dom0Backend

/// The console backend's resume anchor (Dom0Backend/Console/ConsolePersist.swift): the record and the arithmetic a
/// restarted backend or a backend facing a restarted terminal uses to log every byte exactly once.
final class ConsoleAnchorTests: XCTestCase {
    func testTheWorkedExampleOfPersistResumesWithoutResending() {
        // Anchor (1000, 50); the backend sent 80 bytes (50..<130), the model logged them (log 1080), the backend died.
        let anchor = ConsoleAnchor(launch: 1, domain: 1, logLength: 1000, ringIndex: 50)
        XCTAssertEqual(anchor.loggedIndex(logLengthNow: 1080), 130)  // skip all 80: nothing repeated
        XCTAssertEqual(anchor.loggedIndex(logLengthNow: 1000), 50)   // the model died first: resend all 80
        XCTAssertEqual(anchor.loggedIndex(logLengthNow: 1030), 80)   // a partial append: resend the last 50
    }

    func testALogShorterThanTheAnchorCannotBeDescribed() {
        XCTAssertNil(ConsoleAnchor(launch: 1, domain: 1, logLength: 1000, ringIndex: 50).loggedIndex(logLengthNow: 999))
    }

    func testTheStreamIndexWrapsWithTheRingCounters() {
        let anchor = ConsoleAnchor(launch: 1, domain: 1, logLength: 10, ringIndex: UInt32.max - 1)
        XCTAssertEqual(anchor.loggedIndex(logLengthNow: 15), 3)
    }

    func testTheRecordRoundTripsAndATornOrForeignRecordIsIgnored() throws {
        let anchor = ConsoleAnchor(launch: 0x1122_3344_5566_7788, domain: 7, logLength: 1 << 40, ringIndex: 0xdead_beef)
        let bytes = anchor.encoded()
        XCTAssertEqual(bytes.count, ConsoleAnchor.size)
        XCTAssertEqual(ConsoleAnchor(decoding: bytes), anchor)
        XCTAssertNil(ConsoleAnchor(decoding: Array(bytes.dropLast())))
        var wrongVersion = bytes
        wrongVersion[4] = 2
        XCTAssertNil(ConsoleAnchor(decoding: wrongVersion))
        var wrongMagic = bytes
        wrongMagic[0] = 0
        XCTAssertNil(ConsoleAnchor(decoding: wrongMagic))
        for _ in 0 ..< 10_000 {  // random bytes never trap
            _ = ConsoleAnchor(decoding: (0 ..< Int.random(in: 0 ... 40)).map { _ in UInt8.random(in: 0 ... 255) })
        }
    }

    func testSaveThenLoadGivesTheAnchorBack() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("anchor-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertNil(ConsoleAnchor.load(path: path))
        let anchor = ConsoleAnchor(launch: 9, domain: 2, logLength: 123, ringIndex: 45)
        try anchor.save(path: path)
        XCTAssertEqual(ConsoleAnchor.load(path: path), anchor)
    }

    func testEachLaunchHasItsOwnIdentity() {
        XCTAssertNotEqual(ConsoleAnchor.launchIdentity(secret: [1, 2, 3]), ConsoleAnchor.launchIdentity(secret: [1, 2, 4]))
        XCTAssertEqual(ConsoleAnchor.launchIdentity(secret: [7]), ConsoleAnchor.launchIdentity(secret: [7]))
    }
}
