import XenABI

/// `__HYPERVISOR_hvm_op(op, arg)`: `HVMOP_get_param` for the calling domain (xenstore and console ring frames
/// and ports). Guests cannot set params (-EPERM); other ops answer -ENOSYS.
enum HVMOps {
    static func handle(_ call: HypercallInvocation, _ vcpu: VCPU) -> HypercallResult {
        let (op, arg, _, _, _) = call.arguments
        switch op {
        case HVMCommand.getParam:
            guard let b = call.space.copyIn(from: arg, count: XenLayout.HVMParam.size) else { return .error(.EFAULT) }
            let domid = b.halfword(at: XenLayout.HVMParam.domid)
            if let e = MemoryOps.checkSelf(domid, vcpu.domain) { return .error(e) }
            let index = b.word(at: XenLayout.HVMParam.index)
            guard let value = vcpu.domain.hvmParams[index] else { return .error(.EINVAL) }
            let bytes = [UInt8].littleEndian(value, count: 8)
            return call.space.copyOut(to: arg &+ UInt32(XenLayout.HVMParam.value), bytes: bytes) ? .value(0) : .error(.EFAULT)
        case HVMCommand.setParam:
            return .error(.EPERM)
        default:
            return .error(.ENOSYS)
        }
    }
}
