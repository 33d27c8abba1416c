/// The CP15 registers this core implements (ARM ARM B4.1), with their reset values. Identification
/// registers describe a Cortex-A15-like core with the divide and virtualization-era instructions
/// (ID_ISAR0.Divide_instrs = 2: SDIV/UDIV in A32 and T32) and no VFP/NEON (CPACR reads as zero).
public struct CP15: Sendable, Equatable {
    public enum SCTLR {
        public static let m: UInt32 = 1 << 0   // MMU enable
        public static let a: UInt32 = 1 << 1   // alignment check
        public static let c: UInt32 = 1 << 2
        public static let z: UInt32 = 1 << 11
        public static let i: UInt32 = 1 << 12
        public static let v: UInt32 = 1 << 13  // high vectors (0xFFFF0000)
        public static let ee: UInt32 = 1 << 25 // exception endianness (big-endian unsupported: kept 0)
        public static let te: UInt32 = 1 << 30 // take exceptions in Thumb state
        /// Bits we let software change; the rest read as their reset value.
        static let writable: UInt32 = m | a | c | z | i | v | te | (1 << 10) | (1 << 28) | (1 << 29)
    }

    public var sctlr: UInt32 = 0x00C5_0078
    public var ttbr0: UInt32 = 0, ttbr1: UInt32 = 0, ttbcr: UInt32 = 0
    public var dacr: UInt32 = 0
    public var dfsr: UInt32 = 0, ifsr: UInt32 = 0, dfar: UInt32 = 0, ifar: UInt32 = 0
    public var par: UInt32 = 0
    public var prrr: UInt32 = 0, nmrr: UInt32 = 0
    public var vbar: UInt32 = 0
    public var contextidr: UInt32 = 0
    public var tpidrurw: UInt32 = 0, tpidruro: UInt32 = 0, tpidrprw: UInt32 = 0
    public var cntkctl: UInt32 = 0
    public var cntpCtl: UInt32 = 0, cntvCtl: UInt32 = 0
    public var cntpCval: UInt64 = 0, cntvCval: UInt64 = 0

    public init() {}

    public static let midr: UInt32 = 0x412F_C0F1
    public static let mpidr: UInt32 = 0x8000_0000
    public static let ctr: UInt32 = 0x8444_C004
    public static let idISAR0: UInt32 = 0x0210_1110
}

/// MCR/MRC/MCRR/MRRC (ARM ARM A8.8.98 ff.): coprocessor 15 and the generic timer; every other coprocessor
/// (including 10/11, VFP/NEON) is Undefined.
extension CPU {
    /// The CP15 register number as (opc1, CRn, CRm, opc2), packed for switching.
    @inline(__always)
    static func cp15Key(_ opc1: UInt32, _ crn: UInt32, _ crm: UInt32, _ opc2: UInt32) -> UInt32 {
        opc1 << 12 | crn << 8 | crm << 4 | opc2
    }

