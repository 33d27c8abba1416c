/// `__HYPERVISOR_set_timer_op(timeout)`: one-shot timer at `timeout` ns of guest system time (r0 = low word,
/// r1 = high word; the guest reads the same clock from CNTVCT at 1 GHz). 0 cancels. When it passes the
/// domain gets VIRQ_TIMER and a blocked vCPU wakes; a deadline already past fires at once.
enum SetTimerOp {
    static func handle(_ call: HypercallInvocation, _ vcpu: VCPU) -> HypercallResult {
        let (low, high, _, _, _) = call.arguments
        let timeout = UInt64(high) << 32 | UInt64(low)
        vcpu.hypervisor.scheduler.setTimer(vcpu, deadline: timeout == 0 ? nil : timeout)
        return .value(0)
    }
}
