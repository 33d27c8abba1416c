import Synchronization
import Wire

/// What a disk model has done, readable from any thread (the control thread sends it as `metrics` every
/// 500 ms) while the serving thread counts. Relaxed atomics: every counter is exact; a snapshot is not one instant.
public final class DiskMetrics: Sendable {
    private let reads = Atomic<Int64>(0)
    private let writes = Atomic<Int64>(0)
    private let flushes = Atomic<Int64>(0)
    private let discards = Atomic<Int64>(0)
    private let otherOps = Atomic<Int64>(0)
    private let bytesRead = Atomic<Int64>(0)
    private let bytesWritten = Atomic<Int64>(0)
    private let errors = Atomic<Int64>(0)
    private let ioErrors = Atomic<Int64>(0)
    private let replays = Atomic<Int64>(0)
    private let conflicts = Atomic<Int64>(0)
    private let evictions = Atomic<Int64>(0)

    public init() {}

    /// Counts one executed request (not a replay) by its op and outcome.
    func count(_ request: DiskRequest, _ response: DiskResponse) {
        switch request.op {
        case .read: reads.add(1, ordering: .relaxed)
        case .write: writes.add(1, ordering: .relaxed)
        case .flush: flushes.add(1, ordering: .relaxed)
        case .discard: discards.add(1, ordering: .relaxed)
        default: otherOps.add(1, ordering: .relaxed)
        }
        guard response.status == .ok else {
            errors.add(1, ordering: .relaxed)
            if response.status == .ioError { ioErrors.add(1, ordering: .relaxed) }
            return
        }
        if request.op == .read { bytesRead.add(Int64(response.data.count), ordering: .relaxed) }
        if request.op == .write { bytesWritten.add(Int64(request.data.count), ordering: .relaxed) }
    }

    func countReplay() { replays.add(1, ordering: .relaxed) }
    func countConflict() {
        conflicts.add(1, ordering: .relaxed)
        errors.add(1, ordering: .relaxed)
    }
    func setEvictions(_ value: UInt64) { evictions.store(Int64(clamping: value), ordering: .relaxed) }

    /// The counters for `metrics` / `xenarm status`: the contract's `requests`, `bytes`, `errors`, `malformed`
    /// (frames the wire layer refused), then the detail. `wire` is the serving socket's counters.
    public func counters(wire: WireCounters.Snapshot) -> [String: Int64] {
        let load = { (counter: borrowing Atomic<Int64>) in counter.load(ordering: .relaxed) }
        let perOp = [load(reads), load(writes), load(flushes), load(discards), load(otherOps)]
        return [
            "requests": perOp.reduce(0, +) + load(replays) + load(conflicts),
            "bytes": load(bytesRead) + load(bytesWritten),
            "errors": load(errors),
            "malformed": Int64(clamping: wire.rejected),
            "reads": perOp[0], "writes": perOp[1], "flushes": perOp[2], "discards": perOp[3], "unknownOps": perOp[4],
            "bytesRead": load(bytesRead), "bytesWritten": load(bytesWritten),
            "ioErrors": load(ioErrors), "replays": load(replays), "idConflicts": load(conflicts),
            "ledgerEvictions": load(evictions),
            "framesReceived": Int64(clamping: wire.received),
            "rejectedTruncated": Int64(clamping: wire.truncated), "rejectedOversized": Int64(clamping: wire.oversized),
            "rejectedUnknownKind": Int64(clamping: wire.unknownKind),
            "rejectedWrongVersion": Int64(clamping: wire.wrongVersion),
            "rejectedMalformed": Int64(clamping: wire.malformed),
        ]
    }
}
