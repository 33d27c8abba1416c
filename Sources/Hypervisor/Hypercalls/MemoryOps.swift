import XenABI

/// `__HYPERVISOR_memory_op(cmd, arg)`: `XENMEM_add_to_physmap` for `XENMAPSPACE_shared_info` and
/// `XENMAPSPACE_grant_table` — the hypervisor-owned page(s) appear at the guest frame the guest chose (as on
/// Xen ARM). Other commands answer -ENOSYS.
enum MemoryOps {
    static func handle(_ call: HypercallInvocation, _ vcpu: VCPU) -> HypercallResult {
        let (cmd, arg, _, _, _) = call.arguments
        guard cmd == XenMemoryCommand.addToPhysmap else { return .error(.ENOSYS) }
        guard let b = call.space.copyIn(from: arg, count: XenLayout.AddToPhysmap.structSize) else { return .error(.EFAULT) }
        func u32(_ o: Int) -> UInt32 { b.word(at: o) }
        let domid = b.halfword(at: XenLayout.AddToPhysmap.domid)
        let domain = vcpu.domain
        if let e = checkSelf(domid, domain) { return .error(e) }
        let space = u32(XenLayout.AddToPhysmap.space)
        let idxHigh = u32(XenLayout.AddToPhysmap.idx + 4), idx = u32(XenLayout.AddToPhysmap.idx)
        let gpfnHigh = u32(XenLayout.AddToPhysmap.gpfn + 4), gpfn = u32(XenLayout.AddToPhysmap.gpfn)
        guard idxHigh == 0, gpfnHigh == 0, gpfn < 1 << 20 else { return .error(.EINVAL) }
        let address = gpfn << 12
        // The frame must not shadow RAM or a magic page: the guest would lose memory it was given.
        guard !domain.isRAM(address),
              !(address >= GuestMemoryLayout.magicBase
                && address < GuestMemoryLayout.magicBase + UInt32(Domain.magicPageCount) * 4096) else {
            return .error(.EINVAL)
        }
        let page: UnsafeMutableRawPointer
        switch space {
        case XenMemoryCommand.spaceSharedInfo:
            guard idx == 0 else { return .error(.EINVAL) }
            if let old = domain.sharedInfoGFN { domain.physmap.unmap(guestPhysical: old << 12, count: 1) }
            domain.sharedInfoGFN = gpfn
            page = domain.sharedInfo
        case XenMemoryCommand.spaceGrantTable:
            guard let frame = domain.grantTable.frame(Int(idx)) else { return .error(.EINVAL) }
            if let old = domain.grantFrameGFNs[Int(idx)] { domain.physmap.unmap(guestPhysical: old << 12, count: 1) }
            domain.grantFrameGFNs[Int(idx)] = gpfn
            page = frame
        default:
            return .error(.EINVAL)
        }
        // Whatever else was mapped at that frame (another shared page) is replaced.
        domain.physmap.map(guestPhysical: address, count: 1, host: page, permissions: [.read, .write])
        for other in domain.vcpus where other !== vcpu { other.needsTLBFlush = true }
        vcpu.cpu.flushTLB()
        return .value(0)
    }

    /// A guest may name only itself (`DOMID_SELF` or its own id): any other id is -EPERM, whether or not that
    /// domain exists (an unprivileged guest learns nothing about its neighbours from the answer).
    static func checkSelf(_ domid: UInt16, _ domain: Domain) -> XenErrno? {
        domid == domidSelf || domid == domain.id.rawValue ? nil : .EPERM
    }
}