    /// MRC p15: returns nil for an access that is Undefined (unknown register, or not allowed from user mode).
    func cp15Read(opc1: UInt32, crn: UInt32, crm: UInt32, opc2: UInt32) -> UInt32? {
        let key = Self.cp15Key(opc1, crn, crm, opc2)
        if isUser {
            switch key {
            case Self.cp15Key(0, 13, 0, 2): return cp15.tpidrurw
            case Self.cp15Key(0, 13, 0, 3): return cp15.tpidruro
            case Self.cp15Key(0, 14, 0, 0): return host.counterFrequency
            default: return nil
            }
        }
        switch key {
        case Self.cp15Key(0, 0, 0, 0), Self.cp15Key(0, 0, 0, 4), Self.cp15Key(0, 0, 0, 7): return CP15.midr
        case Self.cp15Key(0, 0, 0, 1): return CP15.ctr
        case Self.cp15Key(0, 0, 0, 5): return CP15.mpidr
        case Self.cp15Key(0, 0, 2, 0): return CP15.idISAR0
        case Self.cp15Key(0, 0, 1, 4): return 0x1020_1105 // ID_MMFR0: VMSAv7, short descriptors
        case Self.cp15Key(1, 0, 0, 0), Self.cp15Key(1, 0, 0, 1), Self.cp15Key(2, 0, 0, 0): return 0 // CCSIDR/CLIDR/CSSELR
        case Self.cp15Key(0, 1, 0, 0): return cp15.sctlr
        case Self.cp15Key(0, 1, 0, 1): return 0 // ACTLR
        case Self.cp15Key(0, 1, 0, 2): return 0 // CPACR: no coprocessors 10/11
        case Self.cp15Key(0, 2, 0, 0): return cp15.ttbr0
        case Self.cp15Key(0, 2, 0, 1): return cp15.ttbr1
        case Self.cp15Key(0, 2, 0, 2): return cp15.ttbcr
        case Self.cp15Key(0, 3, 0, 0): return cp15.dacr
        case Self.cp15Key(0, 5, 0, 0): return cp15.dfsr
        case Self.cp15Key(0, 5, 0, 1): return cp15.ifsr
        case Self.cp15Key(0, 6, 0, 0): return cp15.dfar
        case Self.cp15Key(0, 6, 0, 2): return cp15.ifar
        case Self.cp15Key(0, 7, 4, 0): return cp15.par
        case Self.cp15Key(0, 10, 2, 0): return cp15.prrr
        case Self.cp15Key(0, 10, 2, 1): return cp15.nmrr
        case Self.cp15Key(0, 12, 0, 0): return cp15.vbar
        case Self.cp15Key(0, 13, 0, 1): return cp15.contextidr
        case Self.cp15Key(0, 13, 0, 2): return cp15.tpidrurw
        case Self.cp15Key(0, 13, 0, 3): return cp15.tpidruro
        case Self.cp15Key(0, 13, 0, 4): return cp15.tpidrprw
        case Self.cp15Key(0, 14, 0, 0): return host.counterFrequency
        case Self.cp15Key(0, 14, 1, 0): return cp15.cntkctl
        case Self.cp15Key(0, 14, 2, 1): return cp15.cntpCtl | timerStatus(cp15.cntpCtl, cp15.cntpCval, host.counter())
        case Self.cp15Key(0, 14, 3, 1): return cp15.cntvCtl | timerStatus(cp15.cntvCtl, cp15.cntvCval, host.counter())
        case Self.cp15Key(0, 14, 2, 0):
            return UInt32(truncatingIfNeeded: cp15.cntpCval &- host.counter())
        case Self.cp15Key(0, 14, 3, 0):
            return UInt32(truncatingIfNeeded: cp15.cntvCval &- host.counter())
        default: return nil
        }
    }

    /// CNTx_CTL.ISTATUS (bit 2): set when enabled and the count has reached the compare value.
    private func timerStatus(_ ctl: UInt32, _ cval: UInt64, _ now: UInt64) -> UInt32 {
        ctl & 1 != 0 && now >= cval ? 4 : 0
    }

