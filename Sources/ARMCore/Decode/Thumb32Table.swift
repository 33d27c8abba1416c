/// The 32-bit T32 (Thumb-2) integer encodings (ARM ARM A6.3), one row each, under the ARM ARM's headings.
///
/// Patterns are `hw1 | hw2`, most significant bit first (see `ThumbTableRow`). Rows that are special cases of
/// others (TST is ANDS with Rd = 1111, MOV is ORR with Rn = 1111, MUL is MLA with Ra = 1111...) fix more bits,
/// and the table tries the most specific rows first, so their order here is the ARM ARM's, not a priority.
///
/// Conventions (see `Decoded.swift`): `cond` is AL except for B<c> T3; immediates arrive expanded
/// (ThumbExpandImm, DecodeImmShift); branch offsets are signed and relative to PC = address + 4 (BLX immediate
/// to Align(PC, 4)); Rn = 15 in a load is the literal form, based at Align(PC, 4). T32 has no register-shifted
/// register operand except in LSL/LSR/ASR/ROR (register). VFP/NEON and coprocessors other than CP14/CP15 are
/// left unmatched: Undefined.
public enum Thumb32Table {
    typealias F = ThumbFields
    typealias P = ThumbPseudocode

    public static let table = ThumbTable(width: 4, rows)

    public static func decode(_ hw1: UInt16, _ hw2: UInt16) -> Decoded { table.decode(UInt32(hw1) << 16 | UInt32(hw2)) }

    // MARK: Data processing (modified immediate), A6.3.1

    /// Logical operations take the carry of a rotated immediate (`.immediateCarry`); arithmetic ones do not.
    private static func modifiedImmediate(_ op: Op, logical: Bool, hasRd: Bool = true, hasRn: Bool = true)
        -> @Sendable (F) -> Decoded {
        { f in
            guard let (value, rotated) = P.thumbExpandImmC(f["i"]) else { return Decoded(op: .unpredictable) }
            var flags: DecodedFlags = .immediate
            if !hasRd || f.bit("s") { flags.insert(.setFlags) }
            if logical && rotated { flags.insert(.immediateCarry) }
            return Decoded(op: op, flags: flags, rd: hasRd ? f.reg("d") : 0, rn: hasRn ? f.reg("n") : 0, imm: value)
        }
    }

    private static let modifiedImmediateRows: [ThumbRow] = [
        ThumbRow("AND (immediate) T1", "11110 i 0 0000 s nnnn | 0 iii dddd iiiiiiii", modifiedImmediate(.and, logical: true)),
        ThumbRow("TST (immediate) T1", "11110 i 0 0000 1 nnnn | 0 iii 1111 iiiiiiii", modifiedImmediate(.tst, logical: true, hasRd: false)),
        ThumbRow("BIC (immediate) T1", "11110 i 0 0001 s nnnn | 0 iii dddd iiiiiiii", modifiedImmediate(.bic, logical: true)),
        ThumbRow("ORR (immediate) T1", "11110 i 0 0010 s nnnn | 0 iii dddd iiiiiiii", modifiedImmediate(.orr, logical: true)),
        ThumbRow("MOV (immediate) T2", "11110 i 0 0010 s 1111 | 0 iii dddd iiiiiiii", modifiedImmediate(.mov, logical: true, hasRn: false)),
        ThumbRow("ORN (immediate) T1", "11110 i 0 0011 s nnnn | 0 iii dddd iiiiiiii", modifiedImmediate(.orn, logical: true)),
        ThumbRow("MVN (immediate) T1", "11110 i 0 0011 s 1111 | 0 iii dddd iiiiiiii", modifiedImmediate(.mvn, logical: true, hasRn: false)),
        ThumbRow("EOR (immediate) T1", "11110 i 0 0100 s nnnn | 0 iii dddd iiiiiiii", modifiedImmediate(.eor, logical: true)),
        ThumbRow("TEQ (immediate) T1", "11110 i 0 0100 1 nnnn | 0 iii 1111 iiiiiiii", modifiedImmediate(.teq, logical: true, hasRd: false)),
        ThumbRow("ADD (immediate) T3", "11110 i 0 1000 s nnnn | 0 iii dddd iiiiiiii", modifiedImmediate(.add, logical: false)),
        ThumbRow("CMN (immediate) T1", "11110 i 0 1000 1 nnnn | 0 iii 1111 iiiiiiii", modifiedImmediate(.cmn, logical: false, hasRd: false)),
        ThumbRow("ADC (immediate) T1", "11110 i 0 1010 s nnnn | 0 iii dddd iiiiiiii", modifiedImmediate(.adc, logical: false)),
        ThumbRow("SBC (immediate) T1", "11110 i 0 1011 s nnnn | 0 iii dddd iiiiiiii", modifiedImmediate(.sbc, logical: false)),
        ThumbRow("SUB (immediate) T3", "11110 i 0 1101 s nnnn | 0 iii dddd iiiiiiii", modifiedImmediate(.sub, logical: false)),
        ThumbRow("CMP (immediate) T2", "11110 i 0 1101 1 nnnn | 0 iii 1111 iiiiiiii", modifiedImmediate(.cmp, logical: false, hasRd: false)),
        ThumbRow("RSB (immediate) T2", "11110 i 0 1110 s nnnn | 0 iii dddd iiiiiiii", modifiedImmediate(.rsb, logical: false)),
    ]

    // MARK: Data processing (plain binary immediate), A6.3.3

    private static func saturate(_ op: Op, plusOne: Bool) -> @Sendable (F) -> Decoded {
        { f in
            let (type, amount) = P.decodeImmShift(f["h"] << 1, f["i"])
            return Decoded(op: op, rd: f.reg("d"), rn: f.reg("n"), shiftType: type.rawValue, shiftAmount: amount,
                           imm: f["k"] + (plusOne ? 1 : 0))
        }
    }

