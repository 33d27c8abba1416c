/// ARM `struct shared_info` and `struct vcpu_info` (`xen/xen.h`, `xen/arch-arm.h`): the page the hypervisor
/// and the guest share for the 2-level event channel ABI. On ARM `xen_ulong_t` is 64 bits, so the page holds
/// 64 × 64 = 4096 pending and 4096 mask bits, and one selector word per vCPU says which 64-bit word of
/// `evtchn_pending` may have bits set.
///
/// The byte at `vcpu_info` offset 1 is `evtchn_upcall_mask` when the header is compiled with
/// `XEN_HAVE_PV_UPCALL_MASK` (x86 PV); ARM Xen calls it `pad0` because ARM guests mask interrupts in the CPU.
/// xenarm guests run in user mode and cannot, so xenarm uses the PV meaning (Guests/include/xenarm-pv.h):
/// guests compile with `-DXEN_HAVE_PV_UPCALL_MASK`, and the clang check does too.
public enum VcpuInfoLayout {
    public static let layout = CLayout("struct vcpu_info", size: 48, [
        .init("evtchn_upcall_pending", 0, 1), .init("evtchn_upcall_mask", 1, 1),
        .init("evtchn_pending_sel", 8, 8), .init("time", 16, 32),
    ])
    public static let upcallPending = 0
    public static let upcallMask = 1
    public static let pendingSelector = 8
    public static let time = 16
    public static let size = 48
}

/// Offsets in the shared_info page (ARM, `XEN_LEGACY_MAX_VCPUS` = 1).
public enum SharedInfoLayout {
    public static let layout = CLayout("struct shared_info", size: 1088, [
        .init("vcpu_info", 0, 48), .init("evtchn_pending", 48, 512), .init("evtchn_mask", 560, 512),
        .init("wc_version", 1072, 4), .init("wc_sec", 1076, 4), .init("wc_nsec", 1080, 4),
        .init("wc_sec_hi", 1084, 4),
    ])
    /// `vcpu_info[0]`: the only vCPU a xenarm domain has.
    public static let vcpuInfo = 0
    public static let pending = 48
    public static let mask = 560
    public static let wallClockVersion = 1072
    public static let size = 1088
    /// Bits per `xen_ulong_t` word on ARM.
    public static let bitsPerWord = 64
    /// `EVTCHN_2L_NR_CHANNELS` on ARM: 64 words of 64 bits.
    public static let channelCount = 4096
}

/// `struct xenarm_vectors` (Guests/include/xenarm-pv.h): one entry point per trap kind.
public struct XenarmVectors: XenABIStruct {
    public static let layout = CLayout("struct xenarm_vectors", size: 20, (0 ..< 5).map {
        CLayout.Field("entry[\($0)]", $0 * 4, 4)
    })
    public var entry: [UInt32]
    public init(entry: [UInt32]) {
        precondition(entry.count == XenarmTrapKind.count, "one entry per trap kind")
        self.entry = entry
    }
    public init(bytes: [UInt8]) throws(XenABIError) {
        let r = try LayoutReader(bytes, Self.layout)
        entry = (0 ..< XenarmTrapKind.count).map { r.u32("entry[\($0)]") }
    }
    public func encoded() -> [UInt8] {
        var w = LayoutWriter(Self.layout)
        for (i, e) in entry.enumerated() { w.set("entry[\(i)]", e) }
        return w.bytes
    }
}

/// `XENARM_TRAP_*`.
public enum XenarmTrapKind: UInt32, Sendable, CaseIterable {
    case syscall = 0, undefined = 1, prefetchAbort = 2, dataAbort = 3, upcall = 4
    public static let count = 5
}

