import XCTest
import ARMCore

/// Exception entry (vectors, modes, return addresses, SPSR) and return.
final class ExceptionTests: XCTestCase {
    /// Vector table at 0: each vector records its number in r12 and stops with `svc #0x100 + n`... except SVC's,
    /// which is reached by an SVC, so the host answers SVC #1 with `.exception` and everything else with `.stop`.
    func makeHost() -> TestHost {
        let h = TestHost()
        h.action = { trap in
            switch trap {
            case .supervisorCall(1), .undefinedInstruction, .dataAbort, .prefetchAbort: return .exception
            default: return .stop
            }
        }
        return h
    }

    func installVectors(_ h: TestHost, at base: UInt32 = 0) throws {
        // Each slot: `svc #(0x80 + offset/4)` so the host sees which vector ran.
        var code = ""
        for k in 0..<8 { code += "svc #\(0x80 + k)\n" }
        h.poke(base, try Toolchain.assemble(code, at: base))
    }

    func testSVCEntersSupervisorModeWithLRAfterTheInstructionAndTheOldCPSRInSPSR() throws {
        let h = makeHost()
        try installVectors(h)
        try h.run("""
            cps #0x10
            mov r0, #1
            svc #1
            """)
        XCTAssertEqual(h.traps.last, .supervisorCall(0x82))
        XCTAssertEqual(h.cpu.state.mode, .supervisor)
        XCTAssertEqual(h.r[14], 0x100C)
        XCTAssertEqual(h.cpu.state.spsr & 0x1F, 0x10)
        XCTAssertTrue(h.cpu.state.i)
    }

    func testUndefinedInstructionReturnsToTheInstructionPlusFour() throws {
        let h = makeHost()
        try installVectors(h)
        try h.run("""
            nop
            .word 0xe7f000f0
            """)
        XCTAssertEqual(h.traps.last, .supervisorCall(0x81))
        XCTAssertEqual(h.cpu.state.mode, .undefined)
        XCTAssertEqual(h.r[14], 0x1008)
        if case let .undefinedInstruction(word) = h.traps.first { XCTAssertEqual(word, 0xE7F0_00F0) } else { XCTFail() }
    }

    /// The T-bit fetch path: BLX into Thumb code, halfword fetch, 32-bit detection. UDF (T1 and T2) stays
    /// Undefined whatever the T32 tables decode, so the trap shows what was fetched.
    func testThumbFetchReadsHalfwordsAndJoinsThirtyTwoBitEncodings() throws {
        let h = makeHost()
        try installVectors(h)
        h.poke(0x2000, [0x01, 0xDE])                 // udf #1 (T1)
        h.poke(0x3000, [0xF0, 0xF7, 0x00, 0xA0])     // udf.w #0 (T2): hw1 0xF7F0, hw2 0xA000
        try h.run("""
            ldr r0, =0x2001
            blx r0
            """)
        XCTAssertTrue(h.traps.contains(.undefinedInstruction(0xDE01)), "\(h.traps)")
        XCTAssertEqual(h.r[14], 0x2002)              // Thumb: instruction + 2
        XCTAssertEqual(h.cpu.state.spsr & 0x20, 0x20) // T was set
        XCTAssertFalse(h.cpu.state.t)                 // vectors run in ARM (SCTLR.TE = 0)
        h.traps = []
        try h.run("""
            ldr r0, =0x3001
            bx r0
            """)
        XCTAssertTrue(h.traps.contains(.undefinedInstruction(0xF7F0_A000)), "\(h.traps)")
    }

    func testVFPInstructionIsUndefinedLikeACoreWithoutIt() throws {
        let h = makeHost()
        try installVectors(h)
        try h.run(".word 0xee300a00") // vadd.f32 s0, s0, s0
        XCTAssertEqual(h.traps.last, .supervisorCall(0x81))
    }

    func testDataAbortReturnsToTheInstructionPlusEightAndRecordsDFSRAndDFAR() throws {
        let h = makeHost()
        try installVectors(h)
        try h.run("""
            mov r0, #0x20000000
            ldr r1, [r0, #4]
            """)
        XCTAssertEqual(h.traps.last, .supervisorCall(0x84))
        XCTAssertEqual(h.cpu.state.mode, .abort)
        XCTAssertEqual(h.r[14], 0x100C)
        XCTAssertEqual(h.cpu.cp15.dfar, 0x2000_0004)
        XCTAssertEqual(h.cpu.cp15.dfsr & 0x40F, FaultStatus.synchronousExternal)
    }