    private static func saturate16(_ op: Op, plusOne: Bool) -> @Sendable (F) -> Decoded {
        { f in Decoded(op: op, rd: f.reg("d"), rn: f.reg("n"), imm: f["k"] + (plusOne ? 1 : 0)) }
    }

    private static func bitFieldExtract(_ op: Op) -> @Sendable (F) -> Decoded {
        { f in
            let lsb = f["i"], width = f["w"] + 1
            if lsb + width > 32 { return Decoded(op: .unpredictable) }
            return Decoded(op: op, rd: f.reg("d"), rn: f.reg("n"), shiftAmount: UInt8(lsb), aux: UInt8(width))
        }
    }

    private static func bitFieldInsert(_ op: Op) -> @Sendable (F) -> Decoded {
        { f in
            let lsb = f["i"], msb = f["m"]
            if msb < lsb { return Decoded(op: .unpredictable) }
            return Decoded(op: op, rd: f.reg("d"), rn: op == .bfc ? 0 : f.reg("n"), shiftAmount: UInt8(lsb),
                           aux: UInt8(msb - lsb + 1))
        }
    }

    private static let plainImmediateRows: [ThumbRow] = [
        ThumbRow("ADD (immediate) T4", "11110 i 1 0000 0 nnnn | 0 iii dddd iiiiiiii") { f in
            Decoded(op: .add, flags: .immediate, rd: f.reg("d"), rn: f.reg("n"), imm: f["i"])
        },
        ThumbRow("ADR T3", "11110 i 1 0000 0 1111 | 0 iii dddd iiiiiiii") { f in
            Decoded(op: .adr, rd: f.reg("d"), rn: 15, imm: f["i"])
        },
        ThumbRow("MOVW T3", "11110 i 1 0010 0 jjjj | 0 iii dddd iiiiiiii") { f in
            Decoded(op: .movw, rd: f.reg("d"), imm: f["j"] << 12 | f["i"])
        },
        ThumbRow("SUB (immediate) T4", "11110 i 1 0101 0 nnnn | 0 iii dddd iiiiiiii") { f in
            Decoded(op: .sub, flags: .immediate, rd: f.reg("d"), rn: f.reg("n"), imm: f["i"])
        },
        ThumbRow("ADR T2", "11110 i 1 0101 0 1111 | 0 iii dddd iiiiiiii") { f in
            Decoded(op: .adr, rd: f.reg("d"), rn: 15, imm: 0 &- f["i"])
        },
        ThumbRow("MOVT T1", "11110 i 1 0110 0 jjjj | 0 iii dddd iiiiiiii") { f in
            Decoded(op: .movt, rd: f.reg("d"), imm: f["j"] << 12 | f["i"])
        },
        ThumbRow("SSAT T1", "11110 0 1 100 h 0 nnnn | 0 iii dddd ii 0 kkkkk", saturate(.ssat, plusOne: true)),
        ThumbRow("SSAT16 T1", "11110 0 1 1001 0 nnnn | 0 000 dddd 00 00 kkkk", saturate16(.ssat16, plusOne: true)),
        ThumbRow("SBFX T1", "11110 0 1 1010 0 nnnn | 0 iii dddd ii 0 wwwww", bitFieldExtract(.sbfx)),
        ThumbRow("BFI T1", "11110 0 1 1011 0 nnnn | 0 iii dddd ii 0 mmmmm", bitFieldInsert(.bfi)),
        ThumbRow("BFC T1", "11110 0 1 1011 0 1111 | 0 iii dddd ii 0 mmmmm", bitFieldInsert(.bfc)),
        ThumbRow("USAT T1", "11110 0 1 110 h 0 nnnn | 0 iii dddd ii 0 kkkkk", saturate(.usat, plusOne: false)),
        ThumbRow("USAT16 T1", "11110 0 1 1101 0 nnnn | 0 000 dddd 00 00 kkkk", saturate16(.usat16, plusOne: false)),
        ThumbRow("UBFX T1", "11110 0 1 1110 0 nnnn | 0 iii dddd ii 0 wwwww", bitFieldExtract(.ubfx)),
    ]

    // MARK: Data processing (shifted register), A6.3.11

    private static func shiftedRegister(_ op: Op, hasRd: Bool = true, hasRn: Bool = true) -> @Sendable (F) -> Decoded {
        { f in
            let (type, amount) = P.decodeImmShift(f["t"], f["i"])
            var flags: DecodedFlags = []
            if !hasRd || f.bit("s") { flags.insert(.setFlags) }
            return Decoded(op: op, flags: flags, rd: hasRd ? f.reg("d") : 0, rn: hasRn ? f.reg("n") : 0,
                           rm: f.reg("m"), shiftType: type.rawValue, shiftAmount: amount)
        }
    }

