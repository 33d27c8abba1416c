import Synchronization

/// The console backend's counters, reported in `metrics` to the launcher (`xenarm status`) and in the final
/// `stopped:` line. Locked: the control thread reads them while the backend loop writes.
public final class ConsoleMetrics: Sendable {
    public enum Counter: String, CaseIterable, Sendable {
        /// Output bytes taken from the guest's ring and logged by the terminal.
        case bytesOut = "bytes_out"
        /// Acknowledged output chunks.
        case chunksOut = "chunks_out"
        /// Input bytes put into the guest's ring.
        case bytesIn = "bytes_in"
        /// Bytes found already logged on resume and skipped instead of resent (a kill between log and out_cons).
        case resumeSkipped = "resume_skipped"
        /// Anchors that did not fit the ring and log (replaced).
        case resumeMismatches = "resume_mismatches"
        /// Garbage ring indices from the guest (out distance > 2048, in distance > 1024): clamped and counted.
        case ringErrors = "ring_errors"
        /// Grant copies the hypervisor refused (the domain ended, or a revoked grant).
        case copyErrors = "copy_errors"
        /// Terminal model answers that did not come in time (a restarted or stopped model).
        case terminalTimeouts = "terminal_timeouts"
        /// Terminal model connections that closed while a chunk awaited its answer (a killed model): resent at once.
        case terminalLosses = "terminal_losses"
        /// Bus sessions opened (1 + hypervisor reconnects).
        case busSessions = "bus_sessions"
        /// Input bytes dropped because more than `maxPendingInput` waited for a full ring.
        case inputDropped = "input_dropped"
        /// Malformed frames from the terminal model (ignored).
        case malformed
    }

    /// One lock for all: the loop adds a few times per chunk and the control thread reads twice a second.
    private let values = Mutex<[Int64]>([Int64](repeating: 0, count: Counter.allCases.count))

    public init() {}

    public func add(_ counter: Counter, _ n: Int64 = 1) {
        let i = Counter.allCases.firstIndex(of: counter)!
        values.withLock { $0[i] &+= n }
    }

    public func value(_ counter: Counter) -> Int64 {
        let i = Counter.allCases.firstIndex(of: counter)!
        return values.withLock { $0[i] }
    }

    public func snapshot() -> [String: Int64] {
        let v = values.withLock { $0 }
        return Dictionary(uniqueKeysWithValues: Counter.allCases.enumerated().map { ($1.rawValue, v[$0]) })
    }
}
