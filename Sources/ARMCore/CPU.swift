/// One ARMv7-A processor: registers, CP15, MMU with its software TLB, the decode cache and the run loop.
///
/// Generic over its host so host calls are direct; none of them is on the fast path (see `CPUHost`).
/// Not thread-safe: one thread runs it at a time.
public final class CPU<Host: CPUHost> {
    public let state: CPUState
    /// Guest-physical pages the host installed (the second stage). Call `flushTLB()` after changing it.
    public let memory: PhysicalMemoryMap
    public let decodeCache = DecodeCache()
    /// The host; unowned because the host usually owns the CPU.
    public unowned let host: Host
    /// The system control coprocessor's registers.
    public var cp15 = CP15()   // settable by the host (the hypervisor installs TTBR/DACR/SCTLR.M); call flushTLB() after

    /// Interrupt request lines, driven by the host (level sensitive: stay raised until the host lowers them).
    public var irqLine: Bool { get { interruptLines & 1 != 0 } set { interruptLines = newValue ? interruptLines | 1 : interruptLines & ~1 } }
    public var fiqLine: Bool { get { interruptLines & 2 != 0 } set { interruptLines = newValue ? interruptLines | 2 : interruptLines & ~2 } }
    /// Instructions retired (including those whose condition failed) since creation.
    public internal(set) var instructionsRetired: UInt64 = 0

    // Run-loop state (internal).
    /// Registers of the current mode: the same buffer as `state.r`, kept here to save a load per access.
    let r: UnsafeMutablePointer<UInt32>
    var tlb = TLB()
    /// bit 0 IRQ, bit 1 FIQ.
    var interruptLines: UInt8 = 0
    /// Address the run loop continues at after the current instruction; branches set it.
    var nextPC: UInt32 = 0
    /// Set when the current instruction must end `run` (host answered `.stop`, or WFI waits), with
    /// `stopRequested` (a plain flag for the loop to test).
    var stopReason: ExitReason? { didSet { stopRequested = stopReason != nil } }
    var stopRequested = false
    /// Two decoded slots owned by the CPU: [0] for a T32 instruction straddling pages, [1] for a T16
    /// instruction run with S set outside an IT block.
    let scratch: UnsafeMutablePointer<Decoded>
    /// `ARMPseudocode.conditionMasks()`, in a buffer the run loop indexes without bounds checks or lazy
    /// initialisation.
    let conditionMasks: UnsafeMutablePointer<UInt16>
    /// The page the run loop is fetching from: virtual page base (or `TLB.invalid`), instruction set, its
    /// decoded slots and host bytes, and its guest-physical page.
    var fetchPage: UInt32 = TLB.invalid
    var fetchThumb = false
    var fetchSlots: UnsafeMutablePointer<Decoded>?
    var fetchHost: UnsafeRawPointer?
    var fetchPhysicalPage: UInt32 = 0
    var fetchUser = false
    /// The exclusive monitor (ARM ARM A3.4): the tagged address and access size, if open.
    var exclusiveAddress: UInt32 = 0
    var exclusiveSize: UInt32 = 0
    var exclusiveOpen = false

    public init(host: Host, memory: PhysicalMemoryMap, state: CPUState = CPUState()) {
        self.host = host
        self.memory = memory
        self.state = state
        self.r = state.r
        scratch = .allocate(capacity: 2)
        scratch.initialize(repeating: .empty, count: 2)
        conditionMasks = .allocate(capacity: 16)
        conditionMasks.initialize(from: ARMPseudocode.conditionMasks(), count: 16)
    }

    deinit {
        tlb.deallocate()
        scratch.deallocate()
        conditionMasks.deallocate()
    }

    /// Puts the core in its reset state and takes the Reset exception (supervisor mode, IRQ/FIQ/async
    /// aborts masked, vector at 0 or 0xFFFF0000 per `highVectors`).
    public func reset(highVectors: Bool = false) {
        cp15 = CP15()
        if highVectors { cp15.sctlr |= CP15.SCTLR.v }
        state.setCPSR(0x1D3) // SVC, A, I, F
        state.pc = highVectors ? 0xFFFF_0000 : 0
        flushTLB()
        exclusiveOpen = false
    }

    /// Forgets every cached translation: call after changing the `PhysicalMemoryMap`, the translation table,
    /// SCTLR, or `cp15.dacr` directly.
    public func flushTLB() {
        tlb.flush(dacr: cp15.dacr)
        fetchPage = TLB.invalid
    }

    /// Changes DACR without forgetting translations: the TLB keeps a bank per recent DACR value (`TLB`), so a
    /// host that switches between two DACRs (virtual kernel and user mode) finds each one's entries again.
    public func setDACR(_ value: UInt32) {
        guard value != cp15.dacr else { return }
        cp15.dacr = value
        tlb.select(dacr: value)
        fetchPage = TLB.invalid
    }

    /// Forgets decoded instructions in guest-physical [physical, physical + length): call after the host
    /// writes guest memory directly (loading code, a grant copy).
    public func invalidateCode(physical: UInt32, length: UInt32) {
        guard length > 0 else { return }
        var page = physical >> 12
        let last = (physical &+ (length - 1)) >> 12
        while true {
            decodeCache.invalidate(page: page)
            if page == last { break }
            page &+= 1
        }
        fetchPage = TLB.invalid
    }

    /// Forgets every decoded instruction and every cached translation.
    public func invalidateAllCode() {
        decodeCache.flush()
        flushTLB()
    }

    /// True in user mode (unprivileged accesses and CP15 restrictions apply).
    @inline(__always) var isUser: Bool { state.mode == .user }
}