/// `struct xenarm_trap_frame` (88 bytes): what the hypervisor pushes on the guest kernel stack.
public struct XenarmTrapFrame: XenABIStruct {
    public static let layout = CLayout("struct xenarm_trap_frame", size: 88,
        (0 ..< 13).map { CLayout.Field("r[\($0)]", $0 * 4, 4) } + [
            .init("sp", 52, 4), .init("lr", 56, 4), .init("pc", 60, 4), .init("cpsr", 64, 4), .init("vmode", 68, 4),
            .init("kind", 72, 4), .init("fault_address", 76, 4), .init("fault_status", 80, 4),
            .init("upcall_mask", 84, 4),
        ])
    /// r0–r12.
    public var r: [UInt32]
    public var sp: UInt32, lr: UInt32, pc: UInt32, cpsr: UInt32
    public var vmode: UInt32, kind: UInt32, faultAddress: UInt32, faultStatus: UInt32, upcallMask: UInt32

    public init(r: [UInt32], sp: UInt32, lr: UInt32, pc: UInt32, cpsr: UInt32, vmode: UInt32, kind: UInt32,
                faultAddress: UInt32 = 0, faultStatus: UInt32 = 0, upcallMask: UInt32 = 0) {
        precondition(r.count == 13, "r0-r12")
        self.r = r; self.sp = sp; self.lr = lr; self.pc = pc; self.cpsr = cpsr; self.vmode = vmode
        self.kind = kind; self.faultAddress = faultAddress; self.faultStatus = faultStatus; self.upcallMask = upcallMask
    }
    public init(bytes: [UInt8]) throws(XenABIError) {
        let x = try LayoutReader(bytes, Self.layout)
        r = (0 ..< 13).map { x.u32("r[\($0)]") }
        sp = x.u32("sp"); lr = x.u32("lr"); pc = x.u32("pc"); cpsr = x.u32("cpsr"); vmode = x.u32("vmode")
        kind = x.u32("kind"); faultAddress = x.u32("fault_address"); faultStatus = x.u32("fault_status")
        upcallMask = x.u32("upcall_mask")
    }
    public func encoded() -> [UInt8] {
        var w = LayoutWriter(Self.layout)
        for (i, v) in r.enumerated() { w.set("r[\(i)]", v) }
        w.set("sp", sp); w.set("lr", lr); w.set("pc", pc); w.set("cpsr", cpsr); w.set("vmode", vmode)
        w.set("kind", kind); w.set("fault_address", faultAddress); w.set("fault_status", faultStatus)
        w.set("upcall_mask", upcallMask)
        return w.bytes
    }

    /// The constants of xenarm-pv.h, for the clang check.
    public static let cConstants: [CConstant] = [
        .init("XENARM_HVC_IMM", 0xEA1),
        .init("XENARM_PV_set_vectors", 0), .init("XENARM_PV_set_kernel_stack", 1), .init("XENARM_PV_return", 2),
        .init("XENARM_PV_set_ttbr", 3), .init("XENARM_PV_tlb_flush", 4),
        .init("XENARM_TLB_ALL", 0), .init("XENARM_TLB_VA", 1),
        .init("XENARM_DOMAIN_USER", 0), .init("XENARM_DOMAIN_KERNEL", 1),
        .init("XENARM_TRAP_SYSCALL", 0), .init("XENARM_TRAP_UNDEFINED", 1), .init("XENARM_TRAP_PREFETCH_ABORT", 2),
        .init("XENARM_TRAP_DATA_ABORT", 3), .init("XENARM_TRAP_UPCALL", 4), .init("XENARM_TRAP_COUNT", 5),
        .init("XENARM_VMODE_KERNEL", 0), .init("XENARM_VMODE_USER", 1),
    ]
}

/// Every layout and constant this module mirrors: what `Tests/XenABITests` checks against clang.
public enum XenABICatalogue {
    public static let layouts: [CLayout] = [
        EvtchnAllocUnbound.layout, EvtchnBindInterdomain.layout, EvtchnBindVirq.layout, EvtchnStatus.layout,
    ] + EvtchnPortArgument.layouts + [
        GrantEntryV1.layout, GnttabSetupTable.layout, GnttabQuerySize.layout, GnttabCopy.layout,
        VcpuInfoLayout.layout, SharedInfoLayout.layout, XenarmVectors.layout, XenarmTrapFrame.layout,
    ]
    public static let constants: [CConstant] =
        EventChannelCommand.cConstants + GrantTableCommand.cConstants + XenarmTrapFrame.cConstants
}
