import ARMCore
import XCTest

/// T32 decoding through the public entry point, against encodings produced by clang's assembler
/// (`clang --target=armv7a-none-eabi -mthumb -c`, bytes read back with llvm-objdump).
final class ThumbDecoderTests: XCTestCase {
    private func t16(_ hw: UInt16) -> Decoded { ThumbDecoder.decode(hw, 0) }
    private func t32(_ hw1: UInt16, _ hw2: UInt16) -> Decoded { ThumbDecoder.decode(hw1, hw2) }
    private func d16(_ op: Op, _ flags: DecodedFlags = [], rd: UInt8 = 0, rn: UInt8 = 0, rm: UInt8 = 0, ra: UInt8 = 0,
                     shift: ShiftType = .lsl, amount: UInt8 = 0, aux: UInt8 = 0, imm: UInt32 = 0, cond: UInt8 = 14) -> Decoded {
        Decoded(op: op, cond: cond, flags: flags, length: 2, rd: rd, rn: rn, rm: rm, ra: ra, shiftType: shift.rawValue,
                shiftAmount: amount, aux: aux, imm: imm)
    }
    private func d32(_ op: Op, _ flags: DecodedFlags = [], rd: UInt8 = 0, rn: UInt8 = 0, rm: UInt8 = 0, ra: UInt8 = 0,
                     shift: ShiftType = .lsl, amount: UInt8 = 0, aux: UInt8 = 0, imm: UInt32 = 0, cond: UInt8 = 14) -> Decoded {
        Decoded(op: op, cond: cond, flags: flags, length: 4, rd: rd, rn: rn, rm: rm, ra: ra, shiftType: shift.rawValue,
                shiftAmount: amount, aux: aux, imm: imm)
    }
    private func neg(_ v: Int32) -> UInt32 { UInt32(bitPattern: v) }

    func testSixteenBitDataProcessingSetsFlagsOnlyOutsideITBlocks() {
        XCTAssertEqual(t16(0x1CD1), d16(.add, [.setFlagsOutsideIT, .immediate], rd: 1, rn: 2, imm: 3))   // adds r1, r2, #3
        XCTAssertEqual(t16(0x20C8), d16(.mov, [.setFlagsOutsideIT, .immediate], imm: 200))                // movs r0, #200
        XCTAssertEqual(t16(0x0163), d16(.mov, .setFlagsOutsideIT, rd: 3, rm: 4, amount: 5))               // lsls r3, r4, #5
        XCTAssertEqual(t16(0x4088), d16(.mov, [.setFlagsOutsideIT, .registerShift], rm: 0, ra: 1))        // lsls r0, r1
        XCTAssertEqual(t16(0x4348), d16(.mul, .setFlagsOutsideIT, rn: 1, rm: 0))                          // muls r0, r1, r0
    }

    func testSixteenBitHighRegisterFormsReachAllSixteenRegisters() {
        XCTAssertEqual(t16(0x44C8), d16(.add, rd: 8, rn: 8, rm: 9))            // add r8, r9
        XCTAssertEqual(t16(0x46F2), d16(.mov, rd: 10, rm: 14))                  // mov r10, lr
        XCTAssertEqual(t16(0x4770), d16(.bx, rm: 14))                           // bx lr
        XCTAssertEqual(t16(0x4798), d16(.blxRegister, rm: 3))                   // blx r3
    }

    func testSixteenBitLoadsStoresAndStackForms() {
        XCTAssertEqual(t16(0x4802), d16(.ldr, [.index, .add, .immediate], rn: 15, imm: 8))          // ldr r0, [pc, #8]
        XCTAssertEqual(t16(0x68D1), d16(.ldr, [.index, .add, .immediate], rd: 1, rn: 2, imm: 12))   // ldr r1, [r2, #12]
        XCTAssertEqual(t16(0xB530), d16(.stm, [.index, .writeBack], rn: 13, imm: 0x4030))          // push {r4, r5, lr}
        XCTAssertEqual(t16(0xBD30), d16(.ldm, [.add, .writeBack], rn: 13, imm: 0x8030))            // pop {r4, r5, pc}
        XCTAssertEqual(t16(0xB084), d16(.sub, .immediate, rd: 13, rn: 13, imm: 16))                 // sub sp, #16
        XCTAssertEqual(t16(0xA802), d16(.add, .immediate, rd: 0, rn: 13, imm: 8))                   // add r0, sp, #8
        XCTAssertEqual(t16(0xC90C), d16(.ldm, [.add, .writeBack], rn: 1, imm: 0x0C))               // ldm r1!, {r2, r3}
        XCTAssertEqual(t16(0xC907), d16(.ldm, [.add], rn: 1, imm: 0x07))                           // ldm r1, {r0-r2}
    }

