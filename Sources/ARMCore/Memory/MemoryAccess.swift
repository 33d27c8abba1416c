/// Data accesses by guest virtual address: a TLB hit is a host load/store; everything else (TLB miss,
/// misalignment, MMIO, code pages, faults) takes the slow path here.
///
/// Unaligned accesses (SCTLR.A = 0) are split into byte accesses, so a word straddling two pages or an MMIO
/// region behaves like the bytes it is made of. Data is little-endian (CPSR.E = 1, big-endian data, is not
/// supported: SETEND BE raises Undefined).
extension CPU {
    // MARK: fast paths

    @inline(__always)
    func read32(_ va: UInt32, user: Bool) throws(Abort) -> UInt32 {
        let e = tlb.entry(va, user: user)
        if e.pointee.readTag == va & 0xFFFF_F003 {
            return UnsafeRawPointer(bitPattern: e.pointee.addend &+ UInt(va)).unsafelyUnwrapped.load(as: UInt32.self)
        }
        return try readSlow(va, size: 4, user: user)
    }

    @inline(__always)
    func read16(_ va: UInt32, user: Bool) throws(Abort) -> UInt32 {
        let e = tlb.entry(va, user: user)
        if e.pointee.readTag == va & 0xFFFF_F001 {
            return UInt32(UnsafeRawPointer(bitPattern: e.pointee.addend &+ UInt(va)).unsafelyUnwrapped.load(as: UInt16.self))
        }
        return try readSlow(va, size: 2, user: user)
    }

    @inline(__always)
    func read8(_ va: UInt32, user: Bool) throws(Abort) -> UInt32 {
        let e = tlb.entry(va, user: user)
        if e.pointee.readTag == va & 0xFFFF_F000 {
            return UInt32(UnsafeRawPointer(bitPattern: e.pointee.addend &+ UInt(va)).unsafelyUnwrapped.load(as: UInt8.self))
        }
        return try readSlow(va, size: 1, user: user)
    }

    @inline(__always)
    func write32(_ va: UInt32, _ value: UInt32, user: Bool) throws(Abort) {
        let e = tlb.entry(va, user: user)
        if e.pointee.writeTag == va & 0xFFFF_F003 {
            UnsafeMutableRawPointer(bitPattern: e.pointee.addend &+ UInt(va)).unsafelyUnwrapped.storeBytes(of: value, as: UInt32.self)
            return
        }
        try writeSlow(va, value, size: 4, user: user)
    }

    @inline(__always)
    func write16(_ va: UInt32, _ value: UInt32, user: Bool) throws(Abort) {
        let e = tlb.entry(va, user: user)
        if e.pointee.writeTag == va & 0xFFFF_F001 {
            UnsafeMutableRawPointer(bitPattern: e.pointee.addend &+ UInt(va)).unsafelyUnwrapped
                .storeBytes(of: UInt16(truncatingIfNeeded: value), as: UInt16.self)
            return
        }
        try writeSlow(va, value, size: 2, user: user)
    }

    @inline(__always)
    func write8(_ va: UInt32, _ value: UInt32, user: Bool) throws(Abort) {
        let e = tlb.entry(va, user: user)
        if e.pointee.writeTag == va & 0xFFFF_F000 {
            UnsafeMutableRawPointer(bitPattern: e.pointee.addend &+ UInt(va)).unsafelyUnwrapped
                .storeBytes(of: UInt8(truncatingIfNeeded: value), as: UInt8.self)
            return
        }
        try writeSlow(va, value, size: 1, user: user)
    }

    /// Raises an alignment fault unless `va` is a multiple of `alignment` (the always-aligned accesses:
    /// LDREX/STREX, LDRD/STRD, LDM/STM, SWP, SRS/RFE — ARM ARM A3.2.1).
    @inline(__always)
    func requireAlignment(_ va: UInt32, _ alignment: UInt32, write: Bool) throws(Abort) {
        if va & (alignment - 1) != 0 {
            throw Abort(kind: .data, address: va, status: FaultStatus.fsr(FaultStatus.alignment, write: write))
        }
    }

    // MARK: slow paths

