/// Saturating arithmetic (ARM ARM A5.2.6, A8.8.134 ff.): QADD, QSUB, QDADD, QDSUB, SSAT, USAT, SSAT16,
/// USAT16. Saturation sets the sticky Q flag.
extension CPU {
    @inline(__always)
    func signedSat32(_ value: Int64) -> UInt32 {
        let s = ARMPseudocode.SignedSatQ(value, 32)
        if s.saturated { state.q = true }
        return s.result
    }

    /// QADD, QSUB, QDADD, QDSUB: Rd = sat(Rm ± [2 ×] Rn).
    func saturatingAddSub(_ d: DecodedRef, _ op: Op) {
        let m = Int64(Int32(bitPattern: r[Int(d.rm)]))
        var n = Int64(Int32(bitPattern: r[Int(d.rn)]))
        if op == .qdadd || op == .qdsub { n = Int64(Int32(bitPattern: signedSat32(2 * n))) }
        r[Int(d.rd)] = signedSat32(op == .qadd || op == .qdadd ? m + n : m - n)
    }

    /// SSAT/USAT: Rd = saturate(Rn shifted, to imm bits); SSAT16/USAT16 per halfword.
    func saturate(_ d: DecodedRef, _ op: Op) {
        let bits = Int(d.imm)
        switch op {
        case .ssat, .usat:
            let operand = ARMPseudocode.Shift(r[Int(d.rn)], d.shiftType, UInt32(d.shiftAmount), state.c)
            let v = Int64(Int32(bitPattern: operand))
            let s = op == .ssat ? ARMPseudocode.SignedSatQ(v, bits) : ARMPseudocode.UnsignedSatQ(v, bits)
            r[Int(d.rd)] = s.result
            if s.saturated { state.q = true }
        default:
            let n = r[Int(d.rn)]
            let lo = Int64(Int16(truncatingIfNeeded: n)), hi = Int64(Int16(truncatingIfNeeded: n >> 16))
            let a = op == .ssat16 ? ARMPseudocode.SignedSatQ(lo, bits) : ARMPseudocode.UnsignedSatQ(lo, bits)
            let b = op == .ssat16 ? ARMPseudocode.SignedSatQ(hi, bits) : ARMPseudocode.UnsignedSatQ(hi, bits)
            r[Int(d.rd)] = (a.result & 0xFFFF) | b.result << 16
            if a.saturated || b.saturated { state.q = true }
        }
    }
}