    func testSixteenBitBranchesCompareAndBranchAndIT() {
        XCTAssertEqual(t16(0xB133), d16(.cbz, rn: 3, imm: 12))
        XCTAssertEqual(t16(0xD0FE), d16(.b, imm: neg(-4), cond: 0))             // beq .-0 (PC+4-4)
        XCTAssertEqual(t16(0xE7FD), d16(.b, imm: neg(-6)))
        XCTAssertEqual(t16(0xBF08), d16(.it, imm: 0x08))                        // it eq
        XCTAssertEqual(t16(0xBF1B), d16(.it, imm: 0x1B))                        // ittet ne
        XCTAssertEqual(t16(0xBF30), d16(.wfi))
        XCTAssertEqual(t16(0xBF00), d16(.nop))
        XCTAssertEqual(t16(0xDF05), d16(.svc, imm: 5))
        XCTAssertEqual(t16(0xBE03), d16(.bkpt, imm: 3))
        XCTAssertEqual(t16(0xDEFF), d16(.udf, imm: 0xFF))
        XCTAssertEqual(t16(0xB672), d16(.cps, aux: 0x12))                       // cpsid i
        XCTAssertEqual(t16(0xB675), d16(.cps, aux: 0x15))                       // cpsid af (A = bit 2, F = bit 0)
    }

    func testModifiedImmediatesExpandAndCarryOnlyWhenRotated() {
        XCTAssertEqual(t32(0xF002, 0x21FF), d32(.and, .immediate, rd: 1, rn: 2, imm: 0xFF00_FF00))
        XCTAssertEqual(t32(0xF412, 0x317F), d32(.and, [.immediate, .setFlags, .immediateCarry], rd: 1, rn: 2, imm: 0x3FC00))
        XCTAssertEqual(t32(0xF012, 0x4F00), d32(.tst, [.immediate, .setFlags, .immediateCarry], rn: 2, imm: 0x8000_0000))
        XCTAssertEqual(t32(0xF04F, 0x0512), d32(.mov, .immediate, rd: 5, imm: 0x12))
    }

    func testPlainImmediatesMoveWideAndAddressForms() {
        XCTAssertEqual(t32(0xF241, 0x2034), d32(.movw, imm: 0x1234))
        XCTAssertEqual(t32(0xF6CA, 0x30CD), d32(.movt, imm: 0xABCD))
        XCTAssertEqual(t32(0xF602, 0x71FF), d32(.add, .immediate, rd: 1, rn: 2, imm: 4095))
        XCTAssertEqual(t32(0xF2A2, 0x0101), d32(.sub, .immediate, rd: 1, rn: 2, imm: 1))
        XCTAssertEqual(t32(0xF2AF, 0x100E), d32(.adr, rd: 0, rn: 15, imm: neg(-270)))
        XCTAssertEqual(t32(0xF361, 0x100B), d32(.bfi, rn: 1, amount: 4, aux: 8))
        XCTAssertEqual(t32(0xF36F, 0x00C7), d32(.bfc, amount: 3, aux: 5))
        XCTAssertEqual(t32(0xF3C1, 0x10C8), d32(.ubfx, rn: 1, amount: 7, aux: 9))
        XCTAssertEqual(t32(0xF301, 0x1007), d32(.ssat, rn: 1, amount: 4, imm: 8))
        XCTAssertEqual(t32(0xF3A1, 0x0007), d32(.usat16, rn: 1, imm: 7))
    }

    func testShiftedRegisterOperandsApplyDecodeImmShift() {
        XCTAssertEqual(t32(0xEB01, 0x00C2), d32(.add, rn: 1, rm: 2, amount: 3))
        XCTAssertEqual(t32(0xEBC1, 0x0022), d32(.rsb, rn: 1, rm: 2, shift: .asr, amount: 32))
        XCTAssertEqual(t32(0xEA4F, 0x10F1), d32(.mov, rm: 1, shift: .ror, amount: 7))
        XCTAssertEqual(t32(0xEA4F, 0x0031), d32(.mov, rm: 1, shift: .rrx, amount: 1))
        XCTAssertEqual(t32(0xFA01, 0xF002), d32(.mov, .registerShift, rm: 1, ra: 2))
        XCTAssertEqual(t32(0xEAC1, 0x4022), d32(.pkhtb, rn: 1, rm: 2, shift: .asr, amount: 16))
    }

