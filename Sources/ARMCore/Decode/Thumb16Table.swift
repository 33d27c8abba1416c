/// The 16-bit T32 encodings (ARM ARM A6.2), one row each, under the ARM ARM's headings.
///
/// Conventions for the `Decoded` form (see `Decoded.swift`): `cond` stays AL except for B<c> (T1), because
/// inside an IT block the run loop takes the condition from ITSTATE. Encodings whose S bit is "!InITBlock()"
/// carry `.setFlagsOutsideIT` instead of `.setFlags`. Compares always set the flags. PC-relative forms (LDR
/// literal, ADR) carry Rn = 15: their base is Align(PC, 4) (ARM ARM A8.8.64, A8.8.12).
public enum Thumb16Table {
    typealias F = ThumbFields

    public static let table = ThumbTable(width: 2, rows)

    public static func decode(_ hw: UInt16) -> Decoded { table.decode(UInt32(hw)) }

    // MARK: Shift (immediate), add, subtract, move, and compare (A6.2.1)

    private static func shiftImmediate(_ type: UInt32) -> @Sendable (F) -> Decoded {
        { f in
            let (t, n) = ThumbPseudocode.decodeImmShift(type, f["i"])
            return Decoded(op: .mov, flags: .setFlagsOutsideIT, rd: f.reg("d"), rm: f.reg("m"),
                           shiftType: t.rawValue, shiftAmount: n)
        }
    }

    private static func threeRegister(_ op: Op) -> @Sendable (F) -> Decoded {
        { f in Decoded(op: op, flags: .setFlagsOutsideIT, rd: f.reg("d"), rn: f.reg("n"), rm: f.reg("m")) }
    }

    private static func immediate3(_ op: Op) -> @Sendable (F) -> Decoded {
        { f in Decoded(op: op, flags: [.setFlagsOutsideIT, .immediate], rd: f.reg("d"), rn: f.reg("n"), imm: f["i"]) }
    }

    private static func immediate8(_ op: Op) -> @Sendable (F) -> Decoded {
        { f in Decoded(op: op, flags: [.setFlagsOutsideIT, .immediate], rd: f.reg("d"), rn: f.reg("d"), imm: f["i"]) }
    }

    // MARK: Data processing (A6.2.2): Rdn = Rdn op Rm

    private static func dataProcessing(_ op: Op) -> @Sendable (F) -> Decoded {
        { f in Decoded(op: op, flags: .setFlagsOutsideIT, rd: f.reg("d"), rn: f.reg("d"), rm: f.reg("m")) }
    }

    private static func compare(_ op: Op) -> @Sendable (F) -> Decoded {
        { f in Decoded(op: op, flags: .setFlags, rn: f.reg("d"), rm: f.reg("m")) }
    }

    /// LSL/LSR/ASR/ROR (register): MOV Rdn, Rdn, <shift> Rm.
    private static func shiftRegister(_ type: ShiftType) -> @Sendable (F) -> Decoded {
        { f in
            Decoded(op: .mov, flags: [.setFlagsOutsideIT, .registerShift], rd: f.reg("d"), rm: f.reg("d"),
                    ra: f.reg("m"), shiftType: type.rawValue)
        }
    }

    // MARK: Load/store single data item (A6.2.4)

    private static func loadStoreRegister(_ op: Op) -> @Sendable (F) -> Decoded {
        { f in
            Decoded(op: op, flags: [.index, .add], rd: f.reg("t"), rn: f.reg("n"), rm: f.reg("m"),
                    shiftType: ShiftType.lsl.rawValue)
        }
    }

    private static func loadStoreImmediate(_ op: Op, scale: UInt32) -> @Sendable (F) -> Decoded {
        { f in
            Decoded(op: op, flags: [.index, .add, .immediate], rd: f.reg("t"), rn: f.reg("n"), imm: f["i"] * scale)
        }
    }

    private static func loadStoreSP(_ op: Op) -> @Sendable (F) -> Decoded {
        { f in Decoded(op: op, flags: [.index, .add, .immediate], rd: f.reg("t"), rn: 13, imm: f["i"] * 4) }
    }

    private static func extend(_ op: Op) -> @Sendable (F) -> Decoded {
        { f in Decoded(op: op, rd: f.reg("d"), rn: 15, rm: f.reg("m")) }
    }

    private static func reverse(_ op: Op) -> @Sendable (F) -> Decoded {
        { f in Decoded(op: op, rd: f.reg("d"), rm: f.reg("m")) }
    }

