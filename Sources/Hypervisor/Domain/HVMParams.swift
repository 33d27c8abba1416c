/// A domain's HVM parameters (`xen/hvm/params.h`), read by the guest with `HVMOP_get_param`. The builder
/// sets the magic-page frames; the event-channel ports are set by whoever allocates them.
public final class HVMParams: @unchecked Sendable {
    private var values: [UInt32: UInt64] = [:]
    private let lock = Lock()

    public init() {}

    public subscript(_ index: UInt32) -> UInt64? {
        get { lock.withLock { values[index] } }
        set { lock.withLock { values[index] = newValue } }
    }
}
