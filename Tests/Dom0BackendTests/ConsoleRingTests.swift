import Foundation
import XCTest
import Dom0Backend

/// The console ring arithmetic (Dom0Backend/Console/Ring.swift): both directions, wrap-around, full rings and the
/// garbage indices a hostile guest can write.
final class ConsoleRingTests: XCTestCase {
    func testIndicesDecodeLittleEndianFromTheSixteenBytesAt3072() {
        let bytes: [UInt8] = [1, 0, 0, 0, 2, 0, 0, 0, 0x10, 0x20, 0, 0, 0xff, 0xff, 0xff, 0xff]
        XCTAssertEqual(ConsoleRing.Indices(bytes: bytes),
                       ConsoleRing.Indices(inCons: 1, inProd: 2, outCons: 0x2010, outProd: 0xffff_ffff))
        XCTAssertNil(ConsoleRing.Indices(bytes: Array(bytes.prefix(15))))
        XCTAssertEqual(ConsoleRing.bytes(of: 0x0403_0201), [1, 2, 3, 4])
    }

    func testAnEmptyOutputRingPlansNothing() {
        XCTAssertEqual(ConsoleRing.planOutput(cons: 77, prod: 77), .empty)
    }

    func testOutputInsideTheRingIsOneSegmentAfterTheInputRing() {
        XCTAssertEqual(ConsoleRing.planOutput(cons: 10, prod: 30),
                       .read([.init(offset: 1024 + 10, length: 20)], newCons: 30))
    }

    func testOutputThatWrapsIsTwoSegmentsInStreamOrder() {
        // cons 2040 → masked 2040: 8 bytes to the end of out[], then 12 from its start.
        XCTAssertEqual(ConsoleRing.planOutput(cons: 2040, prod: 2060),
                       .read([.init(offset: 1024 + 2040, length: 8), .init(offset: 1024, length: 12)], newCons: 2060))
    }

    func testOutputIndicesThatWrapTheirThirtyTwoBitsStillPlanCorrectly() {
        let cons = UInt32.max - 4  // 5 bytes before the counter wraps to 0
        XCTAssertEqual(ConsoleRing.planOutput(cons: cons, prod: 11),
                       .read([.init(offset: 1024 + 2043, length: 5), .init(offset: 1024, length: 11)], newCons: 11))
    }

    func testAFullOutputRingIsReadWholeAndALimitCutsIt() {
        XCTAssertEqual(ConsoleRing.planOutput(cons: 4096, prod: 4096 + 2048),
                       .read([.init(offset: 1024, length: 2048)], newCons: 4096 + 2048))
        XCTAssertEqual(ConsoleRing.planOutput(cons: 0, prod: 2048, limit: 100),
                       .read([.init(offset: 1024, length: 100)], newCons: 100))
    }

    func testOutputIndicesFartherApartThanTheRingAreCorruptNotFollowed() {
        XCTAssertEqual(ConsoleRing.planOutput(cons: 0, prod: 2049), .corrupt(distance: 2049))
        XCTAssertEqual(ConsoleRing.planOutput(cons: 100, prod: 99), .corrupt(distance: UInt32.max))
        XCTAssertEqual(ConsoleRing.planOutput(cons: 0, prod: 100_000), .corrupt(distance: 100_000))
    }

    func testInputFillsTheFreeSpaceOfTheInputRingAndWraps() {
        XCTAssertEqual(ConsoleRing.planInput(cons: 0, prod: 0, count: 5),
                       .write([.init(offset: 0, length: 5)], count: 5, newProd: 5))
        XCTAssertEqual(ConsoleRing.planInput(cons: 1000, prod: 1020, count: 10),
                       .write([.init(offset: 1020, length: 4), .init(offset: 0, length: 6)], count: 10, newProd: 1030))
        // 1000 bytes unread by the guest: only 24 fit.
        XCTAssertEqual(ConsoleRing.planInput(cons: 0, prod: 1000, count: 100),
                       .write([.init(offset: 1000, length: 24)], count: 24, newProd: 1024))
    }

