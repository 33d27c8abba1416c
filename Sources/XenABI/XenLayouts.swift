/// Layouts and constants of the Xen public headers the hypervisor core reads or writes in guest memory, as
/// clang lays them out for ARM (`xen/arch-arm.h`: `xen_ulong_t` and guest handles are 64-bit). XenABITests
/// pin each value against the headers in `/usr/include/xen`.
public enum XenLayout {
    /// `struct shared_info` / `struct vcpu_info` (`xen/xen.h`). ARM has one legacy vcpu_info in shared_info
    /// (`XEN_LEGACY_MAX_VCPUS` = 1). Byte 1 of vcpu_info (`pad0` on ARM) is the upcall mask in xenarm's PV
    /// interface, as `evtchn_upcall_mask` is on x86.
    public enum SharedInfo {
        public static let vcpuInfoSize = 48
        public static let upcallPending = 0
        public static let upcallMask = 1
        public static let pendingSelector = 8
        public static let evtchnPending = 48
        public static let evtchnMask = 560
    }

    /// `struct sched_shutdown { unsigned int reason; }` and `struct sched_poll` (`xen/sched.h`).
    public enum SchedPoll {
        public static let ports = 0         // XEN_GUEST_HANDLE(evtchn_port_t): 8 bytes on ARM
        public static let count = 8
        public static let timeout = 16
        public static let size = 24
    }

    /// `struct xen_add_to_physmap` (`xen/memory.h`).
    public enum AddToPhysmap {
        public static let domid = 0
        public static let size = 2
        public static let space = 4
        public static let idx = 8
        public static let gpfn = 16
        public static let structSize = 24
    }

    /// `struct xen_hvm_param` (`xen/hvm/hvm_op.h`).
    public enum HVMParam {
        public static let domid = 0
        public static let index = 4
        public static let value = 8
        public static let size = 16
    }

    /// `struct xen_compile_info` (`xen/version.h`): four character arrays.
    public enum CompileInfo {
        public static let compiler = 0, compileBy = 64, compileDomain = 80, compileDate = 112, size = 144
    }
}

/// `SCHEDOP_*` (`xen/sched.h`).
public enum SchedOp: UInt32, Sendable {
    case yield = 0, block = 1, shutdown = 2, poll = 3
}

/// `SHUTDOWN_*` (`xen/sched.h`).
public enum ShutdownReason: UInt32, Sendable, CustomStringConvertible {
    case poweroff = 0, reboot = 1, suspend = 2, crash = 3, watchdog = 4
    public var description: String {
        switch self {
        case .poweroff: return "poweroff"
        case .reboot: return "reboot"
        case .suspend: return "suspend"
        case .crash: return "crash"
        case .watchdog: return "watchdog"
        }
    }
}

/// `CONSOLEIO_*` (`xen/xen.h`).
public enum ConsoleIOCommand: UInt32, Sendable {
    case write = 0, read = 1
}

/// `XENVER_*` (`xen/version.h`).
public enum XenVersionCommand: UInt32, Sendable {
    case version = 0, extraversion = 1, compileInfo = 2, capabilities = 3, changeset = 4
    case platformParameters = 5, getFeatures = 6, pagesize = 7, guestHandle = 8, commandline = 9
}

/// `XENMEM_*` and `XENMAPSPACE_*` (`xen/memory.h`).
public enum XenMemoryCommand {
    public static let addToPhysmap: UInt32 = 7
    public static let spaceSharedInfo: UInt32 = 0
    public static let spaceGrantTable: UInt32 = 1
}

/// `HVMOP_*` and `HVM_PARAM_*` (`xen/hvm/hvm_op.h`, `xen/hvm/params.h`).
public enum HVMCommand {
    public static let setParam: UInt32 = 0
    public static let getParam: UInt32 = 1
    public static let paramStorePFN: UInt32 = 1
    public static let paramStoreEvtchn: UInt32 = 2
    public static let paramConsolePFN: UInt32 = 17
    public static let paramConsoleEvtchn: UInt32 = 18
}

/// `VCPUOP_*` (`xen/vcpu.h`) that xenarm answers.
public enum VCPUCommand {
    public static let isUp: UInt32 = 3
}

/// `VIRQ_*` (`xen/xen.h`).
public enum VIRQ {
    public static let timer: UInt32 = 0
}