    private static let shiftedRegisterRows: [ThumbRow] = [
        ThumbRow("AND (register) T2", "1110101 0000 s nnnn | 0 iii dddd ii tt mmmm", shiftedRegister(.and)),
        ThumbRow("TST (register) T2", "1110101 0000 1 nnnn | 0 iii 1111 ii tt mmmm", shiftedRegister(.tst, hasRd: false)),
        ThumbRow("BIC (register) T2", "1110101 0001 s nnnn | 0 iii dddd ii tt mmmm", shiftedRegister(.bic)),
        ThumbRow("ORR (register) T2", "1110101 0010 s nnnn | 0 iii dddd ii tt mmmm", shiftedRegister(.orr)),
        // MOV (register) T3 and LSL/LSR/ASR/ROR/RRX (immediate) T2 are this one encoding.
        ThumbRow("MOV (shifted register) T3", "1110101 0010 s 1111 | 0 iii dddd ii tt mmmm", shiftedRegister(.mov, hasRn: false)),
        ThumbRow("ORN (register) T1", "1110101 0011 s nnnn | 0 iii dddd ii tt mmmm", shiftedRegister(.orn)),
        ThumbRow("MVN (register) T2", "1110101 0011 s 1111 | 0 iii dddd ii tt mmmm", shiftedRegister(.mvn, hasRn: false)),
        ThumbRow("EOR (register) T2", "1110101 0100 s nnnn | 0 iii dddd ii tt mmmm", shiftedRegister(.eor)),
        ThumbRow("TEQ (register) T1", "1110101 0100 1 nnnn | 0 iii 1111 ii tt mmmm", shiftedRegister(.teq, hasRd: false)),
        ThumbRow("PKHBT, PKHTB T1", "1110101 0110 0 nnnn | 0 iii dddd ii b 0 mmmm") { f in
            let tb = f.bit("b")
            let (type, amount) = P.decodeImmShift(tb ? 2 : 0, f["i"])
            return Decoded(op: tb ? .pkhtb : .pkhbt, rd: f.reg("d"), rn: f.reg("n"), rm: f.reg("m"),
                           shiftType: type.rawValue, shiftAmount: amount)
        },
        ThumbRow("ADD (register) T3", "1110101 1000 s nnnn | 0 iii dddd ii tt mmmm", shiftedRegister(.add)),
        ThumbRow("CMN (register) T2", "1110101 1000 1 nnnn | 0 iii 1111 ii tt mmmm", shiftedRegister(.cmn, hasRd: false)),
        ThumbRow("ADC (register) T2", "1110101 1010 s nnnn | 0 iii dddd ii tt mmmm", shiftedRegister(.adc)),
        ThumbRow("SBC (register) T2", "1110101 1011 s nnnn | 0 iii dddd ii tt mmmm", shiftedRegister(.sbc)),
        ThumbRow("SUB (register) T2", "1110101 1101 s nnnn | 0 iii dddd ii tt mmmm", shiftedRegister(.sub)),
        ThumbRow("CMP (register) T3", "1110101 1101 1 nnnn | 0 iii 1111 ii tt mmmm", shiftedRegister(.cmp, hasRd: false)),
        ThumbRow("RSB (register) T1", "1110101 1110 s nnnn | 0 iii dddd ii tt mmmm", shiftedRegister(.rsb)),
    ]

    // MARK: Data processing (register), A6.3.12; parallel add/subtract, A6.3.13-14; miscellaneous, A6.3.15

    private static func extend(_ plain: Op, _ accumulate: Op) -> @Sendable (F) -> Decoded {
        { f in
            let n = f.reg("n")
            return Decoded(op: n == 15 ? plain : accumulate, rd: f.reg("d"), rn: n, rm: f.reg("m"),
                           shiftAmount: UInt8(f["r"] * 8))
        }
    }

    private static func threeRegister(_ op: Op) -> @Sendable (F) -> Decoded {
        { f in Decoded(op: op, rd: f.reg("d"), rn: f.reg("n"), rm: f.reg("m")) }
    }

    private static func twoRegister(_ op: Op) -> @Sendable (F) -> Decoded {
        { f in Decoded(op: op, rd: f.reg("d"), rm: f.reg("m")) }
    }

    /// op1 (hw1 bits 6:4) to `ParallelOp` operation, op2 (hw2 bits 6:4) to prefix; nil = Undefined.
    private static let parallelOperation: [UInt32: UInt8] = [
        0b001: ParallelOp.add16, 0b010: ParallelOp.asx, 0b110: ParallelOp.sax, 0b101: ParallelOp.sub16,
        0b000: ParallelOp.add8, 0b100: ParallelOp.sub8,
    ]
    private static let parallelPrefix: [UInt32: UInt8] = [
        0b000: ParallelOp.signed, 0b001: ParallelOp.signedSaturating, 0b010: ParallelOp.signedHalving,
        0b100: ParallelOp.unsigned, 0b101: ParallelOp.unsignedSaturating, 0b110: ParallelOp.unsignedHalving,
    ]

    private static let registerRows: [ThumbRow] = [
        ThumbRow("LSL/LSR/ASR/ROR (register) T2", "11111010 0 tt s nnnn | 1111 dddd 0000 mmmm") { f in
            Decoded(op: .mov, flags: f.bit("s") ? [.setFlags, .registerShift] : .registerShift, rd: f.reg("d"),
                    rm: f.reg("n"), ra: f.reg("m"), shiftType: UInt8(f["t"]))
        },
        ThumbRow("SXTAH, SXTH T1/T2", "11111010 0000 nnnn | 1111 dddd 10 rr mmmm", extend(.sxth, .sxtah)),
        ThumbRow("UXTAH, UXTH T1/T2", "11111010 0001 nnnn | 1111 dddd 10 rr mmmm", extend(.uxth, .uxtah)),
        ThumbRow("SXTAB16, SXTB16 T1", "11111010 0010 nnnn | 1111 dddd 10 rr mmmm", extend(.sxtb16, .sxtab16)),
        ThumbRow("UXTAB16, UXTB16 T1", "11111010 0011 nnnn | 1111 dddd 10 rr mmmm", extend(.uxtb16, .uxtab16)),
        ThumbRow("SXTAB, SXTB T1/T2", "11111010 0100 nnnn | 1111 dddd 10 rr mmmm", extend(.sxtb, .sxtab)),
        ThumbRow("UXTAB, UXTB T1/T2", "11111010 0101 nnnn | 1111 dddd 10 rr mmmm", extend(.uxtb, .uxtab)),
        ThumbRow("parallel add/subtract T1", "11111010 1 ooo nnnn | 1111 dddd 0 ppp mmmm") { f in
            guard let operation = parallelOperation[f["o"]], let prefix = parallelPrefix[f["p"]] else {
                return Decoded(op: .undefined)
            }
            return Decoded(op: .parallel, rd: f.reg("d"), rn: f.reg("n"), rm: f.reg("m"),
                           aux: ParallelOp.aux(prefix: prefix, operation: operation))
        },
        ThumbRow("QADD T1", "11111010 1000 nnnn | 1111 dddd 1000 mmmm", threeRegister(.qadd)),
        ThumbRow("QDADD T1", "11111010 1000 nnnn | 1111 dddd 1001 mmmm", threeRegister(.qdadd)),
        ThumbRow("QSUB T1", "11111010 1000 nnnn | 1111 dddd 1010 mmmm", threeRegister(.qsub)),
        ThumbRow("QDSUB T1", "11111010 1000 nnnn | 1111 dddd 1011 mmmm", threeRegister(.qdsub)),
        // REV/REV16/RBIT/REVSH/CLZ encode Rm twice (hw1 bits 3:0 must equal hw2 bits 3:0).
        ThumbRow("REV T2", "11111010 1001 ---- | 1111 dddd 1000 mmmm", twoRegister(.rev)),
        ThumbRow("REV16 T2", "11111010 1001 ---- | 1111 dddd 1001 mmmm", twoRegister(.rev16)),
        ThumbRow("RBIT T1", "11111010 1001 ---- | 1111 dddd 1010 mmmm", twoRegister(.rbit)),
        ThumbRow("REVSH T2", "11111010 1001 ---- | 1111 dddd 1011 mmmm", twoRegister(.revsh)),
        ThumbRow("SEL T1", "11111010 1010 nnnn | 1111 dddd 1000 mmmm", threeRegister(.sel)),
        ThumbRow("CLZ T1", "11111010 1011 ---- | 1111 dddd 1000 mmmm", twoRegister(.clz)),
    ]

