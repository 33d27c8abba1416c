/// Multiplies (ARM ARM A5.2.5, A5.2.7, A5.4.4): 32- and 64-bit, halfword (SMLA<x><y>…), word × halfword
/// (SMLAW<y>), dual 16-bit (SMUAD…), most-significant word (SMMUL…), and the divides.
/// Field use: see `Decoded` (long forms: rd = RdLo, ra = RdHi).
extension CPU {
    @inline(__always)
    func setNZ(_ value: UInt32) { state.n = value >> 31 != 0; state.z = value == 0 }

    @inline(__always)
    func setNZ64(_ value: UInt64) { state.n = value >> 63 != 0; state.z = value == 0 }

    /// MUL, MLA, MLS (S sets N and Z; C and V unchanged in ARMv7).
    @inline(__always)
    func multiply32(_ d: DecodedRef, _ op: Op) {
        let p = r[Int(d.rn)] &* r[Int(d.rm)]
        let result: UInt32
        switch op {
        case .mul: result = p
        case .mla: result = p &+ r[Int(d.ra)]
        default: result = r[Int(d.ra)] &- p // mls
        }
        r[Int(d.rd)] = result
        if d.flags.has(.setFlags) { setNZ(result) }
    }

    /// UMULL, UMLAL, SMULL, SMLAL, UMAAL.
    @inline(__always)
    func multiplyLong(_ d: DecodedRef, _ op: Op) {
        let n = r[Int(d.rn)], m = r[Int(d.rm)]
        let acc = UInt64(r[Int(d.ra)]) << 32 | UInt64(r[Int(d.rd)])
        let result: UInt64
        switch op {
        case .umull: result = UInt64(n) &* UInt64(m)
        case .umlal: result = UInt64(n) &* UInt64(m) &+ acc
        case .smull: result = UInt64(bitPattern: Int64(Int32(bitPattern: n)) &* Int64(Int32(bitPattern: m)))
        case .smlal: result = UInt64(bitPattern: Int64(Int32(bitPattern: n)) &* Int64(Int32(bitPattern: m))) &+ acc
        default: result = UInt64(n) &* UInt64(m) &+ UInt64(r[Int(d.rd)]) &+ UInt64(r[Int(d.ra)]) // umaal
        }
        r[Int(d.rd)] = UInt32(truncatingIfNeeded: result)
        r[Int(d.ra)] = UInt32(truncatingIfNeeded: result >> 32)
        if d.flags.has(.setFlags) { setNZ64(result) }
    }

    @inline(__always)
    func half(_ value: UInt32, top: Bool) -> Int32 {
        Int32(Int16(truncatingIfNeeded: top ? value >> 16 : value))
    }

    /// SMUL<x><y>, SMLA<x><y>, SMULW<y>, SMLAW<y>, SMLAL<x><y> (aux bit 0: top half of Rn, bit 1: of Rm).
    func multiplyHalfword(_ d: DecodedRef, _ op: Op) {
        let n = r[Int(d.rn)], m = r[Int(d.rm)]
        let nTop = d.aux & 1 != 0, mTop = d.aux & 2 != 0
        switch op {
        case .smulxy:
            r[Int(d.rd)] = UInt32(bitPattern: half(n, top: nTop) &* half(m, top: mTop))
        case .smlaxy:
            let p = Int64(half(n, top: nTop) &* half(m, top: mTop))
            let sum = p + Int64(Int32(bitPattern: r[Int(d.ra)]))
            r[Int(d.rd)] = UInt32(truncatingIfNeeded: sum)
            if sum != Int64(Int32(truncatingIfNeeded: sum)) { state.q = true }
        case .smulwy:
            let p = Int64(Int32(bitPattern: n)) * Int64(half(m, top: mTop))
            r[Int(d.rd)] = UInt32(truncatingIfNeeded: p >> 16)
        case .smlawy:
            let p = Int64(Int32(bitPattern: n)) * Int64(half(m, top: mTop))
            let sum = (p >> 16) + Int64(Int32(bitPattern: r[Int(d.ra)]))
            r[Int(d.rd)] = UInt32(truncatingIfNeeded: sum)
            if sum != Int64(Int32(truncatingIfNeeded: sum)) { state.q = true }
        default: // smlalxy: rd = RdLo, ra = RdHi
            let acc = Int64(bitPattern: UInt64(r[Int(d.ra)]) << 32 | UInt64(r[Int(d.rd)]))
            let result = acc &+ Int64(half(n, top: nTop) &* half(m, top: mTop))
            r[Int(d.rd)] = UInt32(truncatingIfNeeded: result)
            r[Int(d.ra)] = UInt32(truncatingIfNeeded: result >> 32)
        }
    }

