import XCTest
import ARMCore

/// Multiplies, divides, saturating and parallel (SIMD-within-a-register) instructions.
final class MultiplySaturatingParallelTests: XCTestCase {
    func testLongMultipliesAndAccumulates() throws {
        let h = TestHost()
        try h.run("""
            ldr r0, =0xffffffff
            mov r1, #2
            umull r2, r3, r0, r1
            smull r4, r5, r0, r1
            mov r6, #1
            mov r7, #0
            smlal r6, r7, r0, r1
            mov r8, #5
            mov r9, #7
            umaal r8, r9, r0, r1
            mls r10, r1, r1, r8
            svc #0
            """)
        XCTAssertEqual([h.r[2], h.r[3]], [0xFFFF_FFFE, 1])
        XCTAssertEqual([h.r[4], h.r[5]], [0xFFFF_FFFE, 0xFFFF_FFFF])
        XCTAssertEqual([h.r[6], h.r[7]], [0xFFFF_FFFF, 0xFFFF_FFFF])
        // 0xFFFFFFFF * 2 + 5 + 7 = 0x2_0000000A
        XCTAssertEqual([h.r[8], h.r[9]], [0x0000_000A, 2])
        XCTAssertEqual(h.r[10], 0x0000_000A &- 4)
    }

    func testHalfwordAndDualMultipliesSetQOnOverflow() throws {
        let h = TestHost()
        try h.run("""
            ldr r0, =0x80008000
            smulbb r1, r0, r0
            smultb r2, r0, r0
            msr apsr_nzcvq, #0
            smuad r3, r0, r0
            mrs r4, apsr
            ldr r5, =0x00030002
            ldr r6, =0x00050004
            smlad r7, r5, r6, r5
            smusdx r8, r5, r6
            smmul r9, r0, r0
            svc #0
            """)
        XCTAssertEqual(h.r[1], 0x4000_0000)
        XCTAssertEqual(h.r[2], 0x4000_0000)
        XCTAssertEqual(h.r[3], 0x8000_0000)          // 2^30 + 2^30 overflows int32
        XCTAssertEqual(h.r[4] & (1 << 27), 1 << 27)  // Q
        XCTAssertEqual(h.r[7], 2 * 4 + 3 * 5 + 0x0003_0002)
        XCTAssertEqual(h.r[8], UInt32(bitPattern: 2 * 5 - 3 * 4))
        XCTAssertEqual(h.r[9], 0x3FFF_8000)          // high word of 0x80008000²
    }

    func testDivisionByZeroGivesZeroAndMinByMinusOneGivesMin() throws {
        let h = TestHost()
        try h.run("""
            mov r0, #100
            mov r1, #0
            udiv r2, r0, r1
            sdiv r3, r0, r1
            mov r4, #0x80000000
            mvn r5, #0
            sdiv r6, r4, r5
            mvn r7, #99
            mov r8, #7
            sdiv r9, r7, r8
            udiv r10, r7, r8
            svc #0
            """)
        XCTAssertEqual(h.r[2], 0); XCTAssertEqual(h.r[3], 0)
        XCTAssertEqual(h.r[6], 0x8000_0000)
        XCTAssertEqual(h.r[9], UInt32(bitPattern: -14))
        XCTAssertEqual(h.r[10], (0xFFFF_FFFF - 99) / 7)
    }

    func testSaturatingArithmeticClipsAndSetsTheStickyQFlag() throws {
        let h = TestHost()
        try h.run("""
            msr apsr_nzcvq, #0
            ldr r0, =0x7fffffff
            mov r1, #1
            qadd r2, r0, r1
            mrs r3, apsr
            qsub r4, r1, r0
            qdadd r5, r1, r0
            ssat r6, #8, r0
            usat r7, #8, r1, lsl #10
            ldr r8, =0x7fff8000
            ssat16 r9, #8, r8
            usat16 r10, #4, r8
            svc #0
            """)
        XCTAssertEqual(h.r[2], 0x7FFF_FFFF)
        XCTAssertEqual(h.r[3] & (1 << 27), 1 << 27)
        XCTAssertEqual(h.r[4], 0x8000_0002)
        XCTAssertEqual(h.r[5], 0x7FFF_FFFF)
        XCTAssertEqual(h.r[6], 127)
        XCTAssertEqual(h.r[7], 255)
        XCTAssertEqual(h.r[9], 0x007F_FF80)
        XCTAssertEqual(h.r[10], 0x000F_0000)
        XCTAssertTrue(h.cpu.state.q)
    }

    func testParallelAddSetsGEFlagsThatSelUses() throws {
        let h = TestHost()
        try h.run("""
            ldr r0, =0x7f01ff80
            ldr r1, =0x01010101
            uadd8 r2, r0, r1
            mrs r3, apsr
            sel r4, r0, r1
            sadd16 r5, r0, r1
            qadd8 r6, r0, r1
            uhsub16 r7, r1, r0
            usad8 r8, r0, r1
            svc #0
            """)
        XCTAssertEqual(h.r[2], 0x8002_0081)
        XCTAssertEqual((h.r[3] >> 16) & 0xF, 0b0010)   // only byte 1 (0xFF + 1) carried out
        XCTAssertEqual(h.r[4], 0x0101_FF01)             // byte 1 from r0, the rest from r1
        XCTAssertEqual(h.r[5], 0x8002_0081)
        XCTAssertEqual(h.cpu.state.ge, 0b1111)          // SADD16: both signed sums ≥ 0; QADD8/UHSUB16 keep GE
        XCTAssertEqual(h.r[6], 0x7F02_0081)             // byte 3: 127 + 1 saturates
        XCTAssertEqual(h.r[7], 0xC100_80C0)             // halved differences, arithmetic shift
        XCTAssertEqual(h.r[8], 0x7F + 0xFE + 0 + 0x7E)
    }
}
