import XCTest
import ARMCore

/// Data processing run as real A32 machine code; each program ends with `svc #0`, which the test host stops on.
final class DataProcessingTests: XCTestCase {
    func testAddsSetsAllFourFlagsFromAddWithCarry() throws {
        let h = TestHost()
        try h.run("""
            ldr r1, =0x7fffffff
            adds r0, r1, #1
            svc #0
            """)
        XCTAssertEqual(h.r[0], 0x8000_0000)
        XCTAssertTrue(h.cpu.state.n); XCTAssertFalse(h.cpu.state.z)
        XCTAssertFalse(h.cpu.state.c); XCTAssertTrue(h.cpu.state.v)
        XCTAssertEqual(h.traps, [.supervisorCall(0)])
    }

    func testShifterCarryOutReachesCForLogicalOperations() throws {
        let h = TestHost()
        try h.run("""
            mov r1, #0x80000001
            movs r0, r1, lsl #1
            mrs r2, apsr
            movs r3, r1, lsr #1
            mrs r4, apsr
            mov r5, #3
            movs r6, r1, ror r5
            svc #0
            """)
        XCTAssertEqual(h.r[0], 2)
        XCTAssertEqual(h.r[2] >> 28, 0b0010)        // C from bit 31
        XCTAssertEqual(h.r[3], 0x4000_0000)
        XCTAssertEqual(h.r[4] >> 28, 0b0010)        // C from bit 0
        XCTAssertEqual(h.r[6], 0x3000_0000)         // ror 3
        XCTAssertFalse(h.cpu.state.c)               // bit 2 of r1 was 0
    }

    func testRotatedImmediateSetsCarryOnlyWhenRotated() throws {
        let h = TestHost()
        try h.run("""
            msr apsr_nzcvq, #0
            ands r0, r0, #0xff000000
            mrs r1, apsr
            msr apsr_nzcvq, #0x20000000
            ands r2, r2, #0xff
            mrs r3, apsr
            svc #0
            """)
        XCTAssertEqual(h.r[1] >> 28, 0b0110)   // Z, C = bit 31 of the rotated immediate
        XCTAssertEqual(h.r[3] >> 28, 0b0110)   // Z, C unchanged (was set)
    }

    func testSubtractWithCarryChainsA64BitSubtraction() throws {
        let h = TestHost()
        try h.run("""
            mov r0, #0
            mov r1, #1
            mov r2, #1
            mov r3, #0
            subs r4, r0, r2
            sbc r5, r1, r3
            rsbs r6, r2, #0
            rsc r7, r3, #0
            svc #0
            """)
        XCTAssertEqual(h.r[4], 0xFFFF_FFFF)
        XCTAssertEqual(h.r[5], 0)        // 0x1_00000000 - 1 = 0x0_FFFFFFFF
        XCTAssertEqual(h.r[6], 0xFFFF_FFFF)
        XCTAssertEqual(h.r[7], 0xFFFF_FFFF)
    }

    func testConditionalInstructionsRunOnlyWhenTheirConditionHolds() throws {
        let h = TestHost()
        try h.run("""
            mov r0, #5
            cmp r0, #5
            moveq r1, #1
            movne r2, #1
            movgt r3, #1
            movge r4, #1
            cmp r0, #6
            movlt r5, #1
            movhi r6, #1
            movls r7, #1
            svc #0
            """)
        XCTAssertEqual([h.r[1], h.r[2], h.r[3], h.r[4], h.r[5], h.r[6], h.r[7]], [1, 0, 0, 1, 1, 0, 1])
    }

    func testRegisterShiftedRegisterUsesTheBottomByteOfRs() throws {
        let h = TestHost()
        try h.run("""
            mov r1, #1
            ldr r2, =0x1004
            add r0, r3, r1, lsl r2
            mov r4, #33
            movs r5, r1, lsl r4
            svc #0
            """)
        XCTAssertEqual(h.r[0], 16)
        XCTAssertEqual(h.r[5], 0)
        XCTAssertFalse(h.cpu.state.c) // LSL by 33: carry 0
        XCTAssertTrue(h.cpu.state.z)
    }

    func testMovwMovtAndBitFieldInstructions() throws {
        let h = TestHost()
        try h.run("""
            movw r0, #0x5678
            movt r0, #0x1234
            ubfx r1, r0, #8, #12
            sbfx r2, r0, #28, #4
            mvn r3, #0
            bfc r3, #4, #8
            mov r4, #0
            bfi r4, r0, #16, #8
            clz r5, r1
            rbit r6, r0
            rev r7, r0
            rev16 r8, r0
            revsh r9, r0
            svc #0
            """)
        XCTAssertEqual(h.r[0], 0x1234_5678)
        XCTAssertEqual(h.r[1], 0x456)
        XCTAssertEqual(h.r[2], 1)
        XCTAssertEqual(h.r[3], 0xFFFF_F00F)
        XCTAssertEqual(h.r[4], 0x0078_0000)
        XCTAssertEqual(h.r[5], 21)
        XCTAssertEqual(h.r[6], 0x1E6A_2C48)
        XCTAssertEqual(h.r[7], 0x7856_3412)
        XCTAssertEqual(h.r[8], 0x3412_7856)
        XCTAssertEqual(h.r[9], 0x0000_7856)
    }

    func testExtendWithRotationAndAdd() throws {
        let h = TestHost()
        try h.run("""
            ldr r0, =0x80ff7f81
            sxtb r1, r0
            uxtb r2, r0, ror #8
            sxth r3, r0, ror #16
            mov r4, #10
            uxtah r5, r4, r0
            sxtb16 r6, r0
            uxtab16 r7, r4, r0
            svc #0
            """)
        XCTAssertEqual(h.r[1], 0xFFFF_FF81)
        XCTAssertEqual(h.r[2], 0x7F)
        XCTAssertEqual(h.r[3], 0xFFFF_80FF)
        XCTAssertEqual(h.r[5], 10 + 0x7F81)
        XCTAssertEqual(h.r[6], 0xFFFF_FF81)
        XCTAssertEqual(h.r[7], (10 + 0x81) | 0xFF << 16)
    }

    func testBranchWithLinkAndInterworkingReturn() throws {
        let h = TestHost()
        try h.run("""
            mov r0, #0
            bl sub
            add r0, r0, #100
            svc #0
            sub:
            add r0, r0, #1
            bx lr
            """)
        XCTAssertEqual(h.r[0], 101)
        XCTAssertEqual(h.r[14], 0x1008)
    }
}