    // MARK: Multiply, multiply accumulate, absolute difference (A6.3.16); long multiply, divide (A6.3.17)

    private static func multiplyAccumulate(_ op: Op, aux: (@Sendable (F) -> UInt8)? = nil) -> @Sendable (F) -> Decoded {
        { f in
            Decoded(op: op, rd: f.reg("d"), rn: f.reg("n"), rm: f.reg("m"), ra: f.reg("a"), aux: aux?(f) ?? 0)
        }
    }

    private static func multiply(_ op: Op, aux: (@Sendable (F) -> UInt8)? = nil) -> @Sendable (F) -> Decoded {
        { f in Decoded(op: op, rd: f.reg("d"), rn: f.reg("n"), rm: f.reg("m"), aux: aux?(f) ?? 0) }
    }

    /// Long multiplies: rd = RdLo, ra = RdHi.
    private static func long(_ op: Op, aux: (@Sendable (F) -> UInt8)? = nil) -> @Sendable (F) -> Decoded {
        { f in Decoded(op: op, rd: f.reg("l"), rn: f.reg("n"), rm: f.reg("m"), ra: f.reg("h"), aux: aux?(f) ?? 0) }
    }

    /// SMLA<x><y> family: bit 0 = x (top half of Rn), bit 1 = y (top half of Rm).
    private static let xy: @Sendable (F) -> UInt8 = { f in UInt8(f["x"] | f["y"] << 1) }
    /// SMLAW<y>/SMULW<y>: bit 1 = y (top half of Rm).
    private static let wy: @Sendable (F) -> UInt8 = { f in UInt8(f["y"] << 1) }
    /// Dual and most-significant-word multiplies: bit 0 = X (swap Rm halves) or R (round).
    private static let xr: @Sendable (F) -> UInt8 = { f in UInt8(f["x"]) }

    private static let multiplyRows: [ThumbRow] = [
        ThumbRow("MLA T1", "11111011 0000 nnnn | aaaa dddd 0000 mmmm", multiplyAccumulate(.mla)),
        ThumbRow("MUL T2", "11111011 0000 nnnn | 1111 dddd 0000 mmmm", multiply(.mul)),
        ThumbRow("MLS T1", "11111011 0000 nnnn | aaaa dddd 0001 mmmm", multiplyAccumulate(.mls)),
        ThumbRow("SMLA<x><y> T1", "11111011 0001 nnnn | aaaa dddd 00 xy mmmm", multiplyAccumulate(.smlaxy, aux: xy)),
        ThumbRow("SMUL<x><y> T1", "11111011 0001 nnnn | 1111 dddd 00 xy mmmm", multiply(.smulxy, aux: xy)),
        ThumbRow("SMLAD T1", "11111011 0010 nnnn | aaaa dddd 000 x mmmm", multiplyAccumulate(.smlad, aux: xr)),
        ThumbRow("SMUAD T1", "11111011 0010 nnnn | 1111 dddd 000 x mmmm", multiply(.smuad, aux: xr)),
        ThumbRow("SMLAW<y> T1", "11111011 0011 nnnn | aaaa dddd 000 y mmmm", multiplyAccumulate(.smlawy, aux: wy)),
        ThumbRow("SMULW<y> T1", "11111011 0011 nnnn | 1111 dddd 000 y mmmm", multiply(.smulwy, aux: wy)),
        ThumbRow("SMLSD T1", "11111011 0100 nnnn | aaaa dddd 000 x mmmm", multiplyAccumulate(.smlsd, aux: xr)),
        ThumbRow("SMUSD T1", "11111011 0100 nnnn | 1111 dddd 000 x mmmm", multiply(.smusd, aux: xr)),
        ThumbRow("SMMLA T1", "11111011 0101 nnnn | aaaa dddd 000 x mmmm", multiplyAccumulate(.smmla, aux: xr)),
        ThumbRow("SMMUL T1", "11111011 0101 nnnn | 1111 dddd 000 x mmmm", multiply(.smmul, aux: xr)),
        ThumbRow("SMMLS T1", "11111011 0110 nnnn | aaaa dddd 000 x mmmm", multiplyAccumulate(.smmls, aux: xr)),
        ThumbRow("USADA8 T1", "11111011 0111 nnnn | aaaa dddd 0000 mmmm", multiplyAccumulate(.usada8)),
        ThumbRow("USAD8 T1", "11111011 0111 nnnn | 1111 dddd 0000 mmmm", multiply(.usad8)),

        ThumbRow("SMULL T1", "11111011 1000 nnnn | llll hhhh 0000 mmmm", long(.smull)),
        ThumbRow("SDIV T1", "11111011 1001 nnnn | 1111 dddd 1111 mmmm", multiply(.sdiv)),
        ThumbRow("UMULL T1", "11111011 1010 nnnn | llll hhhh 0000 mmmm", long(.umull)),
        ThumbRow("UDIV T1", "11111011 1011 nnnn | 1111 dddd 1111 mmmm", multiply(.udiv)),
        ThumbRow("SMLAL T1", "11111011 1100 nnnn | llll hhhh 0000 mmmm", long(.smlal)),
        ThumbRow("SMLAL<x><y> T1", "11111011 1100 nnnn | llll hhhh 10 xy mmmm", long(.smlalxy, aux: xy)),
        ThumbRow("SMLALD T1", "11111011 1100 nnnn | llll hhhh 110 x mmmm", long(.smlald, aux: xr)),
        ThumbRow("SMLSLD T1", "11111011 1101 nnnn | llll hhhh 110 x mmmm", long(.smlsld, aux: xr)),
        ThumbRow("UMLAL T1", "11111011 1110 nnnn | llll hhhh 0000 mmmm", long(.umlal)),
        ThumbRow("UMAAL T1", "11111011 1110 nnnn | llll hhhh 0110 mmmm", long(.umaal)),
    ]

