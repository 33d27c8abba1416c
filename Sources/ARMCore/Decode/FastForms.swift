/// Rewrites a freshly decoded instruction into a fast form (`Op.fast…`) when it has one of the common shapes,
/// for A32 and T32 alike. Pure: same input, same output; the run loop calls it once per decode-cache fill.
///
/// Excluded from rewriting: anything writing the PC, reading the PC as a load base (T32 literal loads align it),
/// setting flags (except ADDS/SUBS/CMP/CMN/TST, whose fast forms set them exactly as the general ones), and
/// T16 forms whose S depends on the IT block.
public enum FastForms {
    public static func specialize(_ d: Decoded) -> Decoded {
        if d.flags.has(.setFlagsOutsideIT) || d.flags.has(.registerShift) { return d }
        let s = d.flags.has(.setFlags), imm = d.flags.has(.immediate)
        let plainReg = !imm && d.shiftType == ShiftType.lsl.rawValue && d.shiftAmount == 0
        var f = d
        func to(_ op: Op) -> Decoded { f.op = op; return f }
        switch d.op {
        case .add, .sub, .rsb, .and, .orr, .eor, .bic:
            guard d.rd != 15 else { return d }
            if s {
                guard imm else { return d }
                if d.op == .add { return to(.fastAddsImm) }
                if d.op == .sub { return to(.fastSubsImm) }
                return d
            }
            if imm {
                switch d.op {
                case .add: return to(.fastAddImm)
                case .sub: return to(.fastSubImm)
                case .rsb: return to(.fastRsbImm)
                case .and: return to(.fastAndImm)
                case .orr: return to(.fastOrrImm)
                case .eor: return to(.fastEorImm)
                default: return to(.fastBicImm)
                }
            }
            guard plainReg else { return d }
            switch d.op {
            case .add: return to(.fastAddReg)
            case .sub: return to(.fastSubReg)
            case .and: return to(.fastAndReg)
            case .orr: return to(.fastOrrReg)
            case .eor: return to(.fastEorReg)
            case .bic: return to(.fastBicReg)
            default: return d
            }
        case .mov, .mvn:
            guard d.rd != 15, !s else { return d }
            if imm { return to(d.op == .mov ? .fastMovImm : .fastMvnImm) }
            guard d.op == .mov else { return d }
            if plainReg { return to(.fastMovReg) }
            if d.shiftType <= ShiftType.ror.rawValue && d.shiftAmount >= 1 { return to(.fastMovShift) }
            return d
        case .cmp:
            if imm { return to(.fastCmpImm) }
            return plainReg ? to(.fastCmpReg) : d
        case .cmn:
            return imm ? to(.fastCmnImm) : d
        case .tst:
            if imm { return d.flags.has(.immediateCarry) ? d : to(.fastTstImm) }
            return plainReg ? to(.fastTstReg) : d
        case .ldr, .str, .ldrb, .strb:
            guard d.flags.has(.index), !d.flags.has(.writeBack), d.rn != 15, d.rd != 15 else { return d }
            if imm {
                f.imm = d.flags.has(.add) ? d.imm : 0 &- d.imm
                switch d.op {
                case .ldr: return to(.fastLdrImm)
                case .str: return to(.fastStrImm)
                case .ldrb: return to(.fastLdrbImm)
                default: return to(.fastStrbImm)
                }
            }
            guard d.op == .ldr || d.op == .str, d.shiftType == ShiftType.lsl.rawValue else { return d }
            f.aux = d.flags.has(.add) ? 0 : 1
            return to(d.op == .ldr ? .fastLdrReg : .fastStrReg)
        default:
            return d
        }
    }
}
