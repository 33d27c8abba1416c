/// Data-processing instructions (ARM ARM A5.2.1–A5.2.3, A8.8): AND … MVN, ORN, ADR, MOVW/MOVT, with every
/// shifter form (immediate, register shifted by immediate, register shifted by register).
extension CPU {
    /// The shifter operand and its carry-out (A8.4.1: shifted register, rotated immediate).
    @_transparent
    func shifterOperandC(_ d: DecodedRef) -> (UInt32, Bool) {
        if d.flags.has(.immediate) {
            return (d.imm, d.flags.has(.immediateCarry) ? d.imm >> 31 != 0 : state.c)
        }
        let m = r[Int(d.rm)]
        if d.flags.has(.registerShift) {
            let s = ARMPseudocode.Shift_C(m, d.shiftType, r[Int(d.ra)] & 0xFF, state.c)
            return (s.result, s.carry)
        }
        if d.shiftAmount == 0 { return (m, state.c) }
        let s = ARMPseudocode.Shift_C(m, d.shiftType, UInt32(d.shiftAmount), state.c)
        return (s.result, s.carry)
    }

    /// The shifter operand alone (no carry-out needed).
    @_transparent
    func shifterOperand(_ d: DecodedRef) -> UInt32 {
        if d.flags.has(.immediate) { return d.imm }
        let m = r[Int(d.rm)]
        if d.flags.has(.registerShift) {
            return ARMPseudocode.Shift(m, d.shiftType, r[Int(d.ra)] & 0xFF, state.c)
        }
        if d.shiftAmount == 0 && d.shiftType == 0 { return m }
        return ARMPseudocode.Shift(m, d.shiftType, UInt32(d.shiftAmount), state.c)
    }

    /// Writes an ALU result: to a register, or to the PC (ALUWritePC: interworking in ARM state, a plain
    /// branch in Thumb state); with S and Rd = PC, an exception return (CPSR ← SPSR; A8.8.1 "SUBS PC, LR").
    @_transparent
    func writeALUResult(_ rd: UInt8, _ value: UInt32, setFlags: Bool) -> Bool {
        if rd != 15 { r[Int(rd)] = value; return setFlags }
        if setFlags {
            // In user/system mode there is no SPSR: UNPREDICTABLE; we take the branch and leave CPSR alone.
            if state.mode.bank == 0 { aluWritePC(value) } else { exceptionReturn(to: value, spsr: state.spsr) }
            return false
        }
        aluWritePC(value)
        return false
    }

    /// Logical operations: AND, EOR, ORR, ORN, BIC, MOV, MVN, TST, TEQ (flags N, Z, C from the shifter).
    @_transparent
    func logical(_ d: DecodedRef, _ op: Op) {
        let s = d.flags.has(.setFlags) || op == .tst || op == .teq
        let (b, carry): (UInt32, Bool) = s ? shifterOperandC(d) : (shifterOperand(d), false)
        let a = r[Int(d.rn)]
        let result: UInt32
        switch op {
        case .and, .tst: result = a & b
        case .eor, .teq: result = a ^ b
        case .orr: result = a | b
        case .orn: result = a | ~b
        case .bic: result = a & ~b
        case .mov: result = b
        default: result = ~b // mvn
        }
        if op == .tst || op == .teq {
            state.n = result >> 31 != 0; state.z = result == 0; state.c = carry
            return
        }
        if writeALUResult(d.rd, result, setFlags: s) {
            state.n = result >> 31 != 0; state.z = result == 0; state.c = carry
        }
    }

    /// Arithmetic operations through AddWithCarry: ADD, ADC, SUB, SBC, RSB, RSC, CMP, CMN.
    @_transparent
    func arithmetic(_ d: DecodedRef, _ op: Op) {
        let b = shifterOperand(d)
        let a = r[Int(d.rn)]
        let s = d.flags.has(.setFlags)
        if !s && op != .cmp && op != .cmn {
            let result: UInt32
            switch op {
            case .add: result = a &+ b
            case .sub: result = a &- b
            case .rsb: result = b &- a
            case .adc: result = a &+ b &+ (state.c ? 1 : 0)
            case .sbc: result = a &+ ~b &+ (state.c ? 1 : 0)
            default: result = b &+ ~a &+ (state.c ? 1 : 0) // rsc
            }
            _ = writeALUResult(d.rd, result, setFlags: false)
            return
        }
        let r: (result: UInt32, carry: Bool, overflow: Bool)
        switch op {
        case .add, .cmn: r = ARMPseudocode.AddWithCarry(a, b, false)
        case .sub, .cmp: r = ARMPseudocode.AddWithCarry(a, ~b, true)
        case .rsb: r = ARMPseudocode.AddWithCarry(~a, b, true)
        case .adc: r = ARMPseudocode.AddWithCarry(a, b, state.c)
        case .sbc: r = ARMPseudocode.AddWithCarry(a, ~b, state.c)
        default: r = ARMPseudocode.AddWithCarry(~a, b, state.c) // rsc
        }
        if op == .cmp || op == .cmn || writeALUResult(d.rd, r.result, setFlags: true) {
            state.n = r.result >> 31 != 0; state.z = r.result == 0; state.c = r.carry; state.v = r.overflow
        }
    }

    /// ADR (T32): Rd = Align(PC, 4) + imm.
    @_transparent
    func adr(_ d: DecodedRef) {
        _ = writeALUResult(d.rd, (r[15] & ~3) &+ d.imm, setFlags: false)
    }

    /// MOVW: Rd = imm16. MOVT: Rd[31:16] = imm16.
    @_transparent
    func movw(_ d: DecodedRef) { r[Int(d.rd)] = d.imm }
    @_transparent
    func movt(_ d: DecodedRef) { r[Int(d.rd)] = (r[Int(d.rd)] & 0xFFFF) | d.imm << 16 }
}
