import ARMCore
import Synchronization
import XenABI

/// One virtual CPU: an ARMCore `CPU` that always runs in ARM user mode, plus the virtual mode (kernel/user)
/// the hypervisor keeps for it, the guest kernel's registered vectors and kernel stack (DESIGN.md §1).
///
/// It is the CPU's host: every trap comes here and none is taken architecturally. Hypercalls go to the
/// dispatcher; SVC from virtual user mode, undefined and privileged instructions and aborts are bounced to the
/// guest kernel with a trap frame (`TrapDelivery.swift`); WFI blocks. Only the scheduler thread currently
/// running the vCPU touches it.
public final class VCPU: CPUHost, @unchecked Sendable {
    public let index: Int
    public unowned let domain: Domain
    unowned let hypervisor: Hypervisor
    public private(set) var cpu: CPU<VCPU>!
    /// Hypercall argument copies go through this (held here: `HypercallInvocation.space` is unowned).
    private(set) var guestMemory: GuestMemory!

    public internal(set) var mode: XenarmPV.VirtualMode = .kernel
    /// Entry points per `XenarmPV.TrapKind` (0 = none registered).
    public internal(set) var vectors = [UInt32](repeating: 0, count: XenarmPV.trapCount)
    /// Stack top used when a trap arrives in virtual user mode.
    public internal(set) var kernelStack: UInt32 = 0

    /// Set by a hypercall or trap that ends the current time slice.
    var sliceRequest: SliceRequest?
    /// Set by another vCPU's `XENMEM_add_to_physmap` on this domain: flush the TLB before running.
    var needsTLBFlush = false
    /// Set from any thread (the scheduler's `kick`) when an event was raised for this domain while the vCPU runs:
    /// the slice looks at it every `eventCheck` instructions and after each hypercall, so an event reaches a
    /// running guest within that many instructions instead of at the end of its slice.
    let eventsRaised = Atomic<Bool>(false)
    /// The slice runs in chunks of this many instructions (CPU.run calls; `Scheduler.Options`
    /// `eventCheckInstructions`, 0 = one chunk); between two, a raised event is delivered. Small enough for a
    /// prompt upcall (tens of µs of interpretation), large enough that re-entering the interpreter costs nothing
    /// measurable.
    private let eventCheck: Int

    // Scheduler bookkeeping, guarded by the scheduler's lock.
    var runState: RunState = .runnable
    var virtualRuntime: UInt64 = 0
    /// Speed of its last slice, to size a capped domain's slices.
    var instructionsPerMicrosecond: Double = 0
    /// `set_timer_op` deadline (guest ns), nil when none.
    var timerDeadline: UInt64?
    /// When a block or poll with a timeout ends by itself (guest ns).
    var wakeDeadline: UInt64?
    /// Ports a `SCHEDOP_poll` waits on (empty: a plain block).
    var pollPorts: [UInt32] = []

    enum RunState: Equatable { case runnable, running, blocked, ended }

    /// Why a slice ended early.
    enum SliceRequest: Equatable {
        case yield
        /// Block until an event (or the deadline, guest ns).
        case block(deadline: UInt64?)
        /// Block until one of `ports` is pending (or the deadline).
        case poll(ports: [UInt32], deadline: UInt64?)
    }

    /// The outcome of one slice, for the scheduler.
    enum SliceOutcome: Equatable {
        case ranOut
        case yielded
        case blocked(deadline: UInt64?, ports: [UInt32])
        case ended
    }

    init(index: Int, domain: Domain, hypervisor: Hypervisor) {
        self.index = index
        self.domain = domain
        self.hypervisor = hypervisor
        let check = hypervisor.scheduler.options.eventCheckInstructions
        self.eventCheck = check > 0 ? check : Int.max
        self.cpu = CPU(host: self, memory: domain.physmap)
        self.guestMemory = GuestMemory(vcpu: self)
        cpu.state.setCPSR(0x1D0) // user mode, A/I/F masked: no architectural interrupt is ever taken
        cpu.cp15.dacr = Self.dacr(for: .kernel)
        cpu.flushTLB()
    }

    /// Puts the boot state in the registers (xenarm-pv.h): virtual kernel mode, translation off.
    func boot(_ b: BootState) {
        let s = cpu.state
        for k in 0..<16 { s.r[k] = 0 }
        s.r[0] = b.r0; s.r[1] = b.r1; s.r[2] = b.r2
        s.t = b.entry & 1 != 0
        s.pc = b.entry & ~1
        setMode(.kernel)
    }

    /// DACR for a virtual mode: domain 0 client always, domain 1 client only in virtual kernel mode, every other
    /// domain no access.
    public static func dacr(for mode: XenarmPV.VirtualMode) -> UInt32 {
        mode == .kernel ? 0b0101 : 0b0001
    }

    func setMode(_ m: XenarmPV.VirtualMode) {
        let d = Self.dacr(for: m)
        mode = m
        // The TLB keeps one bank per DACR: switching between virtual kernel and user mode (every system call)
        // finds each mode's translations again instead of flushing them (ARMCore `TLB`, "Banks per DACR").
        cpu.setDACR(d)
    }

    /// Installs a validated translation table base (0: translation off).
    func installTranslationTable(_ base: UInt32) {
        if base == 0 {
            cpu.cp15.sctlr &= ~CP15.SCTLR.m
        } else {
            cpu.cp15.ttbr0 = base
            cpu.cp15.ttbcr = 0
            cpu.cp15.sctlr |= CP15.SCTLR.m
        }
        cpu.flushTLB()
    }