    func testRegisterFormsExtendParallelSaturatingAndReverse() {
        XCTAssertEqual(t32(0xFA01, 0xF0A2), d32(.sxtah, rn: 1, rm: 2, amount: 16))
        XCTAssertEqual(t32(0xFA5F, 0xF384), d32(.uxtb, rd: 3, rn: 15, rm: 4))
        XCTAssertEqual(t32(0xFA91, 0xF002), d32(.parallel, rn: 1, rm: 2, aux: 0))
        XCTAssertEqual(t32(0xFAC4, 0xF355), d32(.parallel, rd: 3, rn: 4, rm: 5,
                                                aux: ParallelOp.aux(prefix: ParallelOp.unsignedSaturating, operation: ParallelOp.sub8)))
        XCTAssertEqual(t32(0xFA82, 0xF081), d32(.qadd, rn: 2, rm: 1))
        XCTAssertEqual(t32(0xFA91, 0xF081), d32(.rev, rm: 1))
        XCTAssertEqual(t32(0xFAB3, 0xF283), d32(.clz, rd: 2, rm: 3))
    }

    func testMultipliesLongMultipliesAndDivides() {
        XCTAssertEqual(t32(0xFB01, 0x3002), d32(.mla, rn: 1, rm: 2, ra: 3))
        XCTAssertEqual(t32(0xFB01, 0xF802), d32(.mul, rd: 8, rn: 1, rm: 2))
        XCTAssertEqual(t32(0xFB11, 0x3012), d32(.smlaxy, rn: 1, rm: 2, ra: 3, aux: 2))     // smlabt
        XCTAssertEqual(t32(0xFB31, 0xF012), d32(.smulwy, rn: 1, rm: 2, aux: 2))            // smulwt
        XCTAssertEqual(t32(0xFB41, 0x3012), d32(.smlsd, rn: 1, rm: 2, ra: 3, aux: 1))      // smlsdx
        XCTAssertEqual(t32(0xFB51, 0xF012), d32(.smmul, rn: 1, rm: 2, aux: 1))             // smmulr
        XCTAssertEqual(t32(0xFBA2, 0x0103), d32(.umull, rn: 2, rm: 3, ra: 1))
        XCTAssertEqual(t32(0xFBC2, 0x01A3), d32(.smlalxy, rn: 2, rm: 3, ra: 1, aux: 1))    // smlaltb
        XCTAssertEqual(t32(0xFB91, 0xF0F2), d32(.sdiv, rn: 1, rm: 2))
        XCTAssertEqual(t32(0xFBB4, 0xF3F5), d32(.udiv, rd: 3, rn: 4, rm: 5))
    }

    func testLoadStoreSingleIndexingForms() {
        XCTAssertEqual(t32(0xF8D1, 0x0FFF), d32(.ldr, [.index, .add, .immediate], rn: 1, imm: 4095))
        XCTAssertEqual(t32(0xF851, 0x0CFF), d32(.ldr, [.index, .immediate], rn: 1, imm: 255))
        XCTAssertEqual(t32(0xF851, 0x0F04), d32(.ldr, [.index, .add, .writeBack, .immediate], rn: 1, imm: 4))
        XCTAssertEqual(t32(0xF851, 0x0904), d32(.ldr, [.writeBack, .immediate], rn: 1, imm: 4))
        XCTAssertEqual(t32(0xF931, 0x0032), d32(.ldrsh, [.index, .add], rn: 1, rm: 2, amount: 3))
        XCTAssertEqual(t32(0xF851, 0x0E07), d32(.ldrt, [.index, .add, .immediate], rn: 1, imm: 7))
        XCTAssertEqual(t32(0xF81F, 0x000C), d32(.ldrb, [.index, .immediate], rn: 15, imm: 12))
        XCTAssertEqual(t32(0xF890, 0xF004), d32(.pld, [.index, .add, .immediate], imm: 4))
    }

