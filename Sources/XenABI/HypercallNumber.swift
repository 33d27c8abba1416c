/// Hypercall numbers (`__HYPERVISOR_*` in `xen/xen.h`). A struct over the raw value so an unknown number a
/// guest passes stays representable (it is answered with -ENOSYS).
public struct HypercallNumber: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let memoryOp = HypercallNumber(rawValue: 12)        // __HYPERVISOR_memory_op
    public static let setTimerOp = HypercallNumber(rawValue: 15)      // __HYPERVISOR_set_timer_op
    public static let xenVersion = HypercallNumber(rawValue: 17)      // __HYPERVISOR_xen_version
    public static let consoleIO = HypercallNumber(rawValue: 18)       // __HYPERVISOR_console_io
    public static let grantTableOp = HypercallNumber(rawValue: 20)    // __HYPERVISOR_grant_table_op
    public static let vcpuOp = HypercallNumber(rawValue: 24)          // __HYPERVISOR_vcpu_op
    public static let schedOp = HypercallNumber(rawValue: 29)         // __HYPERVISOR_sched_op
    public static let eventChannelOp = HypercallNumber(rawValue: 32)  // __HYPERVISOR_event_channel_op
    public static let hvmOp = HypercallNumber(rawValue: 34)           // __HYPERVISOR_hvm_op
    /// xenarm's ARM paravirtualization hypercall (Guests/include/xenarm-pv.h, docs/guest-abi.md).
    public static let arch0 = HypercallNumber(rawValue: 48)           // __HYPERVISOR_arch_0
}
