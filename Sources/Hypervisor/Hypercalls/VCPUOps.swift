import XenABI

/// `__HYPERVISOR_vcpu_op(cmd, vcpuid, arg)`: `VCPUOP_is_up`. A domain runs vCPU 0 only (secondary vCPUs
/// would need `VCPUOP_initialise`, which xenarm does not offer): other commands answer -ENOSYS.
enum VCPUOps {
    static func handle(_ call: HypercallInvocation, _ vcpu: VCPU) -> HypercallResult {
        let (cmd, id, _, _, _) = call.arguments
        switch cmd {
        case VCPUCommand.isUp:
            guard Int(id) < vcpu.domain.vcpus.count else { return .error(.ENOENT) }
            return .value(vcpu.domain.vcpus[Int(id)].runState == .ended ? 0 : 1)
        default:
            return .error(.ENOSYS)
        }
    }
}
