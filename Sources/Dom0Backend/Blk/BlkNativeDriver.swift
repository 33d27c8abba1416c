import Foundation
import Wire

/// blkback's native driver: the disk model's client (Wire's disk family, docs/devices.md).
///
/// A model that does not answer is restarting: the request is sent again with the **same request id** (the
/// model's ledger answers a retried id from its record, never executing it twice) until `deadline` has passed,
/// then the ring request fails with BLKIF_RSP_ERROR. Request ids are unique across this backend's restarts too:
/// the high bits are the process's start time in milliseconds, so a new process never reuses an id the model's
/// ledger still holds for other content (which it would refuse as a conflict).
public final class BlkNativeDriver {
    public let endpoint: String
    /// How long one ring request may wait for a restarting model before it fails. Under the guest's 30 s deadline.
    public var deadline: Duration
    private let client: RequestClient
    private let metrics: BlkMetrics
    private var nextID: UInt64

    public init(context: ZMQContext, endpoint: String, metrics: BlkMetrics, deadline: Duration = .seconds(20))
        throws(WireError) {
        self.endpoint = endpoint
        self.metrics = metrics
        self.deadline = deadline
        // One attempt per call: the retry loop is here, so it can count and bound the whole wait.
        client = try RequestClient(context: context, connect: endpoint, timeout: .milliseconds(500), attempts: 1)
        nextID = UInt64(Date().timeIntervalSince1970 * 1000) << 22
    }

    /// A fresh request id.
    public func newID() -> UInt64 {
        nextID &+= 1
        return nextID
    }

    /// Performs one disk transaction, retrying through model restarts. nil when it failed for good.
    public func perform(_ request: DiskRequest) -> DiskResponse? {
        let giveUp = ContinuousClock.now + deadline
        var attempt = 0
        while true {
            attempt += 1
            do {
                let response = try client.call(request, expecting: DiskResponse.self)
                guard response.requestID == request.requestID else {
                    metrics.add(.modelErrors)
                    return nil
                }
                return response
            } catch .timedOut {
                guard ContinuousClock.now < giveUp else {
                    metrics.add(.modelErrors)
                    return nil
                }
                metrics.add(.modelRetries)
                try? client.reconnect()
            } catch {
                // An ErrorReply or a reply that does not decode: the model refused this request.
                metrics.add(.modelErrors)
                return nil
            }
        }
    }

    /// The disk's size in sectors, found by reading single sectors (the model answers `outOfRange` past the end):
    /// a binary search, at most 64 reads. nil when the model does not answer.
    public func probeCapacity() -> UInt64? {
        func exists(_ sector: UInt64) -> Bool? {
            guard let r = perform(DiskRequest(op: .read, requestID: newID(), firstSector: sector, sectorCount: 1))
            else { return nil }
            return r.status == .ok
        }
        guard let first = exists(0) else { return nil }
        if !first { return 0 }
        var low: UInt64 = 1, high: UInt64 = 1  // sectors < low exist; find a high that does not
        while true {
            guard let e = exists(high) else { return nil }
            if !e { break }
            low = high + 1
            guard high < UInt64(1) << 52 else { return nil }
            high *= 2
        }
        // Sector low-1 exists, sector high does not.
        while low < high {
            let mid = low + (high - low) / 2
            guard let e = exists(mid) else { return nil }
            if e { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
