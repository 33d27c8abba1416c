/// MRS, MSR (immediate, register, banked), CPS, SRS, RFE, SETEND (ARM ARM A8.8.109 ff., B9.3).
extension CPU {
    /// The CPSR bits MRS returns: everything but the execution-state bits IT, J and T (B9.3.8).
    static var mrsMask: UInt32 { 0xF8FF_03DF }

    func mrs(_ d: DecodedRef) {
        r[Int(d.rd)] = d.aux & 1 != 0 ? state.spsr : state.cpsr & Self.mrsMask
    }

    /// MSR: `value` written under the byte mask in aux bits 4…7 (c, x, s, f).
    func msr(_ d: DecodedRef, value: UInt32) {
        let mask = d.aux >> 4
        if d.aux & 1 != 0 {
            // SPSR: every bit of the selected bytes (UNPREDICTABLE in user/system mode: ignored).
            guard state.mode.bank != 0 else { return }
            var bits: UInt32 = 0
            for k in 0..<4 where mask & (1 << k) != 0 { bits |= 0xFF << (8 * k) }
            state.spsr = (state.spsr & ~bits) | (value & bits)
            return
        }
        writeCPSRByInstruction(value, byteMask: mask)
    }

    /// CPSRWriteByInstr (B1.3.3) for MSR: flags and GE from any mode; A, I, F and the mode only when
    /// privileged; execution-state bits never (they change only on exception return). CPSR.E stays 0
    /// (big-endian data is not supported).
    func writeCPSRByInstruction(_ value: UInt32, byteMask: UInt8) {
        let privileged = state.mode.isPrivileged
        if byteMask & 8 != 0 {
            state.n = value & (1 << 31) != 0; state.z = value & (1 << 30) != 0
            state.c = value & (1 << 29) != 0; state.v = value & (1 << 28) != 0
            state.q = value & (1 << 27) != 0
        }
        if byteMask & 4 != 0 { state.ge = UInt8((value >> 16) & 0xF) }
        if byteMask & 2 != 0 && privileged { state.a = value & (1 << 8) != 0 }
        if byteMask & 1 != 0 && privileged {
            state.i = value & (1 << 7) != 0; state.f = value & (1 << 6) != 0
            if let m = ProcessorMode(rawValue: UInt8(value & 0x1F)) { state.switchMode(to: m) }
            fetchPage = TLB.invalid
        }
    }

    /// MRS/MSR (banked register): SYSm = aux bits 0…4, R = aux bit 5 (B9.3.9). Undefined from user mode or for
    /// a reserved SYSm.
    func bankedRegister(_ d: DecodedRef, write: Bool) {
        guard state.mode.isPrivileged, let (mode, reg) = Self.bankedTarget(sysm: d.aux & 0x1F, spsr: d.aux & 0x20 != 0) else {
            undefinedInstruction(); return
        }
        if reg == 16 {
            if write { state.spsrs[mode.bank] = r[Int(d.rm)] } else { r[Int(d.rd)] = state.spsrs[mode.bank] }
        } else if write {
            state.setRegister(reg, mode: mode, r[Int(d.rm)])
        } else {
            r[Int(d.rd)] = state.register(reg, mode: mode)
        }
    }

    /// SYSm → (mode, register number; 16 = SPSR).
    static func bankedTarget(sysm: UInt8, spsr: Bool) -> (ProcessorMode, Int)? {
        if spsr {
            switch sysm {
            case 0b01110: return (.fiq, 16)
            case 0b10000: return (.irq, 16)
            case 0b10010: return (.supervisor, 16)
            case 0b10100: return (.abort, 16)
            case 0b10110: return (.undefined, 16)
            default: return nil
            }
        }
        switch sysm {
        case 0...6: return (.user, 8 + Int(sysm))
        case 8...14: return (.fiq, Int(sysm))
        case 0b10000: return (.irq, 14)
        case 0b10001: return (.irq, 13)
        case 0b10010: return (.supervisor, 14)
        case 0b10011: return (.supervisor, 13)
        case 0b10100: return (.abort, 14)
        case 0b10101: return (.abort, 13)
        case 0b10110: return (.undefined, 14)
        case 0b10111: return (.undefined, 13)
        default: return nil
        }
    }

    /// CPS: aux bits 0…2 select A, I, F; bit 4 = disable (ID) else enable (IE), bit 3 = change mode to imm.
    /// A NOP in user mode.
    func cps(_ d: DecodedRef) {
        guard state.mode.isPrivileged else { return }
        let set = d.aux & 0x10 != 0
        if d.aux & 0x4 != 0 { state.a = set }
        if d.aux & 0x2 != 0 { state.i = set }
        if d.aux & 0x1 != 0 { state.f = set }
        if d.aux & 0x8 != 0, let m = ProcessorMode(rawValue: UInt8(d.imm & 0x1F)) { state.switchMode(to: m) }
        fetchPage = TLB.invalid
    }

    /// SRS: stores LR and SPSR of the current mode to the stack of mode `imm` (addressing as LDM/STM).
    func srs(_ d: DecodedRef) throws(Abort) {
        guard state.mode.isPrivileged, state.mode.bank != 0,
              let target = ProcessorMode(rawValue: UInt8(d.imm & 0x1F)) else { undefinedInstruction(); return }
        let base = state.register(13, mode: target)
        let (start, final) = transferAddresses(base: base, d, count: 2)
        try requireAlignment(start, 4, write: true)
        try write32(start, r[14], user: false)
        try write32(start &+ 4, state.spsr, user: false)
        if d.flags.has(.writeBack) { state.setRegister(13, mode: target, final) }
    }

    /// RFE: loads PC and CPSR from [Rn] (addressing as LDM/STM) and returns from the exception.
    func rfe(_ d: DecodedRef) throws(Abort) {
        guard state.mode.isPrivileged else { undefinedInstruction(); return }
        let (start, final) = transferAddresses(base: r[Int(d.rn)], d, count: 2)
        try requireAlignment(start, 4, write: false)
        let pc = try read32(start, user: false)
        let psr = try read32(start &+ 4, user: false)
        if d.flags.has(.writeBack) { r[Int(d.rn)] = final }
        exceptionReturn(to: pc, spsr: psr)
    }

    @inline(__always)
    func transferAddresses(base: UInt32, _ d: DecodedRef, count: UInt32) -> (UInt32, UInt32) {
        let size = count * 4
        if d.flags.has(.add) { return (d.flags.has(.index) ? base &+ 4 : base, base &+ size) }
        return (d.flags.has(.index) ? base &- size : base &- size &+ 4, base &- size)
    }

    /// SETEND: little-endian is a NOP; big-endian data is not supported and is Undefined.
    func setend(_ d: DecodedRef) {
        if d.aux != 0 { undefinedInstruction() }
    }
}
