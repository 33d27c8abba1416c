/// Branches (ARM ARM A8.8.18 ff.) and the PC-writing helpers of A2.3.1: BranchWritePC, BXWritePC,
/// ALUWritePC, LoadWritePC. All PC writes set `nextPC`; a change of instruction set flips CPSR.T, which
/// the run loop notices through its fetch key.
extension CPU {
    /// BranchWritePC: a branch in the current instruction set.
    @_transparent
    func branchWritePC(_ address: UInt32) {
        nextPC = state.t ? address & ~1 : address & ~3
    }

    /// BXWritePC: bit 0 selects Thumb. An ARM target with bit 1 set is UNPREDICTABLE; we clear it.
    @_transparent
    func bxWritePC(_ address: UInt32) {
        let thumb = address & 1 != 0
        if thumb != state.t {
            state.t = thumb
            fetchPage = TLB.invalid
        }
        nextPC = thumb ? address & ~1 : address & ~3
    }

    /// ALUWritePC: interworking in ARM state (ARMv7), a plain branch in Thumb state.
    @_transparent
    func aluWritePC(_ address: UInt32) {
        if state.t { branchWritePC(address) } else { bxWritePC(address) }
    }

    /// LoadWritePC: interworking (ARMv5T and later).
    @_transparent
    func loadWritePC(_ address: UInt32) { bxWritePC(address) }

    /// B: PC + imm.
    @_transparent
    func b(_ d: DecodedRef) { branchWritePC(r[15] &+ d.imm) }

    /// BL: LR = next instruction (with bit 0 set in Thumb state), PC + imm.
    @_transparent
    func bl(_ d: DecodedRef) {
        r[14] = state.t ? nextPC | 1 : nextPC
        branchWritePC(r[15] &+ d.imm)
    }

    /// BLX (immediate): switches instruction set. From ARM the target is PC + imm in Thumb; from Thumb it is
    /// Align(PC, 4) + imm in ARM.
    @_transparent
    func blxImmediate(_ d: DecodedRef) {
        if state.t {
            r[14] = nextPC | 1
            state.t = false
            nextPC = ((r[15] & ~3) &+ d.imm) & ~3
        } else {
            r[14] = nextPC
            state.t = true
            nextPC = (r[15] &+ d.imm) & ~1
        }
        fetchPage = TLB.invalid
    }

    /// BX Rm.
    @_transparent
    func bx(_ d: DecodedRef) { bxWritePC(r[Int(d.rm)]) }

    /// BLX Rm.
    @_transparent
    func blxRegister(_ d: DecodedRef) {
        let target = r[Int(d.rm)]
        r[14] = state.t ? nextPC | 1 : nextPC
        bxWritePC(target)
    }

    /// CBZ/CBNZ (T32): branch forward by imm if Rn is (not) zero.
    @_transparent
    func compareAndBranch(_ d: DecodedRef, nonZero: Bool) {
        if (r[Int(d.rn)] != 0) == nonZero { branchWritePC(r[15] &+ d.imm) }
    }

    /// TBB/TBH (T32): PC + 2 × table[Rm], table at Rn (Rn = PC reads the instruction's PC + 4).
    @_transparent
    func tableBranch(_ d: DecodedRef, halfword: Bool) throws(Abort) {
        let base = r[Int(d.rn)], index = r[Int(d.rm)]
        let user = isUser
        let offset = halfword ? try read16(base &+ index << 1, user: user) : try read8(base &+ index, user: user)
        branchWritePC(r[15] &+ offset << 1)
    }

    /// IT (T32): sets ITSTATE; the run loop applies it to the following instructions.
    @_transparent
    func it(_ d: DecodedRef) { state.itState = UInt8(truncatingIfNeeded: d.imm) }
}
