/// Parallel add/subtract (ARM ARM A5.4.1, A5.4.2): {S, Q, SH, U, UQ, UH} × {ADD16, ASX, SAX, SUB16, ADD8,
/// SUB8}, and SEL, USAD8, USADA8. The plain S and U forms set GE[3:0]; the others leave GE alone.
extension CPU {
    /// One lane: (result bits, GE bit) for lane values a, b under `prefix`, where `add` tells the operation
    /// and `width` is 8 or 16.
    @inline(__always)
    private func lane(_ a: UInt32, _ b: UInt32, add: Bool, width: Int, prefix: UInt8) -> (UInt32, Bool) {
        let signed = prefix <= ParallelOp.signedHalving
        let mask: UInt32 = width == 16 ? 0xFFFF : 0xFF
        let x: Int64, y: Int64
        if signed {
            x = Int64(ARMPseudocode.SignExtend(a & mask, bits: width).signedValue)
            y = Int64(ARMPseudocode.SignExtend(b & mask, bits: width).signedValue)
        } else {
            x = Int64(a & mask); y = Int64(b & mask)
        }
        let sum = add ? x + y : x - y
        switch prefix {
        case ParallelOp.signed: return (UInt32(truncatingIfNeeded: sum) & mask, sum >= 0)
        case ParallelOp.unsigned:
            return (UInt32(truncatingIfNeeded: sum) & mask, add ? sum >= Int64(mask) + 1 : sum >= 0)
        case ParallelOp.signedSaturating: return (ARMPseudocode.SignedSatQ(sum, width).result & mask, false)
        case ParallelOp.unsignedSaturating: return (ARMPseudocode.UnsignedSatQ(sum, width).result & mask, false)
        default: return (UInt32(truncatingIfNeeded: sum >> 1) & mask, false) // halving
        }
    }

    func parallel(_ d: DecodedRef) {
        let prefix = d.aux >> 3, operation = d.aux & 7
        let n = r[Int(d.rn)], m = r[Int(d.rm)]
        var result: UInt32 = 0
        var ge: UInt8 = 0
        switch operation {
        case ParallelOp.add8, ParallelOp.sub8:
            for k in 0..<4 {
                let (v, g) = lane(n >> (8 * k), m >> (8 * k), add: operation == ParallelOp.add8, width: 8, prefix: prefix)
                result |= v << (8 * k)
                if g { ge |= 1 << k }
            }
        default:
            // Lanes: (n lane, m lane, add?) for the low and high halfword.
            let lo: (UInt32, UInt32, Bool), hi: (UInt32, UInt32, Bool)
            switch operation {
            case ParallelOp.add16: lo = (n, m, true); hi = (n >> 16, m >> 16, true)
            case ParallelOp.sub16: lo = (n, m, false); hi = (n >> 16, m >> 16, false)
            case ParallelOp.asx: lo = (n, m >> 16, false); hi = (n >> 16, m, true)
            default: lo = (n, m >> 16, true); hi = (n >> 16, m, false) // sax
            }
            let (v0, g0) = lane(lo.0, lo.1, add: lo.2, width: 16, prefix: prefix)
            let (v1, g1) = lane(hi.0, hi.1, add: hi.2, width: 16, prefix: prefix)
            result = v0 | v1 << 16
            ge = (g0 ? 0b0011 : 0) | (g1 ? 0b1100 : 0)
        }
        r[Int(d.rd)] = result
        if prefix == ParallelOp.signed || prefix == ParallelOp.unsigned { state.ge = ge }
    }

    /// SEL: each byte from Rn where its GE bit is set, else from Rm.
    func select(_ d: DecodedRef) {
        let n = r[Int(d.rn)], m = r[Int(d.rm)]
        var mask: UInt32 = 0
        for k in 0..<4 where state.ge & (1 << k) != 0 { mask |= 0xFF << (8 * k) }
        r[Int(d.rd)] = (n & mask) | (m & ~mask)
    }

    /// USAD8 / USADA8: sum of absolute byte differences (+ Ra).
    func sumOfAbsoluteDifferences(_ d: DecodedRef, accumulate: Bool) {
        let n = r[Int(d.rn)], m = r[Int(d.rm)]
        var sum: UInt32 = accumulate ? r[Int(d.ra)] : 0
        for k in 0..<4 {
            let a = Int32((n >> (8 * k)) & 0xFF), b = Int32((m >> (8 * k)) & 0xFF)
            sum &+= UInt32(abs(a - b))
        }
        r[Int(d.rd)] = sum
    }
}

extension UInt32 {
    @inline(__always) var signedValue: Int32 { Int32(bitPattern: self) }
}
