import XenABI

/// `__HYPERVISOR_arch_0`: xenarm's ARM paravirtualization operations (xenarm-pv.h, docs/guest-abi.md).
/// r0 = sub-op, r1/r2 = its arguments.
enum ArchPVOps {
    static func handle(_ call: HypercallInvocation, _ vcpu: VCPU) -> HypercallResult {
        let (op, a1, a2, _, _) = call.arguments
        guard let sub = XenarmPV.SubOp(rawValue: op) else { return .error(.ENOSYS) }
        switch sub {
        case .setVectors:
            guard let bytes = call.space.copyIn(from: a1, count: XenarmPV.vectorsSize) else { return .error(.EFAULT) }
            vcpu.vectors = (0..<XenarmPV.trapCount).map { bytes.word(at: 4 * $0) }
            vcpu.kernelStack = a2
            return .value(0)
        case .setKernelStack:
            vcpu.kernelStack = a1
            return .value(0)
        case .return:
            if let e = vcpu.returnFromTrap(frameAt: a1) { return .error(e) }
            return .resumed
        case .setTTBR:
            if a1 == 0 {
                vcpu.installTranslationTable(0)
                return .value(0)
            }
            let domain = vcpu.domain
            let validator = PageTableValidator(
                ram: UInt64(GuestMemoryLayout.ramBase)..<UInt64(GuestMemoryLayout.ramBase) + domain.memory.size,
                isAssignedPage: { domain.isAssigned($0) },
                readWord: { address in
                    guard domain.isRAM(address), let host = domain.physmap.lookup(address).host else { return nil }
                    return (host + Int(address & 0xFFC)).load(as: UInt32.self)
                })
            if validator.validate(l1: a1) != nil { return .error(.EINVAL) }
            vcpu.installTranslationTable(a1)
            return .value(0)
        case .tlbFlush:
            guard a1 == XenarmPV.tlbAll || a1 == XenarmPV.tlbVA else { return .error(.EINVAL) }
            // The software TLB has no per-address invalidation: both forms flush it all.
            vcpu.cpu.flushTLB()
            return .value(0)
        }
    }
}
