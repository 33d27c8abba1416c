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