    /// Runs one time slice of at most `budget` instructions.
    func runSlice(budget: Int) -> SliceOutcome {
        if domain.hasEnded { return .ended }
        if needsTLBFlush { needsTLBFlush = false; cpu.flushTLB() }
        eventsRaised.store(false, ordering: .relaxed)
        _ = hypervisor.eventChannels.deliverPending(to: domain.id)
        deliverPendingUpcall()
        if domain.hasEnded { return .ended }
        sliceRequest = nil
        let before = cpu.instructionsRetired
        var exit = ExitReason.budgetExhausted
        var left = budget
        while left > 0 {
            let start = cpu.instructionsRetired
            exit = cpu.run(budget: min(left, eventCheck))
            left -= Int(cpu.instructionsRetired &- start)
            guard exit == .budgetExhausted, sliceRequest == nil, !domain.hasEnded else { break }
            if takeRaisedEvents() { deliverPendingUpcall() }
        }
        domain.counters.add(.instructions, Int64(cpu.instructionsRetired &- before))
        if domain.hasEnded { return .ended }
        if exit == .waitingForInterrupt { return .blocked(deadline: nil, ports: []) }
        switch sliceRequest {
        case nil: return .ranOut
        case .yield: return .yielded
        case let .block(deadline): return .blocked(deadline: deadline, ports: [])
        case let .poll(ports, deadline): return .blocked(deadline: deadline, ports: ports)
        }
    }

    /// If an event was raised for the domain since the last look: moves it into shared_info. True when an upcall
    /// is due (pending and unmasked).
    private func takeRaisedEvents() -> Bool {
        guard eventsRaised.load(ordering: .relaxed) else { return false }
        eventsRaised.store(false, ordering: .relaxed)
        return hypervisor.eventChannels.deliverPending(to: domain.id)
    }

    /// Ends the domain as crashed (a fault the hypervisor cannot deliver).
    func crash(_ why: String) {
        hypervisor.endDomain(domain, .crashed(why: why))
    }

    // MARK: CPUHost

    public func physicalRead(_ address: UInt32, size: AccessSize) -> UInt32? {
        domain.counters.add(.isolationFaults)
        return nil
    }

    public func physicalWrite(_ address: UInt32, size: AccessSize, value: UInt32) -> Bool {
        domain.counters.add(.isolationFaults)
        return false
    }

    public func trap(_ trap: Trap, state: CPUState) -> TrapAction {
        let next = state.pc &+ (state.t ? 2 : 4)
        let delivered: Bool
        switch trap {
        case let .hypervisorCall(imm) where imm == XenarmPV.hypercallImmediate && mode == .kernel:
            return hypercall(state, length: 4)
        case let .supervisorCall(imm) where mode == .kernel:
            if imm == XenarmPV.hypercallImmediate { return hypercall(state, length: state.t ? 2 : 4) }
            delivered = deliver(.undefined, resumeAt: state.pc)
        case .supervisorCall:
            delivered = deliver(.syscall, resumeAt: next)
        case .hypervisorCall, .secureMonitorCall, .breakpoint, .undefinedInstruction:
            // HVC from virtual user mode is an application trying to bypass its kernel: Undefined, like any
            // privileged instruction.
            delivered = deliver(.undefined, resumeAt: state.pc)
        case let .prefetchAbort(address, status):
            delivered = deliver(.prefetchAbort, resumeAt: state.pc, faultAddress: address, faultStatus: status)
        case let .dataAbort(address, status):
            delivered = deliver(.dataAbort, resumeAt: state.pc, faultAddress: address, faultStatus: status)
        case .waitForInterrupt, .waitForEvent:
            sliceRequest = .block(deadline: nil)
            return .stop
        }
        return delivered ? .resume : .stop
    }

    public func counter() -> UInt64 { hypervisor.clock.now() }

    public var counterFrequency: UInt32 { GuestClock.frequency }

    // MARK: Hypercalls

    private func hypercall(_ state: CPUState, length: UInt32) -> TrapAction {
        let r = state.r
        let at = state.pc
        let call = HypercallInvocation(caller: domain.id, arguments: (r[0], r[1], r[2], r[3], r[4]),
                                       space: guestMemory)
        domain.counters.add(.hypercalls)
        switch hypervisor.dispatch.dispatch(number: r[12], call, vcpu: self) {
        case let .value(v):
            r[0] = v
        case let .error(e):
            domain.counters.add(.hypercallErrors)
            r[0] = e.registerValue
        case .resumed:
            break
        case let .endSlice(v):
            r[0] = v
            return .stop
        }
        if domain.hasEnded { return .stop }
        // An event the call raised for this domain (a send to itself, an unmask) or one raised from elsewhere
        // meanwhile (`eventsRaised`) is delivered before the next guest instruction.
        let raised = r[12] == HypercallNumber.eventChannelOp.rawValue && hypervisor.eventChannels.hasRaised(domain.id)
        if raised ? hypervisor.eventChannels.deliverPending(to: domain.id) : takeRaisedEvents(), state.pc == at {
            deliverPendingUpcall(resumeAt: state.pc &+ length)
        }
        return domain.hasEnded ? .stop : .resume
    }
}
