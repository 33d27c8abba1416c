/// Pages of the hypervisor reserve handed out for hypervisor-owned guest-visible memory: each domain's
/// shared_info, grant-table frames and magic pages (console ring, xenstore ring). They are never part of any
/// domain's block; a domain reaches one only after the hypervisor maps it into that domain's stage 2.
public final class ReservePages: @unchecked Sendable {
    private let machine: MachineMemory
    private var next: UInt64 = 0
    private let lock = Lock()

    public init(machine: MachineMemory) { self.machine = machine }

    /// `count` zero-filled pages from the reserve, or nil when the reserve is used up.
    public func allocate(count: Int) -> UnsafeMutableRawPointer? {
        lock.withLock {
            let bytes = UInt64(count) * 4096
            guard count > 0, bytes <= machine.hypervisorReserve - next else { return nil }
            let p = machine.reserveHost + Int(next)
            next += bytes
            p.initializeMemory(as: UInt8.self, repeating: 0, count: Int(bytes))
            return p
        }
    }

    /// Bytes of the reserve still free.
    public var available: UInt64 { lock.withLock { machine.hypervisorReserve - next } }
}