    // MARK: Load/store single data item (A6.3.7-10), memory hints

    /// The five forms of one load/store: imm12, imm8 with P/U/W, unprivileged (T), register, and literal
    /// (loads only). `bits` are hw1 bits 8:4 (S U=x size L) written as "S.zzL" with the U position elided.
    private static func singleRows(_ name: String, signed: String, size: String, load: Bool,
                                   _ op: Op, unprivileged: Op) -> [ThumbRow] {
        let l = load ? "1" : "0"
        // Rn = 1111 selects the literal form whatever bits 11:6 of hw2 hold (A6.3.7), but the register form's
        // pattern fixes more bits than the literal one: the handlers route Rn = 15 here themselves.
        let literal: @Sendable (F) -> Decoded = { f in
            if !load { return Decoded(op: .undefined) }
            let add = f.raw >> 23 & 1 == 1   // U is hw1 bit 7 in every form
            return Decoded(op: op, flags: add ? [.index, .add, .immediate] : [.index, .immediate],
                           rd: f.reg("t"), rn: 15, imm: f.raw & 0xFFF)
        }
        var rows = [
            ThumbRow("\(name) (immediate, imm12)", "1111100 \(signed) 1 \(size) \(l) nnnn | tttt iiiiiiiiiiii") { f in
                let n = f.reg("n")
                if n == 15 { return literal(f) }
                return Decoded(op: op, flags: [.index, .add, .immediate], rd: f.reg("t"), rn: n, imm: f["i"])
            },
            ThumbRow("\(name) (immediate, imm8)", "1111100 \(signed) 0 \(size) \(l) nnnn | tttt 1 puw iiiiiiii") { f in
                let n = f.reg("n"), p = f.bit("p"), w = f.bit("w")
                if n == 15 { return literal(f) }
                if !p && !w { return Decoded(op: .undefined) }
                var flags: DecodedFlags = .immediate
                if p { flags.insert(.index) }
                if f.bit("u") { flags.insert(.add) }
                if w || !p { flags.insert(.writeBack) }
                return Decoded(op: op, flags: flags, rd: f.reg("t"), rn: n, imm: f["i"])
            },
            ThumbRow("\(name)T", "1111100 \(signed) 0 \(size) \(l) nnnn | tttt 1110 iiiiiiii") { f in
                let n = f.reg("n")
                if n == 15 { return literal(f) }
                return Decoded(op: unprivileged, flags: [.index, .add, .immediate], rd: f.reg("t"), rn: n, imm: f["i"])
            },
            ThumbRow("\(name) (register)", "1111100 \(signed) 0 \(size) \(l) nnnn | tttt 000000 ii mmmm") { f in
                let n = f.reg("n")
                if n == 15 { return literal(f) }
                return Decoded(op: op, flags: [.index, .add], rd: f.reg("t"), rn: n, rm: f.reg("m"),
                               shiftType: ShiftType.lsl.rawValue, shiftAmount: UInt8(f["i"]))
            },
        ]
        if load {
            rows.append(ThumbRow("\(name) (literal)", "1111100 \(signed) u \(size) 1 1111 | tttt iiiiiiiiiiii", literal))
        }
        return rows
    }

    /// PLD, PLDW, PLI and the unallocated LDRSH-space hints: loads with Rt = 1111 that only hint.
    private static func hintRows(_ name: String, signed: String, size: String, _ op: Op) -> [ThumbRow] {
        [
            ThumbRow("\(name) (immediate, imm12)", "1111100 \(signed) 1 \(size) 1 nnnn | 1111 iiiiiiiiiiii") { f in
                Decoded(op: op, flags: [.index, .add, .immediate], rn: f.reg("n"), imm: f["i"])
            },
            ThumbRow("\(name) (immediate, imm8)", "1111100 \(signed) 0 \(size) 1 nnnn | 1111 1100 iiiiiiii") { f in
                Decoded(op: op, flags: [.index, .immediate], rn: f.reg("n"), imm: f["i"])
            },
            ThumbRow("\(name) (literal)", "1111100 \(signed) u \(size) 1 1111 | 1111 iiiiiiiiiiii") { f in
                Decoded(op: op, flags: f.bit("u") ? [.index, .add, .immediate] : [.index, .immediate], rn: 15, imm: f["i"])
            },
            ThumbRow("\(name) (register)", "1111100 \(signed) 0 \(size) 1 nnnn | 1111 000000 ii mmmm") { f in
                if f.reg("n") == 15 {   // the literal form (see singleRows)
                    return Decoded(op: op, flags: f.raw >> 23 & 1 == 1 ? [.index, .add, .immediate] : [.index, .immediate],
                                   rn: 15, imm: f.raw & 0xFFF)
                }
                return Decoded(op: op, flags: [.index, .add], rn: f.reg("n"), rm: f.reg("m"),
                               shiftType: ShiftType.lsl.rawValue, shiftAmount: UInt8(f["i"]))
            },
        ]
    }

