import XCTest
import ARMCore

/// The decode cache must never run stale instructions: self-modifying code, host writes, I-cache maintenance.
final class DecodeCacheTests: XCTestCase {
    /// The loop runs `patch` once as `mov r0, #1`, then overwrites it with `mov r0, #2` and runs it again.
    func testSelfModifyingCodeRunsTheNewInstruction() throws {
        let h = TestHost()
        let newInstruction = try Toolchain.assemble("mov r0, #2", at: 0)
        let word = UInt32(newInstruction[0]) | UInt32(newInstruction[1]) << 8 | UInt32(newInstruction[2]) << 16 | UInt32(newInstruction[3]) << 24
        try h.run("""
            mov r3, #0
            again:
            patch:
            mov r0, #1
            add r3, r3, r0
            ldr r1, =patch
            ldr r2, =\(word)
            str r2, [r1]
            cmp r3, #3
            blo again
            svc #0
            """)
        XCTAssertEqual(h.r[3], 3)      // 1 + 2
        XCTAssertEqual(h.r[0], 2)
        XCTAssertGreaterThan(h.cpu.decodeCache.pageCount, 0)
    }

    func testHostWritesWithInvalidateCodeAreSeen() throws {
        let h = TestHost()
        try h.run("""
            mov r0, #1
            svc #0
            """)
        XCTAssertEqual(h.r[0], 1)
        // poke() writes behind the CPU's back and calls invalidateCode.
        h.poke(0x1000, try Toolchain.assemble("mov r0, #7\nsvc #0", at: 0x1000))
        h.cpu.state.pc = 0x1000
        _ = h.cpu.run(budget: 10)
        XCTAssertEqual(h.r[0], 7)
    }

    func testWithoutInvalidationTheDecodedCopyIsKeptUntilICacheMaintenance() throws {
        let h = TestHost()
        try h.run("""
            mov r0, #1
            svc #0
            """)
        // Write behind the CPU's back without telling it: the decoded copy stays (like a stale I-cache)…
        let bytes = try Toolchain.assemble("mov r0, #7", at: 0x1000)
        bytes.withUnsafeBytes { h.ram.advanced(by: 0x1000).copyMemory(from: $0.baseAddress!, byteCount: 4) }
        h.cpu.state.pc = 0x1000
        _ = h.cpu.run(budget: 10)
        XCTAssertEqual(h.r[0], 1)
        // …until the guest invalidates the instruction cache (ICIALLU).
        try h.run("""
            mcr p15, 0, r0, c7, c5, 0
            svc #0
            """, at: 0x3000)
        h.cpu.state.pc = 0x1000
        _ = h.cpu.run(budget: 10)
        XCTAssertEqual(h.r[0], 7)
    }
}
