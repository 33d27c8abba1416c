import XCTest
import ARMCore

/// The TLB keeps a bank of translations per recent DACR value (`TLB`, "Banks per DACR"): a DACR switch keeps
/// each value's entries, and never lets an entry filled under one DACR serve an access under another.
final class TLBBankTests: XCTestCase {
    /// Tables at 0x10000 (as MMUTests): VA 0x000xxxxx → PA 0 (the code, domain 0); VA 0x800xxxxx → PA 0x100000,
    /// a section of domain 1 with AP = 000. DACR 0x0d makes domain 1 a manager, 0x01 gives it no access.
    func makeHost() -> TestHost {
        let h = TestHost()
        h.poke32(MMUTests.ttb + 0x000 * 4, 0x0000_0C02)
        h.poke32(MMUTests.ttb + 0x800 * 4, 0x0010_0022)
        h.action = { trap in
            if case .dataAbort = trap { return .resume }  // recorded, the faulting instruction skipped
            return .stop
        }
        return h
    }

    func dataAborts(_ h: TestHost) -> [UInt32] {
        h.traps.compactMap { if case let .dataAbort(a, _) = $0 { return a } else { return nil } }
    }

    func testADomainMadeInaccessibleFaultsEvenThoughItsTranslationIsCachedInTheOtherBank() throws {
        let h = makeHost()
        h.poke32(0x10_0010, 0xAAAA_0001)
        try h.run(MMUTests.enable + """

            ldr r5, =0x80000010
            ldr r1, [r5]                   @ DACR 0x0d: filled in this DACR's bank
            mov r0, #0x01
            mcr p15, 0, r0, c3, c0, 0      @ domain 1: no access
            mov r2, #0
            ldr r2, [r5]                   @ domain fault, not the cached entry
            mov r0, #0x0d
            mcr p15, 0, r0, c3, c0, 0
            ldr r3, [r5]                   @ allowed again
            mov r0, #0x01
            mcr p15, 0, r0, c3, c0, 0
            mov r4, #0
            ldr r4, [r5]                   @ and refused again
            svc #0
            """)
        XCTAssertEqual(dataAborts(h), [0x8000_0010, 0x8000_0010])
        XCTAssertEqual([h.r[1], h.r[2], h.r[3], h.r[4]], [0xAAAA_0001, 0, 0xAAAA_0001, 0])
    }

    func testTranslationsSurviveADACRRoundTrip() throws {
        // The L1 entry of 0x800xxxxx is rewritten to PA 0x200000 without TLB maintenance: a TLB that kept the
        // DACR 0x0d entries across the switch to 0x01 and back still reads PA 0x100010 (architecturally
        // allowed: only maintenance must drop entries); a TLB flushed by each DACR write would walk again.
        let h = makeHost()
        h.poke32(0x10_0010, 0xAAAA_0001)
        h.poke32(0x20_0010, 0xBBBB_0002)
        try h.run(MMUTests.enable + """

            ldr r5, =0x80000010
            ldr r1, [r5]
            ldr r6, =0x12000               @ the L1 entry for VA 0x80000000
            ldr r7, =0x00200022            @ same section, domain 1, PA 0x200000
            str r7, [r6]
            mov r0, #0x01
            mcr p15, 0, r0, c3, c0, 0
            mov r0, #0x0d
            mcr p15, 0, r0, c3, c0, 0
            ldr r2, [r5]                   @ kept: PA 0x100010
            mcr p15, 0, r0, c8, c7, 0      @ TLBIALL
            ldr r3, [r5]                   @ walked again: PA 0x200010
            svc #0
            """)
        XCTAssertEqual(dataAborts(h).count, 0)
        XCTAssertEqual([h.r[1], h.r[2], h.r[3]], [0xAAAA_0001, 0xAAAA_0001, 0xBBBB_0002])
    }
}