/// `DOMID_SELF` (`xen/xen.h`).
public let domidSelf: UInt16 = 0x7FF0

/// The tables above as C layouts and constants, for the clang check in `Tests/XenABITests`.
public enum HypervisorABICatalogue {
    public static let layouts: [CLayout] = [
        CLayout("struct sched_poll", size: XenLayout.SchedPoll.size, [
            .init("ports", XenLayout.SchedPoll.ports, 8), .init("nr_ports", XenLayout.SchedPoll.count, 4),
            .init("timeout", XenLayout.SchedPoll.timeout, 8),
        ]),
        CLayout("struct sched_shutdown", size: 4, [.init("reason", 0, 4)]),
        CLayout("struct xen_add_to_physmap", size: XenLayout.AddToPhysmap.structSize, [
            .init("domid", XenLayout.AddToPhysmap.domid, 2), .init("size", XenLayout.AddToPhysmap.size, 2),
            .init("space", XenLayout.AddToPhysmap.space, 4), .init("idx", XenLayout.AddToPhysmap.idx, 8),
            .init("gpfn", XenLayout.AddToPhysmap.gpfn, 8),
        ]),
        CLayout("struct xen_hvm_param", size: XenLayout.HVMParam.size, [
            .init("domid", XenLayout.HVMParam.domid, 2), .init("index", XenLayout.HVMParam.index, 4),
            .init("value", XenLayout.HVMParam.value, 8),
        ]),
        CLayout("struct xen_compile_info", size: XenLayout.CompileInfo.size, [
            .init("compiler", XenLayout.CompileInfo.compiler, 64), .init("compile_by", XenLayout.CompileInfo.compileBy, 16),
            .init("compile_domain", XenLayout.CompileInfo.compileDomain, 32),
            .init("compile_date", XenLayout.CompileInfo.compileDate, 32),
        ]),
        CLayout("struct vcpu_info", size: XenLayout.SharedInfo.vcpuInfoSize, [
            .init("evtchn_upcall_pending", XenLayout.SharedInfo.upcallPending, 1),
            .init("evtchn_upcall_mask", XenLayout.SharedInfo.upcallMask, 1),
            .init("evtchn_pending_sel", XenLayout.SharedInfo.pendingSelector, 8),
        ]),
        CLayout("struct shared_info", size: 1088, [
            .init("evtchn_pending", XenLayout.SharedInfo.evtchnPending, 512),
            .init("evtchn_mask", XenLayout.SharedInfo.evtchnMask, 512),
        ]),
        CLayout("struct xenarm_trap_frame", size: XenarmPV.TrapFrame.size, [
            .init("r", XenarmPV.TrapFrame.r0, 52), .init("sp", XenarmPV.TrapFrame.sp, 4),
            .init("lr", XenarmPV.TrapFrame.lr, 4), .init("pc", XenarmPV.TrapFrame.pc, 4),
            .init("cpsr", XenarmPV.TrapFrame.cpsr, 4), .init("vmode", XenarmPV.TrapFrame.vmode, 4),
            .init("kind", XenarmPV.TrapFrame.kind, 4), .init("fault_address", XenarmPV.TrapFrame.faultAddress, 4),
            .init("fault_status", XenarmPV.TrapFrame.faultStatus, 4),
            .init("upcall_mask", XenarmPV.TrapFrame.upcallMask, 4),
        ]),
        CLayout("struct xenarm_vectors", size: XenarmPV.vectorsSize, [.init("entry", 0, XenarmPV.vectorsSize)]),
    ]

