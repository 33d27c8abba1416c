import XCTest
import ARMCore

/// The ARM ARM helpers against values worked out by hand from the pseudocode.
final class PseudocodeTests: XCTestCase {
    func testAddWithCarrySetsOverflowWhenPositiveOperandsGiveNegativeResult() {
        let r = ARMPseudocode.AddWithCarry(0x7FFF_FFFF, 1, false)
        XCTAssertEqual(r.result, 0x8000_0000)
        XCTAssertFalse(r.carry)
        XCTAssertTrue(r.overflow)
    }

    func testAddWithCarrySetsCarryAndClearsOverflowOnUnsignedWrap() {
        let r = ARMPseudocode.AddWithCarry(0xFFFF_FFFF, 1, false)
        XCTAssertEqual(r.result, 0)
        XCTAssertTrue(r.carry)
        XCTAssertFalse(r.overflow)
    }

    func testSubtractionAsAddWithCarryGivesNoBorrowCarry() {
        // CMP 5, 3: AddWithCarry(5, NOT 3, 1) = 2 with C = 1 (no borrow).
        let r = ARMPseudocode.AddWithCarry(5, ~3, true)
        XCTAssertEqual(r.result, 2)
        XCTAssertTrue(r.carry)
        // CMP 3, 5: borrow, so C = 0, result negative.
        let s = ARMPseudocode.AddWithCarry(3, ~5, true)
        XCTAssertEqual(s.result, 0xFFFF_FFFE)
        XCTAssertFalse(s.carry)
    }

    func testShiftCarryOutForEveryShiftType() {
        XCTAssertTrue(ARMPseudocode.Shift_C(0x8000_0001, 0, 1, false) == (2, true))      // LSL #1: bit 31 out
        XCTAssertTrue(ARMPseudocode.Shift_C(0x0000_0001, 0, 32, false) == (0, true))     // LSL #32: bit 0 out
        XCTAssertTrue(ARMPseudocode.Shift_C(0x0000_0001, 0, 33, true) == (0, false))     // LSL #33
        XCTAssertTrue(ARMPseudocode.Shift_C(0x0000_0003, 1, 1, false) == (1, true))      // LSR #1
        XCTAssertTrue(ARMPseudocode.Shift_C(0x8000_0000, 1, 32, false) == (0, true))     // LSR #32
        XCTAssertTrue(ARMPseudocode.Shift_C(0x8000_0000, 2, 4, false) == (0xF800_0000, false)) // ASR #4
        XCTAssertTrue(ARMPseudocode.Shift_C(0x8000_0000, 2, 40, false) == (0xFFFF_FFFF, true)) // ASR ≥ 32
        XCTAssertTrue(ARMPseudocode.Shift_C(0x0000_0001, 3, 1, false) == (0x8000_0000, true))  // ROR #1
        XCTAssertTrue(ARMPseudocode.Shift_C(0x8000_0001, 3, 32, false) == (0x8000_0001, true)) // ROR by 32 (register)
        XCTAssertTrue(ARMPseudocode.Shift_C(0x0000_0001, 4, 1, true) == (0x8000_0000, true))   // RRX
        XCTAssertTrue(ARMPseudocode.Shift_C(0x1234_5678, 0, 0, true) == (0x1234_5678, true))  // amount 0 keeps C
    }

    func testDecodeImmShiftTurnsZeroAmountsIntoThirtyTwoAndRRX() {
        XCTAssertTrue(ARMPseudocode.DecodeImmShift(1, 0) == (ShiftType.lsr.rawValue, 32))
        XCTAssertTrue(ARMPseudocode.DecodeImmShift(2, 0) == (ShiftType.asr.rawValue, 32))
        XCTAssertEqual(ARMPseudocode.DecodeImmShift(3, 0).type, ShiftType.rrx.rawValue)
        XCTAssertTrue(ARMPseudocode.DecodeImmShift(0, 0) == (ShiftType.lsl.rawValue, 0))
    }

    func testARMExpandImmRotatesByTwiceTheRotateField() {
        XCTAssertTrue(ARMPseudocode.ARMExpandImm_C(0x0FF) == (0xFF, false))
        XCTAssertTrue(ARMPseudocode.ARMExpandImm_C(0x4FF) == (0xFF00_0000, true))   // 0xFF ror 8
        XCTAssertTrue(ARMPseudocode.ARMExpandImm_C(0x102) == (0x8000_0000, true))   // 2 ror 2
    }

    func testThumbExpandImmReplicatesAndRejectsUnpredictableZeros() {
        XCTAssertEqual(ARMPseudocode.ThumbExpandImm_C(0x1AB)?.value, 0x00AB_00AB)
        XCTAssertEqual(ARMPseudocode.ThumbExpandImm_C(0x2AB)?.value, 0xAB00_AB00)
        XCTAssertEqual(ARMPseudocode.ThumbExpandImm_C(0x3AB)?.value, 0xABAB_ABAB)
        XCTAssertNil(ARMPseudocode.ThumbExpandImm_C(0x100))
        XCTAssertEqual(ARMPseudocode.ThumbExpandImm_C(0x4FF)?.value, 0x7F80_0000) // '1':1111111 ror 9
    }

    func testSaturationReportsWhetherItClipped() {
        XCTAssertTrue(ARMPseudocode.SignedSatQ(200, 8) == (127, true))
        XCTAssertTrue(ARMPseudocode.SignedSatQ(-200, 8) == (0xFFFF_FF80, true))
        XCTAssertTrue(ARMPseudocode.SignedSatQ(-5, 8) == (0xFFFF_FFFB, false))
        XCTAssertTrue(ARMPseudocode.UnsignedSatQ(-1, 8) == (0, true))
        XCTAssertTrue(ARMPseudocode.UnsignedSatQ(300, 8) == (255, true))
    }

    func testConditionMasksAgreeWithConditionHoldsForEveryFlagCombination() {
        let masks = ARMPseudocode.conditionMasks()
        XCTAssertEqual(masks.count, 16)
        XCTAssertEqual(masks[14], 0xFFFF)                   // AL
        XCTAssertEqual(masks[0], 0xF0F0)                    // EQ: Z (bit 2 of the index) set
        for cond in 0..<16 {
            for f in 0..<16 {
                let holds = ARMPseudocode.ConditionHolds(UInt8(cond), n: f & 8 != 0, z: f & 4 != 0, c: f & 2 != 0, v: f & 1 != 0)
                XCTAssertEqual(masks[cond] >> f & 1 != 0, holds, "cond \(cond) flags \(f)")
            }
        }
    }

    func testConditionCodesFollowTheFlagsTable() {
        XCTAssertTrue(ARMPseudocode.ConditionHolds(0, n: false, z: true, c: false, v: false))   // EQ
        XCTAssertFalse(ARMPseudocode.ConditionHolds(1, n: false, z: true, c: false, v: false))  // NE
        XCTAssertTrue(ARMPseudocode.ConditionHolds(8, n: false, z: false, c: true, v: false))   // HI
        XCTAssertFalse(ARMPseudocode.ConditionHolds(8, n: false, z: true, c: true, v: false))
        XCTAssertTrue(ARMPseudocode.ConditionHolds(10, n: true, z: false, c: false, v: true))   // GE: N == V
        XCTAssertTrue(ARMPseudocode.ConditionHolds(11, n: true, z: false, c: false, v: false))  // LT
        XCTAssertFalse(ARMPseudocode.ConditionHolds(12, n: false, z: true, c: false, v: false)) // GT needs !Z
        XCTAssertTrue(ARMPseudocode.ConditionHolds(14, n: false, z: false, c: false, v: false)) // AL
    }
}
