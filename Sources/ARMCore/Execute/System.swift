/// Exception-generating instructions, hints and barriers (ARM ARM A5.2.11, A8.8.228 ff.): SVC, HVC, SMC,
/// BKPT, UDF, WFI, WFE, SEV, YIELD, NOP, DBG, DMB, DSB, ISB, PLD, PLI. Each trap is offered to the host
/// first (`CPUHost.trap`).
extension CPU {
    /// Undefined instruction: offered to the host, then the Undefined exception.
    @inline(never)
    func undefinedInstruction() {
        offer(.undefinedInstruction(rawInstruction())) { takeUndefined() }
    }

    @inline(never)
    func supervisorCall(_ d: DecodedRef) {
        offer(.supervisorCall(d.imm)) { takeException(.supervisorCall, returnLink: nextPC) }
    }

    /// HVC: for the host (the hypervisor); without it, Undefined (this core has no Hyp mode).
    @inline(never)
    func hypervisorCall(_ d: DecodedRef) {
        offer(.hypervisorCall(d.imm)) { takeUndefined() }
    }

    /// SMC: no Security Extensions; Undefined unless the host takes it.
    @inline(never)
    func secureMonitorCall(_ d: DecodedRef) {
        offer(.secureMonitorCall(d.imm)) { takeUndefined() }
    }

    /// BKPT: a debug event, taken as a Prefetch Abort with IFSR = debug event.
    @inline(never)
    func breakpoint(_ d: DecodedRef) {
        offer(.breakpoint(d.imm)) {
            takeAbort(Abort(kind: .prefetch, address: state.pc, status: FaultStatus.fsr(FaultStatus.debugEvent)))
        }
    }

    /// WFI/WFE: offered to the host; if the host asks for the architectural behaviour and no interrupt is
    /// pending, `run` returns `.waitingForInterrupt` (the instruction has completed).
    @inline(never)
    func wait(event: Bool) {
        offer(event ? .waitForEvent : .waitForInterrupt) {
            if interruptLines == 0 { stopReason = .waitingForInterrupt }
        }
    }
}
