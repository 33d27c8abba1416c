/// Processor modes (CPSR.M, ARM ARM B1.3.1).
public enum ProcessorMode: UInt8, Sendable, CaseIterable {
    case user = 0x10, fiq = 0x11, irq = 0x12, supervisor = 0x13, monitor = 0x16, abort = 0x17
    case hyp = 0x1A, undefined = 0x1B, system = 0x1F

    /// Index of the register bank (r13/r14/SPSR) this mode uses; user and system share bank 0.
    @inlinable public var bank: Int {
        switch self {
        case .user, .system: return 0
        case .fiq: return 1
        case .irq: return 2
        case .supervisor: return 3
        case .abort: return 4
        case .undefined: return 5
        case .monitor: return 6
        case .hyp: return 7
        }
    }
    @inlinable public var isPrivileged: Bool { self != .user }
}

/// The architectural register state: r0–r15, the CPSR (flags kept unpacked so the hot path sets them with plain
/// stores), banked r13/r14 and r8–r12 (FIQ), and the SPSRs.
///
/// It is a class with its registers in one unsafe buffer so that the interpreter reads `r[n]` without bounds
/// checks or copy-on-write tests; `CPU` owns exactly one and hands it to the host for traps.
///
/// PC convention: `pc` is the address of the instruction being executed. While an instruction executes,
/// `r[15]` holds the value reads of R15 give (address + 8 in ARM state, + 4 in Thumb state), set by the run
/// loop; writes to the PC go through the branch helpers, never directly to `r[15]`.
public final class CPUState {
    /// r0…r15 of the current mode (the banked copies of other modes live in `bankedSP`/`bankedLR`/`fiqR8to12`).
    public let r: UnsafeMutablePointer<UInt32>
    /// Address of the current (or, between instructions, next) instruction.
    public var pc: UInt32 = 0

    // CPSR, unpacked. `cpsr` packs and unpacks them.
    public var n = false, z = false, c = false, v = false
    /// Sticky saturation flag.
    public var q = false
    /// GE[3:0] of the parallel add/subtract instructions.
    public var ge: UInt8 = 0
    /// ITSTATE (T32 If-Then), bits IT[7:0]; 0 outside an IT block.
    public var itState: UInt8 = 0
    /// CPSR.J (Jazelle; always 0 here), CPSR.E (big-endian data), A/I/F masks, T (Thumb).
    public var e = false, a = true, i = true, f = true, t = false
    public private(set) var mode: ProcessorMode = .supervisor

    /// r13 and r14 per bank (`ProcessorMode.bank`); the current mode's copy is live in `r`.
    public var bankedSP = [UInt32](repeating: 0, count: 8)
    public var bankedLR = [UInt32](repeating: 0, count: 8)
    /// r8–r12: [0] is the copy of every mode except FIQ, [1] is FIQ's.
    public var bankedR8to12: [[UInt32]] = [[UInt32](repeating: 0, count: 5), [UInt32](repeating: 0, count: 5)]
    /// SPSR per bank (bank 0, user/system, has none: reads give 0 and the CPU treats access as unpredictable).
    public var spsrs = [UInt32](repeating: 0, count: 8)

    public init() {
        r = UnsafeMutablePointer<UInt32>.allocate(capacity: 16)
        r.initialize(repeating: 0, count: 16)
    }
    deinit { r.deallocate() }

    /// The CPSR as one word (ARM ARM B1.3.3).
    public var cpsr: UInt32 {
        get {
            var w = UInt32(mode.rawValue)
            if n { w |= 1 << 31 }; if z { w |= 1 << 30 }; if c { w |= 1 << 29 }; if v { w |= 1 << 28 }
            if q { w |= 1 << 27 }
            w |= UInt32(itState & 0x3) << 25 | UInt32(itState >> 2) << 10
            w |= UInt32(ge & 0xF) << 16
            if e { w |= 1 << 9 }; if a { w |= 1 << 8 }; if i { w |= 1 << 7 }; if f { w |= 1 << 6 }
            if t { w |= 1 << 5 }
            return w
        }
        set { setCPSR(newValue) }
    }

    /// Writes every CPSR field, switching register banks if the mode changes. An invalid mode value
    /// (ARM ARM: unpredictable) is ignored: the mode stays as it was.
    public func setCPSR(_ w: UInt32) {
        n = w & (1 << 31) != 0; z = w & (1 << 30) != 0; c = w & (1 << 29) != 0; v = w & (1 << 28) != 0
        q = w & (1 << 27) != 0
        itState = UInt8((w >> 25) & 3) | UInt8((w >> 10) & 0x3F) << 2
        ge = UInt8((w >> 16) & 0xF)
        e = w & (1 << 9) != 0; a = w & (1 << 8) != 0; i = w & (1 << 7) != 0; f = w & (1 << 6) != 0
        t = w & (1 << 5) != 0
        if let m = ProcessorMode(rawValue: UInt8(w & 0x1F)) { switchMode(to: m) }
    }

    /// The NZCV flags as CPSR bits 31…28.
    @inlinable public var nzcv: UInt32 {
        (n ? 1 << 31 : 0) | (z ? 1 << 30 : 0) | (c ? 1 << 29 : 0) | (v ? 1 << 28 : 0)
    }

    /// Changes CPSR.M, saving the live r8–r14 into the old mode's bank and loading the new mode's.
    public func switchMode(to newMode: ProcessorMode) {
        let old = mode
        if old == newMode { return }
        bankedSP[old.bank] = r[13]; bankedLR[old.bank] = r[14]
        let oldFIQ = old == .fiq ? 1 : 0, newFIQ = newMode == .fiq ? 1 : 0
        if oldFIQ != newFIQ {
            for k in 0..<5 { bankedR8to12[oldFIQ][k] = r[8 + k]; r[8 + k] = bankedR8to12[newFIQ][k] }
        }
        r[13] = bankedSP[newMode.bank]; r[14] = bankedLR[newMode.bank]
        mode = newMode
    }

    /// SPSR of the current mode (0 in user/system mode, which have none).
    public var spsr: UInt32 {
        get { mode.bank == 0 ? 0 : spsrs[mode.bank] }
        set { if mode.bank != 0 { spsrs[mode.bank] = newValue } }
    }

    /// Reads register `n` of `mode` whatever the current mode (banked access, LDM/STM user registers).
    public func register(_ n: Int, mode m: ProcessorMode) -> UInt32 {
        if m == mode || n < 8 || n == 15 { return r[n] }
        if n <= 12 {
            let want = m == .fiq ? 1 : 0, live = mode == .fiq ? 1 : 0
            return want == live ? r[n] : bankedR8to12[want][n - 8]
        }
        if m.bank == mode.bank { return r[n] }
        return n == 13 ? bankedSP[m.bank] : bankedLR[m.bank]
    }

    /// Writes register `n` of mode `m` whatever the current mode.
    public func setRegister(_ n: Int, mode m: ProcessorMode, _ value: UInt32) {
        if m == mode || n < 8 || n == 15 { r[n] = value; return }
        if n <= 12 {
            let want = m == .fiq ? 1 : 0, live = mode == .fiq ? 1 : 0
            if want == live { r[n] = value } else { bankedR8to12[want][n - 8] = value }
            return
        }
        if m.bank == mode.bank { r[n] = value; return }
        if n == 13 { bankedSP[m.bank] = value } else { bankedLR[m.bank] = value }
    }

    /// True while a T32 IT block is in progress.
    @inlinable public var inITBlock: Bool { itState & 0xF != 0 }
}