    public static let constants: [CConstant] = [
        .init("SCHEDOP_yield", Int64(SchedOp.yield.rawValue)), .init("SCHEDOP_block", Int64(SchedOp.block.rawValue)),
        .init("SCHEDOP_shutdown", Int64(SchedOp.shutdown.rawValue)), .init("SCHEDOP_poll", Int64(SchedOp.poll.rawValue)),
        .init("SHUTDOWN_poweroff", Int64(ShutdownReason.poweroff.rawValue)),
        .init("SHUTDOWN_reboot", Int64(ShutdownReason.reboot.rawValue)),
        .init("SHUTDOWN_suspend", Int64(ShutdownReason.suspend.rawValue)),
        .init("SHUTDOWN_crash", Int64(ShutdownReason.crash.rawValue)),
        .init("SHUTDOWN_watchdog", Int64(ShutdownReason.watchdog.rawValue)),
        .init("CONSOLEIO_write", Int64(ConsoleIOCommand.write.rawValue)),
        .init("CONSOLEIO_read", Int64(ConsoleIOCommand.read.rawValue)),
        .init("XENVER_version", Int64(XenVersionCommand.version.rawValue)),
        .init("XENVER_extraversion", Int64(XenVersionCommand.extraversion.rawValue)),
        .init("XENVER_compile_info", Int64(XenVersionCommand.compileInfo.rawValue)),
        .init("XENVER_capabilities", Int64(XenVersionCommand.capabilities.rawValue)),
        .init("XENVER_changeset", Int64(XenVersionCommand.changeset.rawValue)),
        .init("XENVER_platform_parameters", Int64(XenVersionCommand.platformParameters.rawValue)),
        .init("XENVER_get_features", Int64(XenVersionCommand.getFeatures.rawValue)),
        .init("XENVER_pagesize", Int64(XenVersionCommand.pagesize.rawValue)),
        .init("XENVER_guest_handle", Int64(XenVersionCommand.guestHandle.rawValue)),
        .init("XENVER_commandline", Int64(XenVersionCommand.commandline.rawValue)),
        .init("XENMEM_add_to_physmap", Int64(XenMemoryCommand.addToPhysmap)),
        .init("XENMAPSPACE_shared_info", Int64(XenMemoryCommand.spaceSharedInfo)),
        .init("XENMAPSPACE_grant_table", Int64(XenMemoryCommand.spaceGrantTable)),
        .init("HVMOP_set_param", Int64(HVMCommand.setParam)), .init("HVMOP_get_param", Int64(HVMCommand.getParam)),
        .init("HVM_PARAM_STORE_PFN", Int64(HVMCommand.paramStorePFN)),
        .init("HVM_PARAM_STORE_EVTCHN", Int64(HVMCommand.paramStoreEvtchn)),
        .init("HVM_PARAM_CONSOLE_PFN", Int64(HVMCommand.paramConsolePFN)),
        .init("HVM_PARAM_CONSOLE_EVTCHN", Int64(HVMCommand.paramConsoleEvtchn)),
        .init("VCPUOP_is_up", Int64(VCPUCommand.isUp)), .init("VIRQ_TIMER", Int64(VIRQ.timer)),
        .init("DOMID_SELF", Int64(domidSelf)),
        .init("XENARM_HVC_IMM", Int64(XenarmPV.hypercallImmediate)),
        .init("XENARM_PV_set_vectors", Int64(XenarmPV.SubOp.setVectors.rawValue)),
        .init("XENARM_PV_set_kernel_stack", Int64(XenarmPV.SubOp.setKernelStack.rawValue)),
        .init("XENARM_PV_return", Int64(XenarmPV.SubOp.return.rawValue)),
        .init("XENARM_PV_set_ttbr", Int64(XenarmPV.SubOp.setTTBR.rawValue)),
        .init("XENARM_PV_tlb_flush", Int64(XenarmPV.SubOp.tlbFlush.rawValue)),
        .init("XENARM_TLB_ALL", Int64(XenarmPV.tlbAll)), .init("XENARM_TLB_VA", Int64(XenarmPV.tlbVA)),
        .init("XENARM_DOMAIN_USER", Int64(XenarmPV.domainUser)), .init("XENARM_DOMAIN_KERNEL", Int64(XenarmPV.domainKernel)),
        .init("XENARM_TRAP_COUNT", Int64(XenarmPV.trapCount)),
        .init("XENARM_VMODE_KERNEL", Int64(XenarmPV.VirtualMode.kernel.rawValue)),
        .init("XENARM_VMODE_USER", Int64(XenarmPV.VirtualMode.user.rawValue)),
    ] + XenarmPV.TrapKind.allCases.map { k in
        CConstant(["XENARM_TRAP_SYSCALL", "XENARM_TRAP_UNDEFINED", "XENARM_TRAP_PREFETCH_ABORT",
                   "XENARM_TRAP_DATA_ABORT", "XENARM_TRAP_UPCALL"][Int(k.rawValue)], Int64(k.rawValue))
    }
}
