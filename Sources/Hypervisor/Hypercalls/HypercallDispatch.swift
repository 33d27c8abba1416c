import XenABI

/// What a hypercall handler answers.
public enum HypercallResult: Sendable, Equatable {
    /// Success: this value goes to r0.
    case value(UInt32)
    /// Failure: -errno goes to r0 and the domain's error counter counts it.
    case error(XenErrno)
    /// The handler replaced the registers itself (`XENARM_PV_return`): r0 is left alone.
    case resumed
    /// Success with this r0, and the vCPU's time slice ends (yield, block, poll, shutdown).
    case endSlice(UInt32)
}

extension HypercallResult {
    /// A family that answers with the r0 value itself (event channel and grant table ops): a negative Xen
    /// errno becomes `.error` so it is counted.
    public static func fromRegister(_ r0: UInt32) -> HypercallResult {
        let v = Int32(bitPattern: r0)
        if v < 0, let e = XenErrno(rawValue: -v) { return .error(e) }
        return .value(r0)
    }
}

/// A hypercall family: one handler per `__HYPERVISOR_*` number, called on the calling vCPU's thread.
public typealias HypercallHandler = (HypercallInvocation, VCPU) -> HypercallResult

/// The hypercall table: number → family handler (Xen's `hypercall_table`). An unknown number answers
/// -ENOSYS and is counted per domain.
public final class HypercallDispatch: @unchecked Sendable {
    /// Indexed by number; `__HYPERVISOR_arch_0` (48) is the highest xenarm serves.
    private var table = [HypercallHandler?](repeating: nil, count: 64)

    public init() {}

    /// The table with every family the hypervisor core implements.
    public static func standard() -> HypercallDispatch {
        let d = HypercallDispatch()
        d.register(.arch0, ArchPVOps.handle)
        d.register(.consoleIO, ConsoleIO.handle)
        d.register(.schedOp, SchedOps.handle)
        d.register(.setTimerOp, SetTimerOp.handle)
        d.register(.xenVersion, XenVersion.handle)
        d.register(.memoryOp, MemoryOps.handle)
        d.register(.hvmOp, HVMOps.handle)
        d.register(.vcpuOp, VCPUOps.handle)
        return d
    }

    /// Routes `number` to `handler` (replacing any previous one). Call before any vCPU runs.
    public func register(_ number: HypercallNumber, _ handler: @escaping HypercallHandler) {
        precondition(number.rawValue < table.count, "hypercall number \(number.rawValue) beyond the table")
        table[Int(number.rawValue)] = handler
    }

    /// True if `number` has a handler.
    public func handles(_ number: HypercallNumber) -> Bool {
        number.rawValue < table.count && table[Int(number.rawValue)] != nil
    }

    /// Runs hypercall `number` for `vcpu`.
    public func dispatch(number: UInt32, _ call: HypercallInvocation, vcpu: VCPU) -> HypercallResult {
        guard number < table.count, let handler = table[Int(number)] else {
            vcpu.domain.counters.add(.unknownHypercalls)
            return .error(.ENOSYS)
        }
        return handler(call, vcpu)
    }
}