    private static let loadStoreRows: [ThumbRow] =
        singleRows("STRB", signed: "0", size: "00", load: false, .strb, unprivileged: .strbt)
        + singleRows("STRH", signed: "0", size: "01", load: false, .strh, unprivileged: .strht)
        + singleRows("STR", signed: "0", size: "10", load: false, .str, unprivileged: .strt)
        + singleRows("LDRB", signed: "0", size: "00", load: true, .ldrb, unprivileged: .ldrbt)
        + singleRows("LDRH", signed: "0", size: "01", load: true, .ldrh, unprivileged: .ldrht)
        + singleRows("LDR", signed: "0", size: "10", load: true, .ldr, unprivileged: .ldrt)
        + singleRows("LDRSB", signed: "1", size: "00", load: true, .ldrsb, unprivileged: .ldrsbt)
        + singleRows("LDRSH", signed: "1", size: "01", load: true, .ldrsh, unprivileged: .ldrsht)
        + hintRows("PLD", signed: "0", size: "00", .pld)
        + hintRows("PLDW", signed: "0", size: "01", .pld)
        + hintRows("PLI", signed: "1", size: "00", .pli)
        + hintRows("hint (unallocated, LDRSH space)", signed: "1", size: "01", .nop)

    // MARK: Load/store dual, exclusive, table branch (A6.3.6)

    private static let dualExclusiveRows: [ThumbRow] = [
        ThumbRow("STRD (immediate) T1", "1110100 p u 1 w 0 nnnn | tttt ssss iiiiiiii") { f in dual(.strd, f) },
        ThumbRow("LDRD (immediate) T1", "1110100 p u 1 w 1 nnnn | tttt ssss iiiiiiii") { f in dual(.ldrd, f) },
        ThumbRow("LDRD (literal) T1", "1110100 p u 1 w 1 1111 | tttt ssss iiiiiiii") { f in
            if f.bit("w") || !f.bit("p") { return Decoded(op: .unpredictable) }
            return Decoded(op: .ldrd, flags: f.bit("u") ? [.index, .add, .immediate] : [.index, .immediate],
                           rd: f.reg("t"), rn: 15, ra: f.reg("s"), imm: f["i"] << 2)
        },
        // Exclusives: `imm` carries the T32 LDREX/STREX word offset (imm8:00; A32 has none and leaves it 0).
        ThumbRow("STREX T1", "11101000 0100 nnnn | tttt dddd iiiiiiii") { f in
            Decoded(op: .strex, rd: f.reg("d"), rn: f.reg("n"), rm: f.reg("t"), imm: f["i"] << 2)
        },
        ThumbRow("LDREX T1", "11101000 0101 nnnn | tttt 1111 iiiiiiii") { f in
            Decoded(op: .ldrex, rd: f.reg("t"), rn: f.reg("n"), imm: f["i"] << 2)
        },
        ThumbRow("STREXB T1", "11101000 1100 nnnn | tttt 1111 0100 dddd") { f in
            Decoded(op: .strexb, rd: f.reg("d"), rn: f.reg("n"), rm: f.reg("t"))
        },
        ThumbRow("STREXH T1", "11101000 1100 nnnn | tttt 1111 0101 dddd") { f in
            Decoded(op: .strexh, rd: f.reg("d"), rn: f.reg("n"), rm: f.reg("t"))
        },
        ThumbRow("STREXD T1", "11101000 1100 nnnn | tttt ssss 0111 dddd") { f in
            Decoded(op: .strexd, rd: f.reg("d"), rn: f.reg("n"), rm: f.reg("t"), ra: f.reg("s"))
        },
        ThumbRow("TBB T1", "11101000 1101 nnnn | 1111 0000 0000 mmmm") { f in
            Decoded(op: .tbb, rn: f.reg("n"), rm: f.reg("m"))
        },
        ThumbRow("TBH T1", "11101000 1101 nnnn | 1111 0000 0001 mmmm") { f in
            Decoded(op: .tbh, rn: f.reg("n"), rm: f.reg("m"))
        },
        ThumbRow("LDREXB T1", "11101000 1101 nnnn | tttt 1111 0100 1111") { f in
            Decoded(op: .ldrexb, rd: f.reg("t"), rn: f.reg("n"))
        },
        ThumbRow("LDREXH T1", "11101000 1101 nnnn | tttt 1111 0101 1111") { f in
            Decoded(op: .ldrexh, rd: f.reg("t"), rn: f.reg("n"))
        },
        ThumbRow("LDREXD T1", "11101000 1101 nnnn | tttt ssss 0111 1111") { f in
            Decoded(op: .ldrexd, rd: f.reg("t"), rn: f.reg("n"), ra: f.reg("s"))
        },
    ]

    private static func dual(_ op: Op, _ f: F) -> Decoded {
        let p = f.bit("p"), w = f.bit("w")
        if !p && !w { return Decoded(op: .undefined) }   // the exclusive / table-branch space (rows above)
        if op == .strd && f.reg("n") == 15 { return Decoded(op: .unpredictable) }
        var flags: DecodedFlags = .immediate
        if p { flags.insert(.index) }
        if f.bit("u") { flags.insert(.add) }
        if w { flags.insert(.writeBack) }
        return Decoded(op: op, flags: flags, rd: f.reg("t"), rn: f.reg("n"), ra: f.reg("s"), imm: f["i"] << 2)
    }

