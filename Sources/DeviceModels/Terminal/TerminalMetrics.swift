import Synchronization
import Wire

/// What a terminal model has done, readable from the control thread while the serving thread counts.
public final class TerminalMetrics: Sendable {
    let outputChunks = Atomic<Int64>(0)
    let outputBytes = Atomic<Int64>(0)
    let inputChunks = Atomic<Int64>(0)
    let inputBytes = Atomic<Int64>(0)
    let inputDropped = Atomic<Int64>(0)
    let attaches = Atomic<Int64>(0)
    let detaches = Atomic<Int64>(0)
    let attached = Atomic<Int64>(0)
    let refused = Atomic<Int64>(0)
    let logErrors = Atomic<Int64>(0)
    let deliveriesDropped = Atomic<Int64>(0)

    public init() {}

    /// `requests`, `bytes`, `errors`, `malformed` as the contract names them, then the detail.
    public func counters(wire: WireCounters.Snapshot) -> [String: Int64] {
        let load = { (counter: borrowing Atomic<Int64>) in counter.load(ordering: .relaxed) }
        return [
            "requests": load(outputChunks) + load(inputChunks) + load(attaches) + load(detaches) + load(refused),
            "bytes": load(outputBytes) + load(inputBytes),
            "errors": load(refused) + load(logErrors),
            "malformed": Int64(clamping: wire.rejected) - load(refused),
            "outputChunks": load(outputChunks), "outputBytes": load(outputBytes),
            "inputChunks": load(inputChunks), "inputBytes": load(inputBytes), "inputDropped": load(inputDropped),
            "attaches": load(attaches), "detaches": load(detaches), "attached": load(attached),
            "refused": load(refused), "logErrors": load(logErrors), "deliveriesDropped": load(deliveriesDropped),
            "framesReceived": Int64(clamping: wire.received),
        ]
    }
}