    /// MCR p15: returns false for an access that is Undefined.
    func cp15Write(opc1: UInt32, crn: UInt32, crm: UInt32, opc2: UInt32, _ value: UInt32) -> Bool {
        let key = Self.cp15Key(opc1, crn, crm, opc2)
        if isUser {
            switch key {
            case Self.cp15Key(0, 13, 0, 2): cp15.tpidrurw = value; return true
            // CP15 barriers are allowed from user mode (CP15DMB, CP15DSB, CP15ISB).
            case Self.cp15Key(0, 7, 10, 5), Self.cp15Key(0, 7, 10, 4), Self.cp15Key(0, 7, 5, 4): return true
            default: return false
            }
        }
        switch key {
        case Self.cp15Key(0, 1, 0, 0):
            cp15.sctlr = (cp15.sctlr & ~CP15.SCTLR.writable) | (value & CP15.SCTLR.writable)
            flushTLB()
        case Self.cp15Key(0, 1, 0, 1), Self.cp15Key(0, 1, 0, 2), Self.cp15Key(2, 0, 0, 0): break // ACTLR, CPACR, CSSELR
        case Self.cp15Key(0, 2, 0, 0): cp15.ttbr0 = value; flushTLB()
        case Self.cp15Key(0, 2, 0, 1): cp15.ttbr1 = value; flushTLB()
        case Self.cp15Key(0, 2, 0, 2): cp15.ttbcr = value & 0x37; flushTLB() // EAE (bit 31) unsupported: kept 0
        case Self.cp15Key(0, 3, 0, 0): setDACR(value)
        case Self.cp15Key(0, 5, 0, 0): cp15.dfsr = value
        case Self.cp15Key(0, 5, 0, 1): cp15.ifsr = value
        case Self.cp15Key(0, 6, 0, 0): cp15.dfar = value
        case Self.cp15Key(0, 6, 0, 2): cp15.ifar = value
        case Self.cp15Key(0, 7, 4, 0): cp15.par = value
        // Instruction cache and branch predictor maintenance: empty the decode cache.
        case Self.cp15Key(0, 7, 5, 0), Self.cp15Key(0, 7, 5, 1), Self.cp15Key(0, 7, 1, 0),
             Self.cp15Key(0, 7, 5, 6), Self.cp15Key(0, 7, 5, 7), Self.cp15Key(0, 7, 1, 6):
            invalidateAllCode()
        // Data cache maintenance and barriers: no caches here.
        case Self.cp15Key(0, 7, 6, 1), Self.cp15Key(0, 7, 6, 2), Self.cp15Key(0, 7, 10, 1),
             Self.cp15Key(0, 7, 10, 2), Self.cp15Key(0, 7, 11, 1), Self.cp15Key(0, 7, 14, 1),
             Self.cp15Key(0, 7, 14, 2), Self.cp15Key(0, 7, 10, 4), Self.cp15Key(0, 7, 10, 5),
             Self.cp15Key(0, 7, 5, 4):
            break
        // Address translation operations (ATS1C*): translate and report in PAR.
        case Self.cp15Key(0, 7, 8, 0), Self.cp15Key(0, 7, 8, 1), Self.cp15Key(0, 7, 8, 2), Self.cp15Key(0, 7, 8, 3):
            let user = opc2 >= 2, write = opc2 & 1 == 1
            do throws(Abort) {
                let t = try translate(value, write ? .write : .read, user: user)
                cp15.par = t.physical & 0xFFFF_F000
            } catch {
                cp15.par = 1 | (error.status & 0xF) << 1 | ((error.status >> 10) & 1) << 5
            }
        case _ where crn == 8: // every TLB maintenance operation flushes the whole software TLB
            flushTLB()
        case Self.cp15Key(0, 10, 2, 0): cp15.prrr = value
        case Self.cp15Key(0, 10, 2, 1): cp15.nmrr = value
        case Self.cp15Key(0, 12, 0, 0): cp15.vbar = value & ~0x1F
        case Self.cp15Key(0, 13, 0, 1): cp15.contextidr = value
        case Self.cp15Key(0, 13, 0, 2): cp15.tpidrurw = value
        case Self.cp15Key(0, 13, 0, 3): cp15.tpidruro = value
        case Self.cp15Key(0, 13, 0, 4): cp15.tpidrprw = value
        case Self.cp15Key(0, 14, 1, 0): cp15.cntkctl = value
        case Self.cp15Key(0, 14, 2, 1): cp15.cntpCtl = value & 3
        case Self.cp15Key(0, 14, 3, 1): cp15.cntvCtl = value & 3
        case Self.cp15Key(0, 14, 2, 0): cp15.cntpCval = host.counter() &+ UInt64(UInt32(bitPattern: Int32(bitPattern: value)))
        case Self.cp15Key(0, 14, 3, 0): cp15.cntvCval = host.counter() &+ UInt64(UInt32(bitPattern: Int32(bitPattern: value)))
        default: return false
        }
        return true
    }

    /// MRRC p15 (64-bit registers): CNTPCT (opc1 0, CRm 14), CNTVCT (1, 14), CNTP_CVAL (2, 14),
    /// CNTV_CVAL (3, 14), TTBR0/1 (0/1, 2, the 32-bit value zero-extended).
    func cp15Read64(opc1: UInt32, crm: UInt32) -> UInt64? {
        switch (opc1, crm) {
        case (0, 14): return host.counter()
        case (1, 14): return host.counter()
        case (2, 14): return isUser ? nil : cp15.cntpCval
        case (3, 14): return isUser ? nil : cp15.cntvCval
        case (0, 2): return isUser ? nil : UInt64(cp15.ttbr0)
        case (1, 2): return isUser ? nil : UInt64(cp15.ttbr1)
        default: return nil
        }
    }

    /// MCRR p15.
    func cp15Write64(opc1: UInt32, crm: UInt32, _ value: UInt64) -> Bool {
        if isUser { return false }
        switch (opc1, crm) {
        case (2, 14): cp15.cntpCval = value
        case (3, 14): cp15.cntvCval = value
        case (0, 2): cp15.ttbr0 = UInt32(truncatingIfNeeded: value); flushTLB()
        case (1, 2): cp15.ttbr1 = UInt32(truncatingIfNeeded: value); flushTLB()
        default: return false
        }
        return true
    }
}