    // MARK: Load/store multiple, SRS, RFE (A6.3.5)

    private static let multipleRows: [ThumbRow] = [
        ThumbRow("STM (STMIA) T2", "11101000 10 w 0 nnnn | 0 m 0 rrrrrrrrrrrrr") { f in
            Decoded(op: .stm, flags: f.bit("w") ? [.add, .writeBack] : .add, rn: f.reg("n"), imm: f["m"] << 14 | f["r"])
        },
        ThumbRow("LDM (LDMIA) T2", "11101000 10 w 1 nnnn | p m 0 rrrrrrrrrrrrr") { f in
            Decoded(op: .ldm, flags: f.bit("w") ? [.add, .writeBack] : .add, rn: f.reg("n"),
                    imm: f["p"] << 15 | f["m"] << 14 | f["r"])
        },
        ThumbRow("STMDB T1", "11101001 00 w 0 nnnn | 0 m 0 rrrrrrrrrrrrr") { f in
            Decoded(op: .stm, flags: f.bit("w") ? [.index, .writeBack] : .index, rn: f.reg("n"), imm: f["m"] << 14 | f["r"])
        },
        ThumbRow("LDMDB T1", "11101001 00 w 1 nnnn | p m 0 rrrrrrrrrrrrr") { f in
            Decoded(op: .ldm, flags: f.bit("w") ? [.index, .writeBack] : .index, rn: f.reg("n"),
                    imm: f["p"] << 15 | f["m"] << 14 | f["r"])
        },
        ThumbRow("SRS (DB) T1", "11101000 00 w 0 1101 | 1100 0000 000 mmmmm") { f in
            Decoded(op: .srs, flags: f.bit("w") ? [.index, .writeBack] : .index, imm: f["m"])
        },
        ThumbRow("SRS (IA) T2", "11101001 10 w 0 1101 | 1100 0000 000 mmmmm") { f in
            Decoded(op: .srs, flags: f.bit("w") ? [.add, .writeBack] : .add, imm: f["m"])
        },
        ThumbRow("RFE (DB) T1", "11101000 00 w 1 nnnn | 1100 0000 0000 0000") { f in
            Decoded(op: .rfe, flags: f.bit("w") ? [.index, .writeBack] : .index, rn: f.reg("n"))
        },
        ThumbRow("RFE (IA) T2", "11101001 10 w 1 nnnn | 1100 0000 0000 0000") { f in
            Decoded(op: .rfe, flags: f.bit("w") ? [.add, .writeBack] : .add, rn: f.reg("n"))
        },
    ]

    // MARK: Branches and miscellaneous control (A6.3.4)

    /// S:I1:I2:low, sign-extended, where I1 = NOT(J1 EOR S), I2 = NOT(J2 EOR S) (B T4, BL, BLX immediate).
    private static func branchOffset(_ f: F, low: UInt32, lowBits: Int) -> UInt32 {
        let s = f["s"], i1 = ~(f["j"] ^ s) & 1, i2 = ~(f["k"] ^ s) & 1
        let total = 3 + lowBits
        return P.signExtend(s << UInt32(total - 1) | i1 << UInt32(total - 2) | i2 << UInt32(total - 3) | low, bits: total)
    }

    private static func hint(_ op: Op) -> @Sendable (F) -> Decoded { { _ in Decoded(op: op) } }

