/// Executors of the fast forms (see `Decode/FastForms.swift`): the general executors' semantics for the
/// shapes the rewriter admits, without their flag and operand-form tests.
extension CPU {
    @_transparent
    func setNZCV(_ r: (result: UInt32, carry: Bool, overflow: Bool)) {
        state.n = r.result >> 31 != 0; state.z = r.result == 0; state.c = r.carry; state.v = r.overflow
    }

    @_transparent
    func executeFast(_ d: DecodedRef) throws(Abort) {
        switch d.op {
        case .fastAddImm: r[Int(d.rd)] = r[Int(d.rn)] &+ d.imm
        case .fastSubImm: r[Int(d.rd)] = r[Int(d.rn)] &- d.imm
        case .fastRsbImm: r[Int(d.rd)] = d.imm &- r[Int(d.rn)]
        case .fastAndImm: r[Int(d.rd)] = r[Int(d.rn)] & d.imm
        case .fastOrrImm: r[Int(d.rd)] = r[Int(d.rn)] | d.imm
        case .fastEorImm: r[Int(d.rd)] = r[Int(d.rn)] ^ d.imm
        case .fastBicImm: r[Int(d.rd)] = r[Int(d.rn)] & ~d.imm
        case .fastMovImm: r[Int(d.rd)] = d.imm
        case .fastMvnImm: r[Int(d.rd)] = ~d.imm
        case .fastAddReg: r[Int(d.rd)] = r[Int(d.rn)] &+ r[Int(d.rm)]
        case .fastSubReg: r[Int(d.rd)] = r[Int(d.rn)] &- r[Int(d.rm)]
        case .fastAndReg: r[Int(d.rd)] = r[Int(d.rn)] & r[Int(d.rm)]
        case .fastOrrReg: r[Int(d.rd)] = r[Int(d.rn)] | r[Int(d.rm)]
        case .fastEorReg: r[Int(d.rd)] = r[Int(d.rn)] ^ r[Int(d.rm)]
        case .fastBicReg: r[Int(d.rd)] = r[Int(d.rn)] & ~r[Int(d.rm)]
        case .fastMovReg: r[Int(d.rd)] = r[Int(d.rm)]
        case .fastMovShift:
            r[Int(d.rd)] = ARMPseudocode.Shift(r[Int(d.rm)], d.shiftType, UInt32(d.shiftAmount), false)
        case .fastCmpImm: setNZCV(ARMPseudocode.AddWithCarry(r[Int(d.rn)], ~d.imm, true))
        case .fastCmpReg: setNZCV(ARMPseudocode.AddWithCarry(r[Int(d.rn)], ~r[Int(d.rm)], true))
        case .fastCmnImm: setNZCV(ARMPseudocode.AddWithCarry(r[Int(d.rn)], d.imm, false))
        case .fastTstImm:
            let v = r[Int(d.rn)] & d.imm
            state.n = v >> 31 != 0; state.z = v == 0
        case .fastTstReg:
            let v = r[Int(d.rn)] & r[Int(d.rm)]
            state.n = v >> 31 != 0; state.z = v == 0
        case .fastAddsImm:
            let res = ARMPseudocode.AddWithCarry(r[Int(d.rn)], d.imm, false)
            r[Int(d.rd)] = res.result
            setNZCV(res)
        case .fastSubsImm:
            let res = ARMPseudocode.AddWithCarry(r[Int(d.rn)], ~d.imm, true)
            r[Int(d.rd)] = res.result
            setNZCV(res)
        case .fastLdrImm: r[Int(d.rd)] = try read32(r[Int(d.rn)] &+ d.imm, user: isUser)
        case .fastLdrbImm: r[Int(d.rd)] = try read8(r[Int(d.rn)] &+ d.imm, user: isUser)
        case .fastStrImm: try write32(r[Int(d.rn)] &+ d.imm, r[Int(d.rd)], user: isUser)
        case .fastStrbImm: try write8(r[Int(d.rn)] &+ d.imm, r[Int(d.rd)], user: isUser)
        case .fastLdrReg:
            let offset = r[Int(d.rm)] << UInt32(d.shiftAmount)
            let base = r[Int(d.rn)]
            r[Int(d.rd)] = try read32(d.aux == 0 ? base &+ offset : base &- offset, user: isUser)
        case .fastStrReg:
            let offset = r[Int(d.rm)] << UInt32(d.shiftAmount)
            let base = r[Int(d.rn)]
            try write32(d.aux == 0 ? base &+ offset : base &- offset, r[Int(d.rd)], user: isUser)
        default:
            break
        }
    }
}
