import Synchronization

/// One virtual disk's counters (one blkback process per disk), reported in `metrics` to the launcher
/// (`xenarm status`) and in the final `stopped:` line. docs/block.md, "Counters", says what each means.
public final class BlkMetrics: Sendable {
    public enum Counter: String, CaseIterable, Sendable {
        /// Ring requests answered (any status).
        case requests
        case reads, writes, flushes, discards
        /// Bytes read from the disk into the guest's pages / written from them to the disk.
        case bytesRead = "bytes_read"
        case bytesWritten = "bytes_written"
        /// Responses with a status other than BLKIF_RSP_OKAY.
        case errors
        /// Requests refused by validation (bad op, segments, range, read-only): part of `errors`.
        case invalid
        /// Grant copies the hypervisor refused (bad refs, read-only grants): the request answered BLKIF_RSP_ERROR.
        case copyErrors = "copy_errors"
        /// Broken rings (req_prod more than a ring ahead): the ring was stopped until the frontend reconnected.
        case ringErrors = "ring_errors"
        /// Disk model transactions resent after a timeout (a model restart), same request id.
        case modelRetries = "model_retries"
        /// Disk model transactions that failed for good (an error status, or no answer before the deadline).
        case modelErrors = "model_errors"
        /// Notifications sent to the guest.
        case notifications
        /// Rings connected (1 + every reconnection of the frontend).
        case connects
        /// Bus sessions opened (1 + hypervisor bus reconnects).
        case busSessions = "bus_sessions"
        /// xenstored reconnections (its restarts seen by this backend).
        case xenstoreReconnects = "xenstore_reconnects"
        /// The disk's size in sectors (a gauge, for `xenarm status`).
        case sectors
    }

    private let values = Mutex<[Int64]>([Int64](repeating: 0, count: Counter.allCases.count))

    public init() {}

    private static let index: [Counter: Int] = Dictionary(uniqueKeysWithValues: Counter.allCases.enumerated().map { ($1, $0) })

    public func add(_ counter: Counter, _ n: Int64 = 1) {
        let i = Self.index[counter]!
        values.withLock { $0[i] &+= n }
    }

    public func set(_ counter: Counter, _ n: Int64) {
        let i = Self.index[counter]!
        values.withLock { $0[i] = n }
    }

    public func value(_ counter: Counter) -> Int64 {
        let i = Self.index[counter]!
        return values.withLock { $0[i] }
    }

    public func snapshot() -> [String: Int64] {
        let v = values.withLock { $0 }
        return Dictionary(uniqueKeysWithValues: Counter.allCases.enumerated().map { ($1.rawValue, v[$0]) })
    }
}