    private static let branchRows: [ThumbRow] = [
        ThumbRow("B T3", "11110 s cccc iiiiii | 10 j 0 k iiiiiiiiiii") { f in
            let offset = f["s"] << 20 | f["k"] << 19 | f["j"] << 18 | f["i"] << 1
            return Decoded(op: .b, cond: UInt8(f["c"]), imm: P.signExtend(offset, bits: 21))
        },
        // cond = 111x in the B T3 space is the miscellaneous-control space (MSR...HVC/SMC/UDF): rows below,
        // or Undefined.
        ThumbRow("miscellaneous control (unallocated)", "11110 - 111 ------- | 10 - 0 ------------") { _ in
            Decoded(op: .undefined)
        },
        ThumbRow("B T4", "11110 s iiiiiiiiii | 10 j 1 k iiiiiiiiiii") { f in
            Decoded(op: .b, imm: branchOffset(f, low: (f["i"] & 0x1F_FFFF) << 1, lowBits: 22))
        },
        ThumbRow("BL T1", "11110 s iiiiiiiiii | 11 j 1 k iiiiiiiiiii") { f in
            Decoded(op: .bl, imm: branchOffset(f, low: (f["i"] & 0x1F_FFFF) << 1, lowBits: 22))
        },
        ThumbRow("BLX (immediate) T2", "11110 s iiiiiiiiii | 11 j 0 k iiiiiiiiii h") { f in
            if f.bit("h") { return Decoded(op: .undefined) }
            return Decoded(op: .blxImmediate, imm: branchOffset(f, low: (f["i"] & 0xF_FFFF) << 2, lowBits: 22))
        },
        ThumbRow("MSR (register) T1", "11110 0111 00 r nnnn | 10 - 0 mmmm --0- ----") { f in
            let mask = f["m"]
            if mask == 0 { return Decoded(op: .unpredictable) }
            return Decoded(op: .msrRegister, rm: f.reg("n"), aux: UInt8(f["r"] | mask << 4))
        },
        ThumbRow("MSR (banked register) T1", "11110 0111 00 r nnnn | 10 - 0 kkkk --1q ----") { f in
            Decoded(op: .msrBanked, rm: f.reg("n"), aux: UInt8(f["q"] << 4 | f["k"] | f["r"] << 5))
        },
        ThumbRow("CPS T2", "11110 0111 01 0 ---- | 10 - 0 - ee c aif mmmmm") { f in
            // aux: bit 2 = A, bit 1 = I, bit 0 = F to change; bit 3 = change mode; bit 4 = disable (imod = 11). imod = 01 is
            // UNPREDICTABLE; imod = 00 with M = 0 is the hint space (rows below).
            let imod = f["e"]
            if imod == 0b01 { return Decoded(op: .unpredictable) }
            let aif = imod == 0 ? 0 : f["a"] << 2 | f["i"] << 1 | f["f"]
            let aux = aif | f["c"] << 3 | (imod == 0b11 ? 1 << 4 : 0)
            return Decoded(op: .cps, aux: UInt8(aux), imm: f["c"] == 1 ? f["m"] : 0)
        },
        ThumbRow("NOP T2", "11110 0111 01 0 ---- | 10 - 0 - 000 00000000", hint(.nop)),
        ThumbRow("YIELD T2", "11110 0111 01 0 ---- | 10 - 0 - 000 00000001", hint(.yield)),
        ThumbRow("WFE T2", "11110 0111 01 0 ---- | 10 - 0 - 000 00000010", hint(.wfe)),
        ThumbRow("WFI T2", "11110 0111 01 0 ---- | 10 - 0 - 000 00000011", hint(.wfi)),
        ThumbRow("SEV T2", "11110 0111 01 0 ---- | 10 - 0 - 000 00000100", hint(.sev)),
        ThumbRow("DBG T1", "11110 0111 01 0 ---- | 10 - 0 - 000 1111 oooo") { f in Decoded(op: .dbg, imm: f["o"]) },
        // Other hint numbers are unallocated hints and execute as NOP (A6.3.4).
        ThumbRow("hint (unallocated) T2", "11110 0111 01 0 ---- | 10 - 0 - 000 --------", hint(.nop)),
        ThumbRow("CLREX T1", "11110 0111 01 1 ---- | 10 - 0 ---- 0010 ----", hint(.clrex)),
        ThumbRow("DSB T1", "11110 0111 01 1 ---- | 10 - 0 ---- 0100 oooo") { f in Decoded(op: .dsb, imm: f["o"]) },
        ThumbRow("DMB T1", "11110 0111 01 1 ---- | 10 - 0 ---- 0101 oooo") { f in Decoded(op: .dmb, imm: f["o"]) },
        ThumbRow("ISB T1", "11110 0111 01 1 ---- | 10 - 0 ---- 0110 oooo") { f in Decoded(op: .isb, imm: f["o"]) },
        ThumbRow("BXJ T1", "11110 0111 10 0 mmmm | 10 - 0 ---- ---- ----") { f in Decoded(op: .bxj, rm: f.reg("m")) },
        ThumbRow("SUBS PC, LR (ERET) T1", "11110 0111 10 1 1110 | 10 - 0 1111 iiiiiiii") { f in
            Decoded(op: .sub, flags: [.setFlags, .immediate], rd: 15, rn: 14, imm: f["i"])
        },
        ThumbRow("MRS T1", "11110 0111 11 r ---- | 10 - 0 dddd --0- ----") { f in
            Decoded(op: .mrs, rd: f.reg("d"), aux: UInt8(f["r"]))
        },
        ThumbRow("MRS (banked register) T1", "11110 0111 11 r kkkk | 10 - 0 dddd --1q ----") { f in
            Decoded(op: .mrsBanked, rd: f.reg("d"), aux: UInt8(f["q"] << 4 | f["k"] | f["r"] << 5))
        },
        ThumbRow("HVC T1", "11110 1111 110 jjjj | 10 0 0 iiiiiiiiiiii") { f in Decoded(op: .hvc, imm: f["j"] << 12 | f["i"]) },
        ThumbRow("SMC T1", "11110 1111 111 jjjj | 10 0 0 ------------") { f in Decoded(op: .smc, imm: f["j"]) },
        ThumbRow("UDF T2", "11110 1111 111 jjjj | 10 1 0 iiiiiiiiiiii") { f in Decoded(op: .udf, imm: f["j"] << 12 | f["i"]) },
    ]

    // MARK: Coprocessor (A6.3.18): CP14 and CP15 only; others (VFP/NEON at 10/11 included) are Undefined.

    private static func coprocessor(_ op: Op, _ f: F, rt2: UInt8 = 0, crn: UInt8 = 0, opc2: UInt8 = 0) -> Decoded {
        let coproc = f["c"]
        if coproc != 14 && coproc != 15 { return Decoded(op: .undefined) }
        return Decoded(op: op, rd: f.reg("t"), rn: rt2, rm: f.reg("m"), shiftType: opc2, shiftAmount: crn,
                       aux: UInt8(coproc), imm: f["o"])
    }

    private static let coprocessorRows: [ThumbRow] = [
        ThumbRow("MCR T1", "1110 1110 ooo 0 nnnn | tttt cccc ppp 1 mmmm") { f in
            coprocessor(.mcr, f, crn: f.reg("n"), opc2: f.reg("p"))
        },
        ThumbRow("MRC T1", "1110 1110 ooo 1 nnnn | tttt cccc ppp 1 mmmm") { f in
            coprocessor(.mrc, f, crn: f.reg("n"), opc2: f.reg("p"))
        },
        ThumbRow("MCRR T1", "1110 1100 0100 ssss | tttt cccc oooo mmmm") { f in coprocessor(.mcrr, f, rt2: f.reg("s")) },
        ThumbRow("MRRC T1", "1110 1100 0101 ssss | tttt cccc oooo mmmm") { f in coprocessor(.mrrc, f, rt2: f.reg("s")) },
    ]

    /// The rows in table order (the ARM ARM's); `table` holds them in match order.
    public static let rows: [ThumbRow] = modifiedImmediateRows + plainImmediateRows + shiftedRegisterRows + registerRows
        + multiplyRows + loadStoreRows + dualExclusiveRows + multipleRows + branchRows + coprocessorRows
}