    func testDualExclusiveAndTableBranch() {
        XCTAssertEqual(t32(0xE962, 0x0102), d32(.strd, [.index, .writeBack, .immediate], rn: 2, ra: 1, imm: 8))
        XCTAssertEqual(t32(0xE8F4, 0x2304), d32(.ldrd, [.add, .writeBack, .immediate], rd: 2, rn: 4, ra: 3, imm: 16))
        XCTAssertEqual(t32(0xE851, 0x0F02), d32(.ldrex, rn: 1, imm: 8))
        XCTAssertEqual(t32(0xE841, 0x0200), d32(.strex, rd: 2, rn: 1, rm: 0))
        XCTAssertEqual(t32(0xE8D2, 0x017F), d32(.ldrexd, rn: 2, ra: 1))
        XCTAssertEqual(t32(0xE8D0, 0xF001), d32(.tbb, rn: 0, rm: 1))
        XCTAssertEqual(t32(0xE8D0, 0xF011), d32(.tbh, rn: 0, rm: 1))
    }

    func testLoadStoreMultiple() {
        XCTAssertEqual(t32(0xE8B0, 0x020E), d32(.ldm, [.add, .writeBack], imm: 0x020E))
        XCTAssertEqual(t32(0xE92D, 0x4FF0), d32(.stm, [.index, .writeBack], rn: 13, imm: 0x4FF0))
        XCTAssertEqual(t32(0xE910, 0x8006), d32(.ldm, [.index], imm: 0x8006))
    }

    func testBranchesAndMiscellaneousControl() {
        XCTAssertEqual(t32(0xF7FF, 0xFF9E), d32(.bl, imm: neg(-196)))
        XCTAssertEqual(t32(0xF7FF, 0xEFFE), d32(.blxImmediate, imm: neg(-4)))
        XCTAssertEqual(t32(0xF7FF, 0xBF9A), d32(.b, imm: neg(-204)))
        XCTAssertEqual(t32(0xF47F, 0xAF98), d32(.b, imm: neg(-208), cond: 1))
        XCTAssertEqual(t32(0xF380, 0x8800), d32(.msrRegister, aux: 0x80))       // msr APSR_nzcvq, r0
        XCTAssertEqual(t32(0xF3EF, 0x8100), d32(.mrs, rd: 1))
        XCTAssertEqual(t32(0xF3BF, 0x8F5B), d32(.dmb, imm: 0xB))
        XCTAssertEqual(t32(0xF3BF, 0x8F6F), d32(.isb, imm: 0xF))
        XCTAssertEqual(t32(0xF3BF, 0x8F2F), d32(.clrex))
        XCTAssertEqual(t32(0xF3AF, 0x8000), d32(.nop))
        XCTAssertEqual(t32(0xEE0D, 0x0F70), d32(.mcr, shift: .ror, amount: 13, aux: 15))   // mcr p15, 0, r0, c13, c0, 3
    }

    func testVFPAndUnallocatedEncodingsAreUndefinedWithTheirLength() {
        XCTAssertEqual(t32(0xEE30, 0x0A20).op, .undefined)      // vadd.f32 s0, s0, s1 (coprocessor 10)
        XCTAssertEqual(t32(0xF7F0, 0xA000), d32(.udf))          // udf.w #0
        XCTAssertEqual(t32(0xF3E0, 0x8000).length, 4)
        XCTAssertEqual(t16(0xBA80).op, .undefined)              // 1011 1010 10: HLT in ARMv8, unallocated in v7
        XCTAssertEqual(t16(0xBA80).length, 2)
    }

    /// Untrusted guest code never traps the decoder: every 16-bit encoding and a spread of 32-bit ones decode to
    /// something of the right length.
    func testEveryEncodingDecodesWithoutTrapping() {
        for hw in 0...0xFFFF {
            let hw1 = UInt16(hw)
            if ThumbDecoder.isThumb32(hw1) {
                for hw2: UInt16 in [0x0000, 0x8000, 0xF0F0, 0x0F0F, 0xFFFF, UInt16(truncatingIfNeeded: hw &* 40503)] {
                    XCTAssertEqual(ThumbDecoder.decode(hw1, hw2).length, 4)
                }
            } else {
                XCTAssertEqual(ThumbDecoder.decode(hw1, 0).length, 2)
            }
        }
    }
}
