/// Packing, sign/zero extension with rotation (and add), bit-field and bit-reversal instructions
/// (ARM ARM A5.4.3, A5.4.6, A8.8.125 ff.).
extension CPU {
    /// PKHBT (Rn bottom, Rm<<n top) / PKHTB (Rn top, Rm>>n ASR bottom).
    func pack(_ d: DecodedRef, topBottom: Bool) {
        let n = r[Int(d.rn)]
        let operand = ARMPseudocode.Shift(r[Int(d.rm)], d.shiftType, UInt32(d.shiftAmount), state.c)
        r[Int(d.rd)] = topBottom ? (n & 0xFFFF_0000) | (operand & 0xFFFF) : (operand & 0xFFFF_0000) | (n & 0xFFFF)
    }

    /// SXTB/SXTH/SXTB16/UXTB/UXTH/UXTB16 and the …A forms (add Rn): Rm rotated right by `shiftAmount`.
    @inline(__always)
    func extend(_ d: DecodedRef, _ op: Op) {
        let rotated = ARMPseudocode.ROR(r[Int(d.rm)], UInt32(d.shiftAmount))
        let n = r[Int(d.rn)]
        let result: UInt32
        switch op {
        case .sxtb: result = UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: rotated)))
        case .sxth: result = UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: rotated)))
        case .uxtb: result = rotated & 0xFF
        case .uxth: result = rotated & 0xFFFF
        case .sxtab: result = n &+ UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: rotated)))
        case .sxtah: result = n &+ UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: rotated)))
        case .uxtab: result = n &+ (rotated & 0xFF)
        case .uxtah: result = n &+ (rotated & 0xFFFF)
        case .sxtb16, .sxtab16:
            var lo = UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: rotated)))
            var hi = UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: rotated >> 16)))
            if op == .sxtab16 { lo = lo &+ n; hi = hi &+ (n >> 16) }
            result = (lo & 0xFFFF) | hi << 16
        default: // uxtb16, uxtab16
            var lo = rotated & 0xFF, hi = (rotated >> 16) & 0xFF
            if op == .uxtab16 { lo = lo &+ n; hi = hi &+ (n >> 16) }
            result = (lo & 0xFFFF) | hi << 16
        }
        r[Int(d.rd)] = result
    }

    /// BFC, BFI, SBFX, UBFX: lsb = shiftAmount, width = aux (1…32). A field past bit 31 (msb < lsb in the
    /// encoding, UNPREDICTABLE) is clipped at bit 31.
    func bitField(_ d: DecodedRef, _ op: Op) {
        let lsb = UInt32(d.shiftAmount), width = min(UInt32(d.aux), 32 - lsb)
        guard width > 0 else { return }
        let fieldMask: UInt32 = width == 32 ? 0xFFFF_FFFF : (1 << width) - 1
        switch op {
        case .bfc: r[Int(d.rd)] &= ~(fieldMask << lsb)
        case .bfi: r[Int(d.rd)] = (r[Int(d.rd)] & ~(fieldMask << lsb)) | (r[Int(d.rn)] & fieldMask) << lsb
        case .ubfx: r[Int(d.rd)] = (r[Int(d.rn)] >> lsb) & fieldMask
        default: r[Int(d.rd)] = ARMPseudocode.SignExtend((r[Int(d.rn)] >> lsb) & fieldMask, bits: Int(width))
        }
    }

    /// CLZ, RBIT, REV, REV16, REVSH.
    @inline(__always)
    func bitReverse(_ d: DecodedRef, _ op: Op) {
        let m = r[Int(d.rm)]
        let result: UInt32
        switch op {
        case .clz: result = UInt32(m.leadingZeroBitCount)
        case .rbit:
            var x = m
            x = (x & 0x5555_5555) << 1 | (x >> 1) & 0x5555_5555
            x = (x & 0x3333_3333) << 2 | (x >> 2) & 0x3333_3333
            x = (x & 0x0F0F_0F0F) << 4 | (x >> 4) & 0x0F0F_0F0F
            result = x.byteSwapped
        case .rev: result = m.byteSwapped
        case .rev16: result = (m & 0x00FF_00FF) << 8 | (m >> 8) & 0x00FF_00FF
        default: result = UInt32(bitPattern: Int32(Int16(bitPattern: UInt16(truncatingIfNeeded: m).byteSwapped))) // revsh
        }
        r[Int(d.rd)] = result
    }
}
