import XenABI

/// `__HYPERVISOR_grant_table_op` (Xen's `do_grant_table_op`): r0 = `GNTTABOP_*`, r1 = guest-virtual address of
/// an array of argument structures, r2 = how many. Per-op results go in each structure's `status`
/// (`GNTST_*`); r0 is 0, or a negative errno when the array itself cannot be read or written.
///
/// `map_grant_ref` and `unmap_grant_ref` answer -ENOSYS: xenarm moves data between domains and processes by
/// copy only (DESIGN.md §2). A mapping would put one guest's frame in another's stage 2 (or a Dom0 process's
/// address space), which cannot cross a process or host boundary and would make isolation depend on every
/// unmap; a copy is checked against the grant every time.
public struct GrantTableOps: Sendable {
    public let copier: GrantCopy
    /// Copies per hypercall. Xen splits longer batches with hypercall continuations; xenarm has none, so the
    /// bound keeps one hypercall's work (and the time the vCPU thread spends in it) small: 512 × 4 KiB = 2 MiB.
    public static let maxCopyBatch: UInt32 = 512

    public init(copier: GrantCopy) { self.copier = copier }

    public func handle(_ call: HypercallInvocation) -> UInt32 {
        let command = GrantTableCommand(rawValue: call.arguments.0)
        let (address, count) = (call.arguments.1, call.arguments.2)
        do throws(XenErrno) {
            switch command {
            case .setupTable: try setupTable(address, count, call)
            case .querySize: try querySize(address, count, call)
            case .copy: try copy(address, count, call)
            default: throw XenErrno.ENOSYS  // map/unmap: by design (see above); the rest: not implemented
            }
            return 0
        } catch {
            return error.registerValue
        }
    }

    private func table(_ dom: UInt16, _ caller: DomID) -> (GrantTable?, GrantStatus) {
        guard dom == DomID.selfReference.rawValue || dom == caller.rawValue else { return (nil, .permissionDenied) }
        guard let table = copier.tables.table(of: caller) else { return (nil, .badDomain) }
        return (table, .okay)
    }

    /// `GNTTABOP_setup_table`: reports the guest frame numbers where the table's frames are (or will be)
    /// mapped: `grantTableBase / 4096 + i`. On ARM the guest maps them itself with add_to_physmap.
    private func setupTable(_ address: UInt32, _ count: UInt32, _ call: HypercallInvocation) throws(XenErrno) {
        guard count == 1 else { throw .EINVAL }
        var op = try copyIn(GnttabSetupTable.self, address, call)
        let (table, status) = table(op.dom, call.caller)
        op.status = status
        if let table {
            if op.nrFrames > UInt32(table.frameCount) {
                op.status = .generalError
            } else {
                let base = UInt64(GuestMemoryLayout.grantTableBase / GuestMemoryLayout.pageSize)
                var list: [UInt8] = []
                for i in 0 ..< UInt64(op.nrFrames) {
                    withUnsafeBytes(of: (base + i).littleEndian) { list.append(contentsOf: $0) }
                }
                guard op.frameList <= UInt64(UInt32.max),
                      list.isEmpty || call.space.copyOut(to: UInt32(op.frameList), bytes: list) else { throw .EFAULT }
            }
        }
        try copyOut(op, address, call)
    }

    private func querySize(_ address: UInt32, _ count: UInt32, _ call: HypercallInvocation) throws(XenErrno) {
        guard count == 1 else { throw .EINVAL }
        var op = try copyIn(GnttabQuerySize.self, address, call)
        let (table, status) = table(op.dom, call.caller)
        op.status = status
        if let table {
            op.nrFrames = UInt32(table.frameCount)
            op.maxNrFrames = UInt32(table.frameCount)
        }
        try copyOut(op, address, call)
    }

    private func copy(_ address: UInt32, _ count: UInt32, _ call: HypercallInvocation) throws(XenErrno) {
        guard count <= Self.maxCopyBatch else { throw .EINVAL }
        let size = UInt32(GnttabCopy.layout.size)
        for i in 0 ..< count {
            let (at, overflow) = address.addingReportingOverflow(i * size)
            guard !overflow else { throw .EFAULT }
            var op = try copyIn(GnttabCopy.self, at, call)
            op.status = copier.copy(op, copier: call.caller)
            try copyOut(op, at, call)
        }
    }

    private func copyIn<T: XenABIStruct>(_: T.Type, _ address: UInt32, _ call: HypercallInvocation) throws(XenErrno) -> T {
        guard let bytes = call.space.copyIn(from: address, count: T.layout.size) else { throw .EFAULT }
        do { return try T(bytes: bytes) } catch { throw .EFAULT }
    }

    private func copyOut<T: XenABIStruct>(_ value: T, _ address: UInt32, _ call: HypercallInvocation) throws(XenErrno) {
        guard call.space.copyOut(to: address, bytes: value.encoded()) else { throw .EFAULT }
    }
}
