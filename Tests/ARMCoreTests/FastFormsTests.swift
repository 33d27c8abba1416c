import XCTest
import ARMCore

/// The post-decode rewriter: which shapes become fast forms, and that the ones it must not touch stay general.
final class FastFormsTests: XCTestCase {
    func op(_ word: UInt32) -> Op { FastForms.specialize(ArmTable.decode(word)).op }

    func testCommonShapesAreRewritten() {
        XCTAssertEqual(op(0xE281_0004), .fastAddImm)   // add r0, r1, #4
        XCTAssertEqual(op(0xE081_0002), .fastAddReg)   // add r0, r1, r2
        XCTAssertEqual(op(0xE3A0_0001), .fastMovImm)   // mov r0, #1
        XCTAssertEqual(op(0xE1A0_0001), .fastMovReg)   // mov r0, r1
        XCTAssertEqual(op(0xE1A0_0101), .fastMovShift) // lsl r0, r1, #2
        XCTAssertEqual(op(0xE350_0000), .fastCmpImm)   // cmp r0, #0
        XCTAssertEqual(op(0xE251_0001), .fastSubsImm)  // subs r0, r1, #1
        XCTAssertEqual(op(0xE591_0004), .fastLdrImm)   // ldr r0, [r1, #4]
        XCTAssertEqual(op(0xE501_0004), .fastStrImm)   // str r0, [r1, #-4]
        XCTAssertEqual(op(0xE791_0102), .fastLdrReg)   // ldr r0, [r1, r2, lsl #2]
    }

    func testShapesWithSideEffectsStayGeneral() {
        XCTAssertEqual(op(0xE28F_F004), .add)          // add pc, pc, #4: writes the PC
        XCTAssertEqual(op(0xE29F_F004), .add)          // adds pc, pc, #4: exception return form
        XCTAssertEqual(op(0xE1B0_0001), .mov)          // movs r0, r1: flags from the shifter
        XCTAssertEqual(op(0xE1A0_0061), .mov)          // rrx r0, r1: needs C
        XCTAssertEqual(op(0xE5B1_0004), .ldr)          // ldr r0, [r1, #4]!: writeback
        XCTAssertEqual(op(0xE491_0004), .ldr)          // ldr r0, [r1], #4: post-indexed
        XCTAssertEqual(op(0xE59F_0004), .ldr)          // ldr r0, [pc, #4]: literal
        XCTAssertEqual(op(0xE591_F004), .ldr)          // ldr pc, [r1, #4]: interworking load
        XCTAssertEqual(op(0xE310_04FF), .tst)          // tst r0, #0xff000000: C from the rotation
    }

    func testTheNegativeOffsetIsFoldedIntoTheImmediate() {
        let d = FastForms.specialize(ArmTable.decode(0xE501_0004)) // str r0, [r1, #-4]
        XCTAssertEqual(d.imm, 0xFFFF_FFFC)
    }
}