    func testIRQIsTakenWhenUnmaskedWithLRNextInstructionPlusFour() throws {
        let h = makeHost()
        try installVectors(h)
        h.cpu.irqLine = true
        try h.run("""
            mov r0, #1
            cpsie i
            mov r1, #2
            mov r2, #3
            """)
        XCTAssertEqual(h.traps.last, .supervisorCall(0x86))
        XCTAssertEqual(h.cpu.state.mode, .irq)
        XCTAssertEqual(h.r[0], 1)
        XCTAssertEqual(h.r[1], 0)          // the IRQ came before it
        XCTAssertEqual(h.r[14], 0x1008 + 4)
        XCTAssertFalse(h.cpu.state.spsr & 0x80 != 0)
    }

    func testHighVectorsAndVBARMoveTheVectorTable() throws {
        let h = makeHost()
        try installVectors(h, at: 0x4000)
        try h.run("""
            ldr r0, =0x4000
            mcr p15, 0, r0, c12, c0, 0
            svc #1
            """)
        XCTAssertEqual(h.traps.last, .supervisorCall(0x82))
        XCTAssertEqual(h.cpu.vectorBase, 0x4000)
        XCTAssertEqual(h.cpu.state.pc, 0x400C) // after the vector's own SVC
    }

    func testExceptionReturnWithMovsPCLRRestoresModeAndFlags() throws {
        let h = makeHost()
        // SVC vector: return straight away with the S form.
        h.poke(0x8, try Toolchain.assemble("movs pc, lr", at: 0x8))
        try h.run("""
            cps #0x10
            movs r0, #0
            svc #1
            mov r1, #5
            svc #0
            """)
        XCTAssertEqual(h.cpu.state.mode, .user)
        XCTAssertTrue(h.cpu.state.z)
        XCTAssertEqual(h.r[1], 5)
        XCTAssertEqual(h.traps.last, .supervisorCall(0))
    }

    func testBankedRegistersSurviveModeSwitches() throws {
        let h = makeHost()
        try h.run("""
            mov sp, #0x100
            cps #0x12
            mov sp, #0x200
            cps #0x11
            mov r8, #8
            mov sp, #0x300
            cps #0x13
            mov r9, sp
            mov r10, r8
            mrs r11, sp_irq
            svc #0
            """)
        XCTAssertEqual(h.r[9], 0x100)
        XCTAssertEqual(h.r[10], 0)      // r8_fiq is banked
        XCTAssertEqual(h.r[11], 0x200)
        XCTAssertEqual(h.cpu.state.register(13, mode: .fiq), 0x300)
        XCTAssertEqual(h.cpu.state.register(8, mode: .fiq), 8)
    }

    func testHVCGoesToTheHostWithItsImmediate() throws {
        let h = TestHost()
        h.action = { _ in .stop }
        try h.run("hvc #0xea1")
        XCTAssertEqual(h.traps, [.hypervisorCall(0xEA1)])
        XCTAssertEqual(h.cpu.state.pc, 0x1004) // a stopped trap resumes after the instruction
    }

    func testWFIWithNothingPendingReturnsWaitingForInterrupt() throws {
        let h = TestHost()
        let reason = try h.run("""
            wfi
            svc #0
            """)
        XCTAssertEqual(reason, .waitingForInterrupt)
        XCTAssertEqual(h.cpu.state.pc, 0x1004)
    }

    func testBudgetStopsTheRunAndCountsInstructions() throws {
        let h = TestHost()
        let reason = try h.run("""
            loop:
            add r0, r0, #1
            b loop
            """, budget: 1001)
        XCTAssertEqual(reason, .budgetExhausted)
        XCTAssertEqual(h.r[0], 501)
        XCTAssertEqual(h.cpu.instructionsRetired, 1001)
    }

    func testGenericTimerCountsThroughTheHostClock() throws {
        let h = TestHost()
        h.now = 0x1_2345_6789
        try h.run("""
            mrrc p15, 0, r0, r1, c14
            mrc p15, 0, r2, c14, c0, 0
            svc #0
            """)
        XCTAssertEqual([h.r[0], h.r[1], h.r[2]], [0x2345_6789, 1, 1_000_000])
    }
}