    func testAFullInputRingOrNothingToWritePlansNothing() {
        XCTAssertEqual(ConsoleRing.planInput(cons: 5, prod: 5 + 1024, count: 3), .full)
        XCTAssertEqual(ConsoleRing.planInput(cons: 0, prod: 0, count: 0), .full)
    }

    func testAGarbageGuestConsumerIndexOnTheInputRingIsCorrupt() {
        XCTAssertEqual(ConsoleRing.planInput(cons: 5000, prod: 0, count: 3), .corrupt(distance: 0 &- 5000))
        XCTAssertEqual(ConsoleRing.planInput(cons: 0, prod: 1025, count: 3), .corrupt(distance: 1025))
    }

    func testRandomIndicesNeverPlanOutsideTheRingPages() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0 ..< 100_000 {
            let a = UInt32.random(in: 0 ... .max, using: &rng), b = UInt32.random(in: 0 ... .max, using: &rng)
            let near = a &+ UInt32.random(in: 0 ... 2100, using: &rng)
            for (cons, prod) in [(a, b), (a, near)] {
                if case let .read(segments, newCons) = ConsoleRing.planOutput(cons: cons, prod: prod) {
                    XCTAssertEqual(newCons, prod)
                    for s in segments { XCTAssert(s.offset >= 1024 && s.offset + s.length <= 3072 && s.length > 0) }
                    XCTAssertEqual(segments.reduce(0) { $0 + $1.length }, Int(prod &- cons))
                }
                if case let .write(segments, count, newProd) = ConsoleRing.planInput(cons: cons, prod: prod, count: 4096) {
                    XCTAssertEqual(newProd, prod &+ UInt32(count))
                    for s in segments { XCTAssert(s.offset >= 0 && s.offset + s.length <= 1024 && s.length > 0) }
                    XCTAssertEqual(segments.reduce(0) { $0 + $1.length }, count)
                    XCTAssertLessThanOrEqual(newProd &- cons, 1024)
                }
            }
        }
    }

    /// The offsets above against clang's view of `struct xencons_interface` (xen/io/console.h) for armv7a.
    func testTheRingLayoutMatchesClangForArmv7a() throws {
        let clang = "/opt/swift/usr/bin/clang"
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xencons-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("include"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("include/xen").path,
                                                   withDestinationPath: "/usr/include/xen")
        let checks: [(String, Int)] = [
            ("offsetof(struct xencons_interface, in)", ConsoleRing.inOffset),
            ("sizeof(((struct xencons_interface *)0)->in)", Int(ConsoleRing.inSize)),
            ("offsetof(struct xencons_interface, out)", ConsoleRing.outOffset),
            ("sizeof(((struct xencons_interface *)0)->out)", Int(ConsoleRing.outSize)),
            ("offsetof(struct xencons_interface, in_cons)", ConsoleRing.indicesOffset),
            ("offsetof(struct xencons_interface, in_prod)", ConsoleRing.inProdOffset),
            ("offsetof(struct xencons_interface, out_cons)", ConsoleRing.outConsOffset),
            ("offsetof(struct xencons_interface, out_prod)", ConsoleRing.indicesOffset + 12),
            ("sizeof(struct xencons_interface)", ConsoleRing.indicesOffset + ConsoleRing.indicesLength),
        ]
        var source = "#include <stddef.h>\n#include <stdint.h>\n#include <xen/io/console.h>\n"
        for (expression, value) in checks { source += "_Static_assert(\(expression) == \(value), \"\(expression)\");\n" }
        let file = dir.appendingPathComponent("cons.c")
        try source.write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: clang)
        process.arguments = ["--target=armv7a-none-eabi", "-ffreestanding", "-fsyntax-only",
                             "-isystem", dir.appendingPathComponent("include").path, file.path]
        let pipe = Pipe()
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, output)
    }
}
