import Synchronization

/// Per-domain counters, written by the vCPU's thread and read by the metrics reporter (relaxed atomics: each
/// value is exact, a snapshot across them is not).
public final class DomainCounters: Sendable {
    public enum Name: String, CaseIterable, Sendable {
        /// Hypercalls made, answered with an errno, and with an unknown number (-ENOSYS).
        case hypercalls, hypercallErrors = "hypercall_errors", unknownHypercalls = "unknown_hypercalls"
        /// Traps bounced to the guest kernel (syscalls, undefined, aborts, upcalls).
        case trapsDelivered = "traps_delivered"
        /// Accesses to guest-physical addresses outside the domain's RAM and assigned pages: the isolation
        /// evidence (each is also a fault delivered to the guest).
        case isolationFaults = "isolation_faults"
        /// Console bytes written and instructions executed.
        case consoleBytes = "console_bytes", instructions
        /// Nanoseconds of host CPU time the domain's vCPUs ran.
        case runNanoseconds = "run_ns"
    }

    private let hypercalls = Atomic<Int64>(0), hypercallErrors = Atomic<Int64>(0)
    private let unknownHypercalls = Atomic<Int64>(0), trapsDelivered = Atomic<Int64>(0)
    private let isolationFaults = Atomic<Int64>(0), consoleBytes = Atomic<Int64>(0)
    private let instructions = Atomic<Int64>(0), runNanoseconds = Atomic<Int64>(0)

    public init() {}

    private func with<T>(_ name: Name, _ body: (borrowing Atomic<Int64>) -> T) -> T {
        switch name {
        case .hypercalls: return body(hypercalls)
        case .hypercallErrors: return body(hypercallErrors)
        case .unknownHypercalls: return body(unknownHypercalls)
        case .trapsDelivered: return body(trapsDelivered)
        case .isolationFaults: return body(isolationFaults)
        case .consoleBytes: return body(consoleBytes)
        case .instructions: return body(instructions)
        case .runNanoseconds: return body(runNanoseconds)
        }
    }

    public func add(_ name: Name, _ amount: Int64 = 1) {
        with(name) { _ = $0.wrappingAdd(amount, ordering: .relaxed) }
    }

    public subscript(_ name: Name) -> Int64 { with(name) { $0.load(ordering: .relaxed) } }

    /// Every counter by its name.
    public func snapshot() -> [String: Int64] {
        var out: [String: Int64] = [:]
        for name in Name.allCases { out[name.rawValue] = self[name] }
        return out
    }
}