    /// SMUAD, SMUSD, SMLAD, SMLSD, SMLALD, SMLSLD (aux bit 0: swap Rm's halves, the X forms).
    func multiplyDual(_ d: DecodedRef, _ op: Op) {
        let n = r[Int(d.rn)]
        var m = r[Int(d.rm)]
        if d.aux & 1 != 0 { m = m >> 16 | m << 16 }
        let p1 = Int64(half(n, top: false) &* half(m, top: false))
        let p2 = Int64(half(n, top: true) &* half(m, top: true))
        switch op {
        case .smuad, .smlad:
            var sum = p1 + p2
            if op == .smlad { sum += Int64(Int32(bitPattern: r[Int(d.ra)])) }
            r[Int(d.rd)] = UInt32(truncatingIfNeeded: sum)
            if sum != Int64(Int32(truncatingIfNeeded: sum)) { state.q = true }
        case .smusd, .smlsd:
            var diff = p1 - p2
            if op == .smlsd { diff += Int64(Int32(bitPattern: r[Int(d.ra)])) }
            r[Int(d.rd)] = UInt32(truncatingIfNeeded: diff)
            if diff != Int64(Int32(truncatingIfNeeded: diff)) { state.q = true }
        default: // smlald, smlsld: rd = RdLo, ra = RdHi
            let acc = Int64(bitPattern: UInt64(r[Int(d.ra)]) << 32 | UInt64(r[Int(d.rd)]))
            let result = acc &+ (op == .smlald ? p1 + p2 : p1 - p2)
            r[Int(d.rd)] = UInt32(truncatingIfNeeded: result)
            r[Int(d.ra)] = UInt32(truncatingIfNeeded: result >> 32)
        }
    }

    /// SMMUL, SMMLA, SMMLS (aux bit 0: round).
    func multiplyMostSignificant(_ d: DecodedRef, _ op: Op) {
        let p = Int64(Int32(bitPattern: r[Int(d.rn)])) &* Int64(Int32(bitPattern: r[Int(d.rm)]))
        var result: Int64
        switch op {
        case .smmul: result = p
        case .smmla: result = (Int64(Int32(bitPattern: r[Int(d.ra)])) << 32) &+ p
        default: result = (Int64(Int32(bitPattern: r[Int(d.ra)])) << 32) &- p // smmls
        }
        if d.aux & 1 != 0 { result = result &+ 0x8000_0000 }
        r[Int(d.rd)] = UInt32(truncatingIfNeeded: result >> 32)
    }

    /// UDIV/SDIV: division by zero gives 0 (SCTLR.DZ = 0, no trap); INT_MIN / -1 gives INT_MIN.
    @inline(__always)
    func divide(_ d: DecodedRef, signed: Bool) {
        let n = r[Int(d.rn)], m = r[Int(d.rm)]
        let result: UInt32
        if m == 0 {
            result = 0
        } else if signed {
            let a = Int32(bitPattern: n), b = Int32(bitPattern: m)
            result = (a == Int32.min && b == -1) ? n : UInt32(bitPattern: a / b)
        } else {
            result = n / m
        }
        r[Int(d.rd)] = result
    }
}
