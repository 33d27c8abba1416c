/// Single loads and stores (ARM ARM A5.2.8, A5.3, A8.8.62 ff.): word, byte, halfword, signed, doubleword,
/// with immediate or (shifted) register offsets, offset/pre-indexed/post-indexed; the unprivileged T forms;
/// SWP/SWPB.
///
/// Order of effects as in the pseudocode: the access first (an abort leaves every register unchanged), then
/// the base writeback, then the destination register (so a load into the base register wins, our choice for
/// that UNPREDICTABLE case).
extension CPU {
    /// (address of the access, offset address for writeback).
    @_transparent
    func singleAddress(_ d: DecodedRef) -> (UInt32, UInt32) {
        // A literal (Rn = PC) base is Align(PC, 4): the same in ARM state, where PC is word aligned.
        let base = d.rn == 15 ? r[15] & ~3 : r[Int(d.rn)]
        let offset: UInt32
        if d.flags.has(.immediate) {
            offset = d.imm
        } else if d.shiftAmount == 0 && d.shiftType == 0 {
            offset = r[Int(d.rm)]
        } else {
            offset = ARMPseudocode.Shift(r[Int(d.rm)], d.shiftType, UInt32(d.shiftAmount), state.c)
        }
        let offsetAddress = d.flags.has(.add) ? base &+ offset : base &- offset
        return (d.flags.has(.index) ? offsetAddress : base, offsetAddress)
    }

    @_transparent
    func writeBack(_ d: DecodedRef, _ offsetAddress: UInt32) {
        if d.flags.has(.writeBack) { r[Int(d.rn)] = offsetAddress }
    }

    /// Loads of 1, 2 or 4 bytes, zero- or sign-extended; `unprivileged` for the T forms.
    @_transparent
    func load(_ d: DecodedRef, size: UInt32, signed: Bool, unprivileged: Bool = false) throws(Abort) {
        let (address, offsetAddress) = singleAddress(d)
        let user = unprivileged || isUser
        var value: UInt32
        switch size {
        case 4: value = try read32(address, user: user)
        case 2:
            value = try read16(address, user: user)
            if signed { value = UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: value))) }
        default:
            value = try read8(address, user: user)
            if signed { value = UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: value))) }
        }
        writeBack(d, offsetAddress)
        if d.rd == 15 { loadWritePC(value) } else { r[Int(d.rd)] = value }
    }

    /// Stores of 1, 2 or 4 bytes (a stored PC is the instruction's address + 8 in ARM, + 4 in Thumb).
    @_transparent
    func store(_ d: DecodedRef, size: UInt32, unprivileged: Bool = false) throws(Abort) {
        let (address, offsetAddress) = singleAddress(d)
        let user = unprivileged || isUser
        let value = r[Int(d.rd)]
        switch size {
        case 4: try write32(address, value, user: user)
        case 2: try write16(address, value, user: user)
        default: try write8(address, value, user: user)
        }
        writeBack(d, offsetAddress)
    }

    /// LDRD: Rt, Rt2 (= `ra`) from a word-aligned address (ARMv7 requires word alignment whatever SCTLR.A).
    @_transparent
    func loadDual(_ d: DecodedRef) throws(Abort) {
        let (address, offsetAddress) = singleAddress(d)
        try requireAlignment(address, 4, write: false)
        let user = isUser
        let lo = try read32(address, user: user)
        let hi = try read32(address &+ 4, user: user)
        writeBack(d, offsetAddress)
        r[Int(d.rd)] = lo
        r[Int(d.ra)] = hi
    }

    /// STRD.
    @_transparent
    func storeDual(_ d: DecodedRef) throws(Abort) {
        let (address, offsetAddress) = singleAddress(d)
        try requireAlignment(address, 4, write: true)
        let user = isUser
        try write32(address, r[Int(d.rd)], user: user)
        try write32(address &+ 4, r[Int(d.ra)], user: user)
        writeBack(d, offsetAddress)
    }

    /// SWP/SWPB: Rt = [Rn]; [Rn] = Rt2 (`rm`), atomically (one core: trivially).
    func swap(_ d: DecodedRef, byte: Bool) throws(Abort) {
        let address = r[Int(d.rn)]
        let user = isUser
        if byte {
            let old = try read8(address, user: user)
            try write8(address, r[Int(d.rm)], user: user)
            r[Int(d.rd)] = old
        } else {
            try requireAlignment(address, 4, write: false)
            let old = try read32(address, user: user)
            try write32(address, r[Int(d.rm)], user: user)
            r[Int(d.rd)] = old
        }
    }
}