    private static func hint(_ op: Op) -> @Sendable (F) -> Decoded {
        { _ in Decoded(op: op) }
    }

    /// The rows in table order (the ARM ARM's); `table` holds them in match order.
    public static let rows: [ThumbRow] = [
        // Shift (immediate), add, subtract, move, and compare
        ThumbRow("LSL (immediate) T1", "000 00 iiiii mmm ddd", shiftImmediate(0)),
        ThumbRow("LSR (immediate) T1", "000 01 iiiii mmm ddd", shiftImmediate(1)),
        ThumbRow("ASR (immediate) T1", "000 10 iiiii mmm ddd", shiftImmediate(2)),
        ThumbRow("ADD (register) T1", "000 1100 mmm nnn ddd", threeRegister(.add)),
        ThumbRow("SUB (register) T1", "000 1101 mmm nnn ddd", threeRegister(.sub)),
        ThumbRow("ADD (immediate) T1", "000 1110 iii nnn ddd", immediate3(.add)),
        ThumbRow("SUB (immediate) T1", "000 1111 iii nnn ddd", immediate3(.sub)),
        ThumbRow("MOV (immediate) T1", "001 00 ddd iiiiiiii") { f in
            Decoded(op: .mov, flags: [.setFlagsOutsideIT, .immediate], rd: f.reg("d"), imm: f["i"])
        },
        ThumbRow("CMP (immediate) T1", "001 01 ddd iiiiiiii") { f in
            Decoded(op: .cmp, flags: [.setFlags, .immediate], rn: f.reg("d"), imm: f["i"])
        },
        ThumbRow("ADD (immediate) T2", "001 10 ddd iiiiiiii", immediate8(.add)),
        ThumbRow("SUB (immediate) T2", "001 11 ddd iiiiiiii", immediate8(.sub)),

        // Data processing
        ThumbRow("AND (register) T1", "010000 0000 mmm ddd", dataProcessing(.and)),
        ThumbRow("EOR (register) T1", "010000 0001 mmm ddd", dataProcessing(.eor)),
        ThumbRow("LSL (register) T1", "010000 0010 mmm ddd", shiftRegister(.lsl)),
        ThumbRow("LSR (register) T1", "010000 0011 mmm ddd", shiftRegister(.lsr)),
        ThumbRow("ASR (register) T1", "010000 0100 mmm ddd", shiftRegister(.asr)),
        ThumbRow("ADC (register) T1", "010000 0101 mmm ddd", dataProcessing(.adc)),
        ThumbRow("SBC (register) T1", "010000 0110 mmm ddd", dataProcessing(.sbc)),
        ThumbRow("ROR (register) T1", "010000 0111 mmm ddd", shiftRegister(.ror)),
        ThumbRow("TST (register) T1", "010000 1000 mmm ddd", compare(.tst)),
        ThumbRow("RSB (immediate) T1", "010000 1001 nnn ddd") { f in
            Decoded(op: .rsb, flags: [.setFlagsOutsideIT, .immediate], rd: f.reg("d"), rn: f.reg("n"), imm: 0)
        },
        ThumbRow("CMP (register) T1", "010000 1010 mmm ddd", compare(.cmp)),
        ThumbRow("CMN (register) T1", "010000 1011 mmm ddd", compare(.cmn)),
        ThumbRow("ORR (register) T1", "010000 1100 mmm ddd", dataProcessing(.orr)),
        ThumbRow("MUL T1", "010000 1101 nnn ddd") { f in
            Decoded(op: .mul, flags: .setFlagsOutsideIT, rd: f.reg("d"), rn: f.reg("n"), rm: f.reg("d"))
        },
        ThumbRow("BIC (register) T1", "010000 1110 mmm ddd", dataProcessing(.bic)),
        ThumbRow("MVN (register) T1", "010000 1111 mmm ddd") { f in
            Decoded(op: .mvn, flags: .setFlagsOutsideIT, rd: f.reg("d"), rm: f.reg("m"))
        },

        // Special data instructions and branch and exchange
        ThumbRow("ADD (register) T2", "01000100 d mmmm ddd") { f in
            Decoded(op: .add, rd: f.reg("d"), rn: f.reg("d"), rm: f.reg("m"))
        },
        ThumbRow("CMP (register) T2", "01000101 n mmmm nnn") { f in
            Decoded(op: .cmp, flags: .setFlags, rn: f.reg("n"), rm: f.reg("m"))
        },
        ThumbRow("MOV (register) T1", "01000110 d mmmm ddd") { f in
            Decoded(op: .mov, rd: f.reg("d"), rm: f.reg("m"))
        },
        ThumbRow("BX T1", "010001110 mmmm ---") { f in Decoded(op: .bx, rm: f.reg("m")) },
        ThumbRow("BLX (register) T1", "010001111 mmmm ---") { f in Decoded(op: .blxRegister, rm: f.reg("m")) },

        // Load from literal pool
        ThumbRow("LDR (literal) T1", "01001 ttt iiiiiiii") { f in
            Decoded(op: .ldr, flags: [.index, .add, .immediate], rd: f.reg("t"), rn: 15, imm: f["i"] * 4)
        },

        // Load/store single data item
        ThumbRow("STR (register) T1", "0101 000 mmm nnn ttt", loadStoreRegister(.str)),
        ThumbRow("STRH (register) T1", "0101 001 mmm nnn ttt", loadStoreRegister(.strh)),
        ThumbRow("STRB (register) T1", "0101 010 mmm nnn ttt", loadStoreRegister(.strb)),
        ThumbRow("LDRSB (register) T1", "0101 011 mmm nnn ttt", loadStoreRegister(.ldrsb)),
        ThumbRow("LDR (register) T1", "0101 100 mmm nnn ttt", loadStoreRegister(.ldr)),
        ThumbRow("LDRH (register) T1", "0101 101 mmm nnn ttt", loadStoreRegister(.ldrh)),
        ThumbRow("LDRB (register) T1", "0101 110 mmm nnn ttt", loadStoreRegister(.ldrb)),
        ThumbRow("LDRSH (register) T1", "0101 111 mmm nnn ttt", loadStoreRegister(.ldrsh)),
        ThumbRow("STR (immediate) T1", "0110 0 iiiii nnn ttt", loadStoreImmediate(.str, scale: 4)),
        ThumbRow("LDR (immediate) T1", "0110 1 iiiii nnn ttt", loadStoreImmediate(.ldr, scale: 4)),
        ThumbRow("STRB (immediate) T1", "0111 0 iiiii nnn ttt", loadStoreImmediate(.strb, scale: 1)),
        ThumbRow("LDRB (immediate) T1", "0111 1 iiiii nnn ttt", loadStoreImmediate(.ldrb, scale: 1)),
        ThumbRow("STRH (immediate) T1", "1000 0 iiiii nnn ttt", loadStoreImmediate(.strh, scale: 2)),
        ThumbRow("LDRH (immediate) T1", "1000 1 iiiii nnn ttt", loadStoreImmediate(.ldrh, scale: 2)),
        ThumbRow("STR (immediate) T2", "1001 0 ttt iiiiiiii", loadStoreSP(.str)),
        ThumbRow("LDR (immediate) T2", "1001 1 ttt iiiiiiii", loadStoreSP(.ldr)),

        // Generate PC-relative / SP-relative address
        ThumbRow("ADR T1", "10100 ddd iiiiiiii") { f in
            Decoded(op: .adr, rd: f.reg("d"), rn: 15, imm: f["i"] * 4)
        },
        ThumbRow("ADD (SP plus immediate) T1", "10101 ddd iiiiiiii") { f in
            Decoded(op: .add, flags: .immediate, rd: f.reg("d"), rn: 13, imm: f["i"] * 4)
        },

        // Miscellaneous 16-bit instructions (A6.2.5)
        ThumbRow("ADD (SP plus immediate) T2", "1011 0000 0 iiiiiii") { f in
            Decoded(op: .add, flags: .immediate, rd: 13, rn: 13, imm: f["i"] * 4)
        },
        ThumbRow("SUB (SP minus immediate) T1", "1011 0000 1 iiiiiii") { f in
            Decoded(op: .sub, flags: .immediate, rd: 13, rn: 13, imm: f["i"] * 4)
        },
        ThumbRow("CBZ T1", "1011 0 0 i 1 iiiii nnn") { f in Decoded(op: .cbz, rn: f.reg("n"), imm: f["i"] << 1) },
        ThumbRow("CBNZ T1", "1011 1 0 i 1 iiiii nnn") { f in Decoded(op: .cbnz, rn: f.reg("n"), imm: f["i"] << 1) },
        ThumbRow("SXTH T1", "1011 0010 00 mmm ddd", extend(.sxth)),
        ThumbRow("SXTB T1", "1011 0010 01 mmm ddd", extend(.sxtb)),
        ThumbRow("UXTH T1", "1011 0010 10 mmm ddd", extend(.uxth)),
        ThumbRow("UXTB T1", "1011 0010 11 mmm ddd", extend(.uxtb)),
        ThumbRow("PUSH T1", "1011 010 m rrrrrrrr") { f in
            // STMDB SP!, {registers, LR if M}
            Decoded(op: .stm, flags: [.index, .writeBack], rn: 13, imm: f["r"] | f["m"] << 14)
        },
        ThumbRow("SETEND T1", "1011 0110 010 1 e ---") { f in Decoded(op: .setend, aux: UInt8(f["e"])) },
        ThumbRow("CPS T1", "1011 0110 011 m 0 aif") { f in
            // aux (as the CPS executor reads it): bit 2 = A, bit 1 = I, bit 0 = F to change; bit 4 = disable
            // (CPSID, im = 1). No mode change from T1.
            Decoded(op: .cps, aux: UInt8(f["a"] << 2 | f["i"] << 1 | f["f"] | f["m"] << 4))
        },
        ThumbRow("REV T1", "1011 1010 00 mmm ddd", reverse(.rev)),
        ThumbRow("REV16 T1", "1011 1010 01 mmm ddd", reverse(.rev16)),
        ThumbRow("REVSH T1", "1011 1010 11 mmm ddd", reverse(.revsh)),
        ThumbRow("POP T1", "1011 110 p rrrrrrrr") { f in
            // LDMIA SP!, {registers, PC if P}
            Decoded(op: .ldm, flags: [.add, .writeBack], rn: 13, imm: f["r"] | f["p"] << 15)
        },
        ThumbRow("BKPT T1", "1011 1110 iiiiiiii") { f in Decoded(op: .bkpt, imm: f["i"]) },
        ThumbRow("IT T1", "1011 1111 cccc mmmm") { f in
            // mask = 0000 is a hint (rows below, more specific); firstcond = 1111, or 1110 with more than one
            // instruction in the block, is UNPREDICTABLE (A8.8.55).
            let firstcond = f["c"], mask = f["m"]
            if firstcond == 0b1111 || (firstcond == 0b1110 && mask.nonzeroBitCount != 1) {
                return Decoded(op: .unpredictable)
            }
            return Decoded(op: .it, imm: firstcond << 4 | mask)
        },
        ThumbRow("NOP T1", "1011 1111 0000 0000", hint(.nop)),
        ThumbRow("YIELD T1", "1011 1111 0001 0000", hint(.yield)),
        ThumbRow("WFE T1", "1011 1111 0010 0000", hint(.wfe)),
        ThumbRow("WFI T1", "1011 1111 0011 0000", hint(.wfi)),
        ThumbRow("SEV T1", "1011 1111 0100 0000", hint(.sev)),
        // Other hint encodings with mask = 0000 behave as NOP (A6.2.5, "unallocated hints").
        ThumbRow("hint (unallocated) T1", "1011 1111 ---- 0000", hint(.nop)),

        // Load/store multiple
        ThumbRow("STM T1", "1100 0 nnn rrrrrrrr") { f in
            Decoded(op: .stm, flags: [.add, .writeBack], rn: f.reg("n"), imm: f["r"])
        },
        ThumbRow("LDM T1", "1100 1 nnn rrrrrrrr") { f in
            // Writeback unless the base is in the list (then the loaded value wins).
            let n = f.reg("n"), list = f["r"]
            let wb: DecodedFlags = list >> UInt32(n) & 1 == 0 ? [.add, .writeBack] : [.add]
            return Decoded(op: .ldm, flags: wb, rn: n, imm: list)
        },

        // Conditional branch, and Supervisor Call
        ThumbRow("B T1", "1101 cccc iiiiiiii") { f in
            Decoded(op: .b, cond: UInt8(f["c"]), imm: ThumbPseudocode.signExtend(f["i"] << 1, bits: 9))
        },
        ThumbRow("UDF T1", "1101 1110 iiiiiiii") { f in Decoded(op: .udf, imm: f["i"]) },
        ThumbRow("SVC T1", "1101 1111 iiiiiiii") { f in Decoded(op: .svc, imm: f["i"]) },

        // Unconditional branch
        ThumbRow("B T2", "11100 iiiiiiiiiii") { f in
            Decoded(op: .b, imm: ThumbPseudocode.signExtend(f["i"] << 1, bits: 12))
        },
    ]
}