    @inline(never)
    func readSlow(_ va: UInt32, size: UInt32, user: Bool) throws(Abort) -> UInt32 {
        if va & (size - 1) != 0 {
            if cp15.sctlr & CP15.SCTLR.a != 0 {
                throw Abort(kind: .data, address: va, status: FaultStatus.fsr(FaultStatus.alignment))
            }
            var value: UInt32 = 0
            for k in 0..<size { value |= try read8(va &+ k, user: user) << (8 * k) }
            return value
        }
        let t = try translate(va, .read, user: user)
        let pe = memory.lookup(t.physical)
        if let h = pe.host, pe.permissions.contains(.read) {
            let e = tlb.entry(va, user: user)
            fill(e, va: va, physical: t.physical, host: h, stage1: t, stage2: pe.permissions)
            let p = h + Int(t.physical & 0xFFF)
            switch size {
            case 4: return p.load(as: UInt32.self)
            case 2: return UInt32(p.load(as: UInt16.self))
            default: return UInt32(p.load(as: UInt8.self))
            }
        }
        guard let v = host.physicalRead(t.physical, size: AccessSize(rawValue: UInt8(size))!) else {
            throw Abort(kind: .data, address: va, status: FaultStatus.fsr(FaultStatus.synchronousExternal))
        }
        return size == 4 ? v : v & ((1 << (8 * size)) - 1)
    }

    @inline(never)
    func writeSlow(_ va: UInt32, _ value: UInt32, size: UInt32, user: Bool) throws(Abort) {
        if va & (size - 1) != 0 {
            if cp15.sctlr & CP15.SCTLR.a != 0 {
                throw Abort(kind: .data, address: va, status: FaultStatus.fsr(FaultStatus.alignment, write: true))
            }
            for k in 0..<size { try write8(va &+ k, value >> (8 * k), user: user) }
            return
        }
        let t = try translate(va, .write, user: user)
        let pe = memory.lookup(t.physical)
        if let h = pe.host, pe.permissions.contains(.write) {
            let page = t.physical >> 12
            if decodeCache.isCode(page: page) {
                // Self-modifying code or a loader: drop the page's decoded instructions. The page stays out of
                // the write TLB until it is next executed from.
                decodeCache.invalidate(page: page)
                fetchPage = TLB.invalid
            } else {
                fill(tlb.entry(va, user: user), va: va, physical: t.physical, host: h, stage1: t, stage2: pe.permissions)
            }
            let p = h + Int(t.physical & 0xFFF)
            switch size {
            case 4: p.storeBytes(of: value, as: UInt32.self)
            case 2: p.storeBytes(of: UInt16(truncatingIfNeeded: value), as: UInt16.self)
            default: p.storeBytes(of: UInt8(truncatingIfNeeded: value), as: UInt8.self)
            }
            return
        }
        let narrowed = size == 4 ? value : value & ((1 << (8 * size)) - 1)
        if !host.physicalWrite(t.physical, size: AccessSize(rawValue: UInt8(size))!, value: narrowed) {
            throw Abort(kind: .data, address: va, status: FaultStatus.fsr(FaultStatus.synchronousExternal, write: true))
        }
    }

    /// Caches a translation: tags for every access kind both stages allow (writes only for non-code pages).
    func fill(_ e: UnsafeMutablePointer<TLB.Entry>, va: UInt32, physical: UInt32, host h: UnsafeMutableRawPointer,
              stage1 t: Translation, stage2: PagePermissions) {
        let base = va & 0xFFFF_F000, page = physical >> 12
        e.pointee.addend = UInt(bitPattern: h) &- UInt(base)
        e.pointee.physicalPage = page
        e.pointee.readTag = t.read && stage2.contains(.read) ? base : TLB.invalid
        e.pointee.writeTag = t.write && stage2.contains(.write) && !decodeCache.isCode(page: page) ? base : TLB.invalid
        e.pointee.executeTag = t.execute && stage2.contains(.execute) ? base : TLB.invalid
    }

    // MARK: public access for hosts and debuggers

    /// Reads a word at virtual address `va` as the current mode would (faults are returned, not taken).
    public func readVirtual32(_ va: UInt32) -> Result<UInt32, Abort> {
        do throws(Abort) { return .success(try read32(va, user: isUser)) } catch { return .failure(error) }
    }

    /// Writes a word at virtual address `va` as the current mode would (faults are returned, not taken).
    public func writeVirtual32(_ va: UInt32, _ value: UInt32) -> Result<Void, Abort> {
        do throws(Abort) { try write32(va, value, user: isUser); return .success(()) } catch { return .failure(error) }
    }
}
