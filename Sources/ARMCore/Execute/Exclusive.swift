/// LDREX/STREX (B, H, D) and CLREX with a local exclusive monitor (ARM ARM A3.4, A8.8.75 ff.).
///
/// One core, so only the local monitor exists: LDREX tags (address, size); STREX succeeds (Rd = 0) iff the
/// monitor is open for that address and size, and always closes it. Exception entry closes it too (as
/// Linux expects: a context switch must not let a stale reservation succeed). Accesses must be aligned to
/// their size whatever SCTLR.A says.
extension CPU {
    func loadExclusive(_ d: DecodedRef, size: UInt32) throws(Abort) {
        let address = r[Int(d.rn)] &+ d.imm   // T32 LDREX/STREX offset (imm8:00); 0 in A32
        try requireAlignment(address, size, write: false)
        let user = isUser
        switch size {
        case 1: r[Int(d.rd)] = try read8(address, user: user)
        case 2: r[Int(d.rd)] = try read16(address, user: user)
        case 4: r[Int(d.rd)] = try read32(address, user: user)
        default:
            let lo = try read32(address, user: user)
            let hi = try read32(address &+ 4, user: user)
            r[Int(d.rd)] = lo; r[Int(d.ra)] = hi
        }
        exclusiveAddress = address
        exclusiveSize = size
        exclusiveOpen = true
    }

    /// STREX: status in `rd`, value in `rm` (and `ra` for STREXD).
    func storeExclusive(_ d: DecodedRef, size: UInt32) throws(Abort) {
        let address = r[Int(d.rn)] &+ d.imm   // T32 LDREX/STREX offset (imm8:00); 0 in A32
        try requireAlignment(address, size, write: true)
        guard exclusiveOpen && exclusiveAddress == address && exclusiveSize == size else {
            exclusiveOpen = false
            r[Int(d.rd)] = 1
            return
        }
        let user = isUser
        let value = r[Int(d.rm)]
        switch size {
        case 1: try write8(address, value, user: user)
        case 2: try write16(address, value, user: user)
        case 4: try write32(address, value, user: user)
        default:
            try write32(address, value, user: user)
            try write32(address &+ 4, r[Int(d.ra)], user: user)
        }
        exclusiveOpen = false
        r[Int(d.rd)] = 0
    }

    @inline(__always)
    func clearExclusive() { exclusiveOpen = false }
}
