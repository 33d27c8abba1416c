/// MCR/MRC/MCRR/MRRC (ARM ARM A8.8.98 ff.): coprocessor 15 only; others (10/11 = VFP/NEON included) are
/// Undefined, like a core without them. Field use: rd = Rt, rn = Rt2, rm = CRm, shiftType = opc2,
/// shiftAmount = CRn, aux = coprocessor, imm = opc1.
extension CPU {
    func coprocessorTransfer(_ d: DecodedRef, _ op: Op) {
        guard d.aux == 15 else { undefinedInstruction(); return }
        let opc1 = d.imm, crn = UInt32(d.shiftAmount), crm = UInt32(d.rm), opc2 = UInt32(d.shiftType)
        switch op {
        case .mrc:
            guard let v = cp15Read(opc1: opc1, crn: crn, crm: crm, opc2: opc2) else { undefinedInstruction(); return }
            if d.rd == 15 {
                state.n = v & (1 << 31) != 0; state.z = v & (1 << 30) != 0
                state.c = v & (1 << 29) != 0; state.v = v & (1 << 28) != 0
            } else {
                r[Int(d.rd)] = v
            }
        case .mcr:
            if !cp15Write(opc1: opc1, crn: crn, crm: crm, opc2: opc2, r[Int(d.rd)]) { undefinedInstruction() }
        case .mrrc:
            guard let v = cp15Read64(opc1: opc1, crm: crm) else { undefinedInstruction(); return }
            r[Int(d.rd)] = UInt32(truncatingIfNeeded: v)
            r[Int(d.rn)] = UInt32(truncatingIfNeeded: v >> 32)
        default: // mcrr
            let v = UInt64(r[Int(d.rn)]) << 32 | UInt64(r[Int(d.rd)])
            if !cp15Write64(opc1: opc1, crm: crm, v) { undefinedInstruction() }
        }
    }
}
