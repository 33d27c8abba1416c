/// Exception entry and return (ARM ARM B1.8–B1.9).
///
/// | exception | mode | vector offset | LR (ARM / Thumb) |
/// | --- | --- | --- | --- |
/// | Reset | SVC | 0x00 | – |
/// | Undefined | UND | 0x04 | instruction + 4 / + 2 |
/// | SVC | SVC | 0x08 | next instruction |
/// | Prefetch Abort (and BKPT) | ABT | 0x0C | instruction + 4 |
/// | Data Abort | ABT | 0x10 | instruction + 8 |
/// | IRQ | IRQ | 0x18 | next instruction + 4 |
/// | FIQ | FIQ | 0x1C | next instruction + 4 |
///
/// Vectors are at VBAR, or at 0xFFFF0000 with SCTLR.V. The new CPSR has IT = 0, T = SCTLR.TE, E = SCTLR.EE,
/// I = 1, F = 1 for FIQ/Reset, A = 1 for everything but Undefined and SVC. There is no Hyp or Monitor mode:
/// HVC and SMC not taken by the host are Undefined.
public enum ExceptionKind: Sendable, CaseIterable {
    case reset, undefined, supervisorCall, prefetchAbort, dataAbort, irq, fiq

    var mode: ProcessorMode {
        switch self {
        case .reset, .supervisorCall: return .supervisor
        case .undefined: return .undefined
        case .prefetchAbort, .dataAbort: return .abort
        case .irq: return .irq
        case .fiq: return .fiq
        }
    }

    var vectorOffset: UInt32 {
        switch self {
        case .reset: return 0x00
        case .undefined: return 0x04
        case .supervisorCall: return 0x08
        case .prefetchAbort: return 0x0C
        case .dataAbort: return 0x10
        case .irq: return 0x18
        case .fiq: return 0x1C
        }
    }
}

extension CPU {
    /// The address exception vectors are fetched from.
    public var vectorBase: UInt32 { cp15.sctlr & CP15.SCTLR.v != 0 ? 0xFFFF_0000 : cp15.vbar }

    /// Enters `kind`: banks the CPSR into the new mode's SPSR, sets LR to `returnLink` and continues at the
    /// vector.
    func takeException(_ kind: ExceptionKind, returnLink: UInt32) {
        let old = state.cpsr
        state.switchMode(to: kind.mode)
        state.spsr = old
        r[14] = returnLink
        state.itState = 0
        state.t = cp15.sctlr & CP15.SCTLR.te != 0
        state.e = false
        state.i = true
        if kind == .fiq || kind == .reset { state.f = true }
        if kind != .undefined && kind != .supervisorCall { state.a = true }
        nextPC = vectorBase &+ kind.vectorOffset
        exclusiveOpen = false
        fetchPage = TLB.invalid
    }

    /// Takes the Undefined exception for the instruction at `state.pc` of `length` bytes.
    func takeUndefined() {
        takeException(.undefined, returnLink: state.pc &+ (state.t ? 2 : 4))
    }

    /// Records an abort in DFSR/DFAR or IFSR/IFAR and takes the exception for the instruction at `state.pc`.
    func takeAbort(_ abort: Abort) {
        switch abort.kind {
        case .data:
            cp15.dfsr = abort.status; cp15.dfar = abort.address
            takeException(.dataAbort, returnLink: state.pc &+ 8)
        case .prefetch:
            cp15.ifsr = abort.status; cp15.ifar = abort.address
            takeException(.prefetchAbort, returnLink: state.pc &+ 4)
        }
    }

    /// Exception return (RFE, SUBS PC, LR, LDM ^ with PC): CPSR ← `spsr`, then branch to `address`,
    /// aligned for the instruction set the restored CPSR.T selects.
    func exceptionReturn(to address: UInt32, spsr: UInt32) {
        state.setCPSR(spsr)
        nextPC = state.t ? address & ~1 : address & ~3
        fetchPage = TLB.invalid
    }

    /// Offers `trap` to the host and carries out its answer. `exception` runs when the host wants the
    /// architectural behaviour.
    @inline(never)
    func offer(_ trap: Trap, exception: () -> Void) {
        // The host may change anything (mode, T, PC, memory): make the run loop look again.
        defer { fetchPage = TLB.invalid }
        let pcBefore = state.pc
        switch host.trap(trap, state: state) {
        case .exception:
            state.pc = pcBefore
            exception()
        case .resume:
            if state.pc != pcBefore { nextPC = state.pc; fetchPage = TLB.invalid }
        case .stop:
            if state.pc != pcBefore { nextPC = state.pc; fetchPage = TLB.invalid }
            state.pc = pcBefore
            stopReason = .stopped(trap)
        }
    }

    /// Raises a pending IRQ or FIQ if its line is up and it is not masked; returns true if one was taken.
    /// `state.pc` is the next instruction to run.
    @inline(never)
    func takePendingInterrupt() -> Bool {
        if interruptLines & 2 != 0 && !state.f {
            nextPC = state.pc
            takeException(.fiq, returnLink: state.pc &+ 4)
            state.pc = nextPC
            return true
        }
        if interruptLines & 1 != 0 && !state.i {
            nextPC = state.pc
            takeException(.irq, returnLink: state.pc &+ 4)
            state.pc = nextPC
            return true
        }
        return false
    }
}
