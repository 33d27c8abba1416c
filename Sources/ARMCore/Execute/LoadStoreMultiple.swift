/// LDM/STM in the four addressing modes (IA, IB, DA, DB: `.add` = increment, `.index` = before), PUSH/POP,
/// the user-register forms and LDM exception return (ARM ARM A8.8.57 ff., B9.3.5 ff.).
///
/// Loads read every word before changing any register, so an abort leaves the registers as they were.
/// With Rn in the list and writeback (UNPREDICTABLE for LDM), the loaded value wins; STM stores Rn's
/// original value.
extension CPU {
    /// Lowest address and the writeback value for a transfer of `count` words.
    @inline(__always)
    func multipleAddresses(_ d: DecodedRef, count: UInt32) -> (start: UInt32, final: UInt32) {
        let base = r[Int(d.rn)]
        let size = count &* 4
        if d.flags.has(.add) {
            return (d.flags.has(.index) ? base &+ 4 : base, base &+ size)
        }
        return (d.flags.has(.index) ? base &- size : base &- size &+ 4, base &- size)
    }

    /// LDM, and LDM (user registers) when `userBank`, and LDM (exception return) when `exceptionReturn`.
    func loadMultiple(_ d: DecodedRef, userBank: Bool = false, exceptionReturn: Bool = false) throws(Abort) {
        let list = d.imm & 0xFFFF
        let count = UInt32(list.nonzeroBitCount)
        let (start, final) = multipleAddresses(d, count: count)
        try requireAlignment(start, 4, write: false)
        let user = isUser
        var values = (UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0),
                      UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0))
        try withUnsafeMutableBytes(of: &values) { (raw) throws(Abort) in
            let v = raw.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt32.self)
            var address = start
            var bits = list
            while bits != 0 {
                let k = bits.trailingZeroBitCount
                v[k] = try read32(address, user: user)
                address &+= 4
                bits &= bits - 1
            }
            if d.flags.has(.writeBack) { r[Int(d.rn)] = final }
            bits = list & 0x7FFF
            if userBank {
                while bits != 0 {
                    let k = bits.trailingZeroBitCount
                    state.setRegister(k, mode: .user, v[k])
                    bits &= bits - 1
                }
            } else {
                while bits != 0 {
                    let k = bits.trailingZeroBitCount
                    r[k] = v[k]
                    bits &= bits - 1
                }
            }
            if list & 0x8000 != 0 {
                if exceptionReturn && state.mode.bank != 0 {
                    self.exceptionReturn(to: v[15], spsr: state.spsr)
                } else {
                    loadWritePC(v[15])
                }
            }
        }
    }

    /// STM, and STM (user registers) when `userBank`.
    func storeMultiple(_ d: DecodedRef, userBank: Bool = false) throws(Abort) {
        let list = d.imm & 0xFFFF
        let count = UInt32(list.nonzeroBitCount)
        let (start, final) = multipleAddresses(d, count: count)
        try requireAlignment(start, 4, write: true)
        let user = isUser
        var address = start
        var bits = list
        while bits != 0 {
            let k = bits.trailingZeroBitCount
            let value = userBank ? state.register(k, mode: .user) : r[k]
            try write32(address, value, user: user)
            address &+= 4
            bits &= bits - 1
        }
        if d.flags.has(.writeBack) { r[Int(d.rn)] = final }
    }
}
