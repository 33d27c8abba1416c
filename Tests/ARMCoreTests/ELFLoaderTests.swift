import XCTest
import ARMCore

/// ELF parsing of untrusted files: every defect is a typed error, never a trap.
final class ELFLoaderTests: XCTestCase {
    /// A minimal valid header + one PT_LOAD program header (52 + 32 bytes) with `payload` after it.
    func makeELF(machine: UInt16 = 40, type: UInt16 = 2, classByte: UInt8 = 1, dataByte: UInt8 = 1,
                 programType: UInt32 = 1, payload: [UInt8] = [0x00, 0x00, 0xA0, 0xE1]) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 84)
        b[0] = 0x7F; b[1] = 0x45; b[2] = 0x4C; b[3] = 0x46; b[4] = classByte; b[5] = dataByte; b[6] = 1
        func put16(_ o: Int, _ v: UInt16) { b[o] = UInt8(v & 0xFF); b[o + 1] = UInt8(v >> 8) }
        func put32(_ o: Int, _ v: UInt32) { for k in 0..<4 { b[o + k] = UInt8((v >> (8 * k)) & 0xFF) } }
        put16(16, type); put16(18, machine); put32(20, 1); put32(24, 0x8000); put32(28, 52)
        put16(40, 52); put16(42, 32); put16(44, 1)
        put32(52, programType); put32(56, 84); put32(60, 0x8000); put32(64, 0x8000)
        put32(68, UInt32(payload.count)); put32(72, UInt32(payload.count) + 16); put32(76, 5); put32(80, 0x1000)
        return b + payload
    }

    func testAMinimalExecutableParses() throws {
        let image = try ELFImage(bytes: makeELF())
        XCTAssertEqual(image.entry, 0x8000)
        XCTAssertEqual(image.segments.count, 1)
        XCTAssertEqual(image.segments[0].virtualAddress, 0x8000)
        XCTAssertEqual(image.segments[0].data, [0x00, 0x00, 0xA0, 0xE1])
        XCTAssertEqual(image.segments[0].memorySize, 20)
        XCTAssertTrue(image.segments[0].executable)
        XCTAssertFalse(image.segments[0].writable)
    }

    /// A kernel maps whole file pages: the bytes sharing the segment's first page come along (here the ELF and
    /// program headers, since the segment starts 84 bytes into both its page and the file).
    func testSegmentKeepsTheFileBytesThatShareItsPages() throws {
        var b = makeELF()
        b[60] = 0x54; b[61] = 0x80          // p_vaddr = 0x8054
        b[72] = 4; b[73] = 0                // p_memsz = p_filesz = 4: no zero-filled tail
        let s = try ELFImage(bytes: b).segments[0]
        XCTAssertEqual(s.pagePrefix, Array(b[0..<84]))
        XCTAssertEqual(s.pageSuffix, [])    // the file ends with the segment
        XCTAssertEqual(try ELFImage(bytes: makeELF()).segments[0].pagePrefix, [])
    }

    func testEveryTruncationIsReportedAsTruncated() {
        let full = makeELF()
        for n in 0..<full.count {
            XCTAssertThrowsError(try ELFImage(bytes: Array(full[0..<n])), "length \(n)") { error in
                guard let e = error as? ELFError else { return XCTFail("\(error)") }
                switch e {
                case .truncated, .notELF: break // fewer than 4 bytes cannot even show the magic
                default: XCTFail("length \(n): \(e)")
                }
            }
        }
    }

    func testForeignAndUnsupportedFilesAreRejectedWithTheirReason() {
        XCTAssertThrowsError(try ELFImage(bytes: makeELF(machine: 3))) { XCTAssertEqual($0 as? ELFError, .notARM(machine: 3)) }
        XCTAssertThrowsError(try ELFImage(bytes: makeELF(classByte: 2))) { XCTAssertEqual($0 as? ELFError, .not32Bit) }
        XCTAssertThrowsError(try ELFImage(bytes: makeELF(dataByte: 2))) { XCTAssertEqual($0 as? ELFError, .notLittleEndian) }
        XCTAssertThrowsError(try ELFImage(bytes: makeELF(type: 3))) { XCTAssertEqual($0 as? ELFError, .notExecutable(type: 3)) }
        XCTAssertThrowsError(try ELFImage(bytes: makeELF(programType: 3))) { XCTAssertEqual($0 as? ELFError, .dynamic) }
        XCTAssertThrowsError(try ELFImage(bytes: Array("#!/bin/sh\necho hi\n".utf8))) { XCTAssertEqual($0 as? ELFError, .notELF) }
    }

    func testRandomCorruptionNeverTraps() {
        let good = makeELF()
        var seed: UInt32 = 1
        for _ in 0..<20_000 {
            var b = good
            for _ in 0..<3 {
                seed = seed &* 1_103_515_245 &+ 12345
                b[Int(seed >> 8) % b.count] = UInt8(truncatingIfNeeded: seed >> 20)
            }
            _ = try? ELFImage(bytes: b)
        }
    }

    func testAClangBuiltProgramHasItsEntryInsideAnExecutableSegment() throws {
        let elf = try Toolchain.build("void _start(void) { for (;;); }", ext: "c", flags: ["-O2"])
        let image = try ELFImage(bytes: elf)
        XCTAssertTrue(image.segments.contains { $0.executable && $0.virtualAddress <= image.entry
            && image.entry < $0.virtualAddress + $0.memorySize })
        XCTAssertNotEqual(image.programHeaderAddress, 0)
    }
}
