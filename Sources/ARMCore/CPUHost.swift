/// The embedding interface: everything the CPU cannot decide alone goes to its host (the hypervisor, or the
/// Linux user-mode shim of `xenarm cpu run`). The CPU is generic over the host (`CPU<Host>`), so these calls
/// are direct, and none of them is on the fast path: guest-physical memory that the host installed in the
/// `PhysicalMemoryMap` is reached through the software TLB with a plain pointer load or store.
///
/// Calls arrive only on the thread running `CPU.run(budget:)`.
public protocol CPUHost: AnyObject {
    /// A read of a guest-physical address with no page in the map (MMIO, or nothing there).
    /// Return the value (zero-extended to 32 bits), or nil for an external abort (a synchronous data abort
    /// in the guest).
    func physicalRead(_ address: UInt32, size: AccessSize) -> UInt32?

    /// A write of a guest-physical address with no page in the map, or to a page mapped without write
    /// permission. Return false for an external abort.
    ///
    /// During `physicalRead`/`physicalWrite` the CPU is mid-instruction: `CPUState.pc` may still hold the
    /// address of an earlier instruction of the same straight-line run (the run loop stores it lazily). A
    /// refused access comes back as a `.dataAbort` trap, where `state.pc` is exact.
    func physicalWrite(_ address: UInt32, size: AccessSize, value: UInt32) -> Bool

    /// A trap the host may take over (SVC, HVC, SMC, BKPT, Undefined, aborts, WFI/WFE). `state` is live:
    /// `state.pc` is the address of the trapping instruction and the host may change any register.
    func trap(_ trap: Trap, state: CPUState) -> TrapAction

    /// The generic timer's physical count (CNTPCT) — the host's clock, injected so tests are deterministic.
    func counter() -> UInt64

    /// CNTFRQ, in Hz.
    var counterFrequency: UInt32 { get }
}

/// Size of a memory access.
public enum AccessSize: UInt8, Sendable {
    case byte = 1, halfword = 2, word = 4
}

/// A synchronous event the host is offered before the CPU acts on it architecturally.
public enum Trap: Sendable, Equatable {
    /// SVC #imm (imm24 in A32, imm8 in T32).
    case supervisorCall(UInt32)
    /// HVC #imm16: with no host handling, HVC is Undefined (no Hyp mode in this core).
    case hypervisorCall(UInt32)
    /// SMC: no Security Extensions here; Undefined unless the host handles it.
    case secureMonitorCall(UInt32)
    /// BKPT #imm16: a prefetch abort (debug event) unless the host handles it.
    case breakpoint(UInt32)
    /// An Undefined instruction (the raw encoding; T32: hw1 << 16 | hw2, or hw1 for 16-bit).
    case undefinedInstruction(UInt32)
    /// A prefetch abort at virtual address `address` with the IFSR value `status`.
    case prefetchAbort(address: UInt32, status: UInt32)
    /// A data abort at virtual address `address` with the DFSR value `status`.
    case dataAbort(address: UInt32, status: UInt32)
    /// WFI or WFE.
    case waitForInterrupt
    case waitForEvent
}

/// What the host wants done with a `Trap`.
public enum TrapAction: Sendable, Equatable {
    /// Take the architectural exception in the guest (vector, mode change, banked LR/SPSR).
    case exception
    /// The host handled it; continue with the next instruction (the host may have changed registers
    /// or `state.pc` — if it changed `pc`, execution continues there).
    case resume
    /// The host handled it; stop `run(budget:)` and return `.stopped(trap)`. Execution later resumes after
    /// the trapping instruction (or at `state.pc` if the host changed it).
    case stop
}

/// Why `CPU.run(budget:)` returned.
public enum ExitReason: Sendable, Equatable {
    /// The instruction budget was used up.
    case budgetExhausted
    /// The host answered `.stop` to this trap.
    case stopped(Trap)
    /// WFI/WFE with no interrupt pending and the host's `trap` answered `.exception` (meaning: wait):
    /// the host should run again when an interrupt line is raised.
    case waitingForInterrupt
}

/// Permissions of a guest-physical page in the `PhysicalMemoryMap` (second stage).
public struct PagePermissions: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let read = PagePermissions(rawValue: 1)
    public static let write = PagePermissions(rawValue: 2)
    public static let execute = PagePermissions(rawValue: 4)
    public static let all: PagePermissions = [.read, .write, .execute]
}
