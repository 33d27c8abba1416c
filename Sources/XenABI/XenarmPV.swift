/// The ARM paravirtualization contract of `Guests/include/xenarm-pv.h`, mirrored for the hypervisor. The
/// header is the source of truth; XenABITests compile it with clang for armv7a and pin every value here.
public enum XenarmPV {
    /// `XENARM_HVC_IMM`: the immediate of `HVC`/`SVC` that makes a hypercall.
    public static let hypercallImmediate: UInt32 = 0xEA1

    /// Sub-ops of `__HYPERVISOR_arch_0` (r0).
    public enum SubOp: UInt32, Sendable, CaseIterable {
        case setVectors = 0, setKernelStack = 1, `return` = 2, setTTBR = 3, tlbFlush = 4
    }

    /// `XENARM_TLB_*` (r1 of tlb_flush).
    public static let tlbAll: UInt32 = 0
    public static let tlbVA: UInt32 = 1

    /// DACR domains: `XENARM_DOMAIN_USER` is reachable from both virtual modes, `XENARM_DOMAIN_KERNEL` from
    /// virtual kernel mode only.
    public static let domainUser: UInt32 = 0
    public static let domainKernel: UInt32 = 1

    /// `XENARM_TRAP_*`: why the guest kernel was entered (frame `kind`, r1 at the vector, index in the vectors).
    public enum TrapKind: UInt32, Sendable, CaseIterable {
        case syscall = 0, undefined = 1, prefetchAbort = 2, dataAbort = 3, upcall = 4
    }
    public static let trapCount = 5

    /// `XENARM_VMODE_*`.
    public enum VirtualMode: UInt32, Sendable {
        case kernel = 0, user = 1
    }

    /// `struct xenarm_trap_frame`: byte offsets of its fields and its size (all fields are 32-bit words).
    public enum TrapFrame {
        public static let r0 = 0            // r[13]: r0..r12 at 4 * n
        public static let sp = 52
        public static let lr = 56
        public static let pc = 60
        public static let cpsr = 64
        public static let vmode = 68
        public static let kind = 72
        public static let faultAddress = 76
        public static let faultStatus = 80
        public static let upcallMask = 84
        public static let size = 88
        /// The hypervisor pushes frames 8-byte aligned.
        public static let alignment: UInt32 = 8
    }

    /// `struct xenarm_vectors`: `entry[XENARM_TRAP_COUNT]`, 4 bytes each.
    public static let vectorsSize = 4 * trapCount
}
