import XenABI

/// `__HYPERVISOR_sched_op(cmd, arg)`: yield, block, shutdown with a reason, poll (`xen/sched.h`).
enum SchedOps {
    /// Xen's limit on the ports one poll may name.
    static let maximumPollPorts = 128

    static func handle(_ call: HypercallInvocation, _ vcpu: VCPU) -> HypercallResult {
        let (cmd, arg, _, _, _) = call.arguments
        guard let op = SchedOp(rawValue: cmd) else { return .error(.ENOSYS) }
        let domain = vcpu.domain
        switch op {
        case .yield:
            vcpu.sliceRequest = .yield
            return .endSlice(0)
        case .block:
            // As in Xen, blocking enables event delivery; a pending event makes it return at once (the next
            // slice delivers the upcall).
            domain.upcallMasked = false
            vcpu.sliceRequest = domain.upcallPending ? .yield : .block(deadline: nil)
            return .endSlice(0)
        case .shutdown:
            guard let b = call.space.copyIn(from: arg, count: 4) else { return .error(.EFAULT) }
            guard let reason = ShutdownReason(rawValue: b.word(at: 0)) else { return .error(.EINVAL) }
            // Suspend needs a toolstack that saves and restores the domain: not offered.
            if reason == .suspend { return .error(.ENOSYS) }
            vcpu.hypervisor.endDomain(domain, .shutdown(reason: reason.description))
            return .endSlice(0)
        case .poll:
            guard let b = call.space.copyIn(from: arg, count: XenLayout.SchedPoll.size) else { return .error(.EFAULT) }
            func u32(_ o: Int) -> UInt32 { b.word(at: o) }
            let portsHigh = u32(XenLayout.SchedPoll.ports + 4)
            let count = Int(u32(XenLayout.SchedPoll.count))
            let timeout = UInt64(u32(XenLayout.SchedPoll.timeout)) | UInt64(u32(XenLayout.SchedPoll.timeout + 4)) << 32
            guard portsHigh == 0, count <= maximumPollPorts else { return .error(.EINVAL) }
            guard let raw = call.space.copyIn(from: u32(XenLayout.SchedPoll.ports), count: 4 * count) else {
                return .error(.EFAULT)
            }
            let ports = (0..<count).map { raw.word(at: 4 * $0) }
            if ports.contains(where: { domain.isPortPending($0) }) { return .value(0) }
            if timeout != 0 && timeout <= vcpu.hypervisor.clock.now() { return .value(0) }
            vcpu.sliceRequest = .poll(ports: ports, deadline: timeout == 0 ? nil : timeout)
            return .endSlice(0)
        }
    }
}
