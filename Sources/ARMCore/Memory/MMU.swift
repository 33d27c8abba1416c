/// The VMSAv7 short-descriptor translation (ARM ARM B3.5): TTBCR.N split between TTBR0 and TTBR1, sections,
/// supersections, large (64 KiB) and small (4 KiB) pages, DACR domains, AP[2:0] with SCTLR.AFE = 0, XN.
/// Translation tables are read from guest-physical memory (the host's page map, or the host's
/// `physicalRead` for anything else); a failed read is a synchronous external abort on the walk.
///
/// The TEX/C/B memory attributes are ignored: every access behaves as Normal memory, and the host decides
/// what is a device (anything not in its page map).
enum AccessKind: UInt8 { case read, write, execute }

/// The outcome of a walk for one virtual address, before the access check.
struct Translation {
    /// Guest-physical address of the byte.
    var physical: UInt32
    /// Permissions at the privilege level walked for.
    var read: Bool, write: Bool, execute: Bool
}

extension CPU {
    /// Translates `va` for an access of `kind` at privilege `user`, raising the fault the ARM ARM gives
    /// (translation, domain, permission, external abort on the walk). With SCTLR.M = 0, VA = PA and all
    /// access is allowed (subject to the host's page permissions, checked by the caller).
    func translate(_ va: UInt32, _ kind: AccessKind, user: Bool) throws(Abort) -> Translation {
        if cp15.sctlr & 1 == 0 {
            return Translation(physical: va, read: true, write: true, execute: true)
        }
        let write = kind == .write
        func fault(_ fs: UInt32, _ domain: UInt32) -> Abort {
            Abort(kind: kind == .execute ? .prefetch : .data, address: va,
                  status: FaultStatus.fsr(fs, domain: kind == .execute ? 0 : domain, write: write))
        }
        // TTBCR.N selects the table: with N > 0, addresses whose top N bits are not all zero use TTBR1.
        let n = cp15.ttbcr & 7
        let l1Address: UInt32
        if n == 0 || va >> (32 - n) == 0 {
            let base = cp15.ttbr0 & ~((UInt32(1) << (14 - n)) - 1)
            l1Address = base | ((va >> 20) & ((1 << (12 - n)) - 1)) << 2
        } else {
            l1Address = (cp15.ttbr1 & ~0x3FFF) | (va >> 20) << 2
        }
        guard let l1 = readPhysicalWord(l1Address) else {
            throw fault(FaultStatus.externalOnWalkFirstLevel, 0)
        }
        var domain: UInt32, ap: UInt32, xn: Bool, physical: UInt32, isSection: Bool
        switch l1 & 3 {
        case 1: // page table
            domain = (l1 >> 5) & 0xF
            let l2Address = (l1 & 0xFFFF_FC00) | ((va >> 12) & 0xFF) << 2
            guard let l2 = readPhysicalWord(l2Address) else {
                throw fault(FaultStatus.externalOnWalkSecondLevel, domain)
            }
            isSection = false
            switch l2 & 3 {
            case 0: throw fault(FaultStatus.translationPage, domain)
            case 1: // large page, 64 KiB
                physical = (l2 & 0xFFFF_0000) | (va & 0xFFFF)
                xn = l2 & (1 << 15) != 0
            default: // small page, 4 KiB
                physical = (l2 & 0xFFFF_F000) | (va & 0xFFF)
                xn = l2 & 1 != 0
            }
            ap = ((l2 >> 4) & 3) | ((l2 >> 9) & 1) << 2
        case 2: // section or supersection
            isSection = true
            if l1 & (1 << 18) != 0 {
                domain = 0 // supersections are always domain 0
                physical = (l1 & 0xFF00_0000) | (va & 0x00FF_FFFF)
            } else {
                domain = (l1 >> 5) & 0xF
                physical = (l1 & 0xFFF0_0000) | (va & 0x000F_FFFF)
            }
            xn = l1 & (1 << 4) != 0
            ap = ((l1 >> 10) & 3) | ((l1 >> 15) & 1) << 2
        default: // 0: fault; 3: reserved (PXN tables with LPAE-less cores), treated as a fault
            throw fault(FaultStatus.translationSection, 0)
        }
        // DACR: 00 no access, 01 client (check AP/XN), 10 reserved (treated as no access), 11 manager.
        switch (cp15.dacr >> (domain * 2)) & 3 {
        case 3:
            return Translation(physical: physical, read: true, write: true, execute: true)
        case 1:
            break
        default:
            throw fault(isSection ? FaultStatus.domainSection : FaultStatus.domainPage, domain)
        }
        let (r, w) = Self.accessPermissions(ap, user: user)
        let t = Translation(physical: physical, read: r, write: w, execute: r && !xn)
        let allowed = kind == .read ? t.read : kind == .write ? t.write : t.execute
        if !allowed {
            throw fault(isSection ? FaultStatus.permissionSection : FaultStatus.permissionPage, domain)
        }
        return t
    }

    /// AP[2:0] → (read, write) for the privilege level (ARM ARM B3.7.1, table B3-8, SCTLR.AFE = 0).
    /// 0b100 is reserved: treated as no access.
    @inline(__always)
    static func accessPermissions(_ ap: UInt32, user: Bool) -> (Bool, Bool) {
        switch ap {
        case 0b001: return (!user, !user)
        case 0b010: return (true, !user)
        case 0b011: return (true, true)
        case 0b101: return (!user, false)
        case 0b110, 0b111: return (true, false)
        default: return (false, false)
        }
    }

    /// A word of guest-physical memory for the table walk, or nil if the host reports an external abort.
    func readPhysicalWord(_ pa: UInt32) -> UInt32? {
        let e = memory.lookup(pa)
        if let h = e.host, e.permissions.contains(.read) {
            return (h + Int(pa & 0xFFC)).load(as: UInt32.self)
        }
        return host.physicalRead(pa & ~3, size: .word)
    }
}
