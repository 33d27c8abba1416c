import Foundation
import Wire

/// blkback's native driver: the disk model's client (Wire's disk family, docs/devices.md).
///
/// A model that does not answer is restarting: the request is sent again with the **same request id** (the
/// model's ledger answers a retried id from its record, never executing it twice) until `deadline` has passed,
/// then the ring request fails with BLKIF_RSP_ERROR. A model killed with a request in flight closes the connection:
/// the resend then goes out as soon as the new model is bound (Wire's prompt resend, `SocketPeerLoss`), not after
/// the 500 ms attempt timeout, which stays for a model that hangs. Request ids are unique across this backend's restarts too:
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
        self.context = context
        self.metrics = metrics
        self.deadline = deadline
        // One attempt per call: the retry loop is here, so it can count and bound the whole wait.
        client = try RequestClient(context: context, connect: endpoint, timeout: .milliseconds(500), attempts: 1,
                               resendOnPeerLoss: true)
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

    /// Performs `requests` with all of them in flight at once on one connection (the model answers them in order,
    /// without waiting for this process between two of them), retrying the unanswered ones with the same frames
    /// (same sequences, same request ids) through model restarts until `deadline`. Each result is the response to
    /// the request at the same index, or nil when it failed for good.
    public func performAll(_ requests: [DiskRequest]) -> [DiskResponse?] {
        if requests.count <= 1 { return requests.map { perform($0) } }
        var results = [DiskResponse?](repeating: nil, count: requests.count)
        var frames: [UInt64: (index: Int, frame: [UInt8])] = [:]
        for (i, r) in requests.enumerated() {
            pipelineSequence &+= 1
            frames[pipelineSequence] = (i, Frame.encode(r, sequence: pipelineSequence))
        }
        let giveUp = ContinuousClock.now + deadline
        var pending = frames
        var first = true
        while !pending.isEmpty {
            if !first {
                guard ContinuousClock.now < giveUp else { break }
                metrics.add(.modelRetries, Int64(pending.count))
                reconnectPipeline()
            }
            first = false
            guard let socket = pipelineSocket() else { continue }
            pipelineLoss?.clear()
            var sendFailed = false
            for sequence in pending.keys.sorted() {
                do { try socket.send(pending[sequence]!.frame) } catch {
                    sendFailed = true
                    break
                }
            }
            if sendFailed { continue }
            // Answers until none came for one attempt's timeout.
            var attemptDeadline = ContinuousClock.now + Self.attemptTimeout
            while !pending.isEmpty {
                let parts: [[UInt8]]
                if let loss = pipelineLoss {
                    guard case .message(let p)? = try? loss.receive(socket, until: attemptDeadline) else { break }
                    parts = p  // else timed out, or the model died: resend the rest
                } else {
                    let left = attemptDeadline - ContinuousClock.now
                    guard left > .zero else { break }
                    let ms = Int32(clamping: max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
                    guard (try? socket.set(.receiveTimeout(milliseconds: ms))) != nil,
                          let p = try? socket.receiveMultipart() else { break }
                    parts = p
                }
                guard let frame = parts.last else { break }
                var reader = ByteReader(frame)
                guard let header = try? FrameHeader(decoding: &reader), header.flags.contains(.reply),
                      let entry = pending[header.sequence] else { continue }  // stale: an earlier attempt's answer
                pending[header.sequence] = nil
                attemptDeadline = ContinuousClock.now + Self.attemptTimeout
                if let response = try? Frame.decode(DiskResponse.self, from: frame).1,
                   response.requestID == requests[entry.index].requestID {
                    results[entry.index] = response
                } else {
                    metrics.add(.modelErrors)  // an ErrorReply or an answer that does not decode
                }
            }
        }
        if !pending.isEmpty { metrics.add(.modelErrors, Int64(pending.count)) }
        return results
    }

    /// One attempt's wait for the next answer of a pipelined batch (a model restarting takes longer).
    static let attemptTimeout: Duration = .milliseconds(500)

    private var pipeline: ZMQSocket?
    private var pipelineLoss: SocketPeerLoss?
    private var pipelineSequence: UInt64 = 1 << 40
    private let context: ZMQContext

    private func pipelineSocket() -> ZMQSocket? {
        if let pipeline { return pipeline }
        do {
            let s = try context.socket(.dealer)
            try s.set(.linger(milliseconds: 0))
            try s.set(.immediate(true))
            try s.set(.reconnectInterval(milliseconds: 50))
            try s.set(.reconnectIntervalMax(milliseconds: 50))  // no backoff: the model restarts in ~100 ms
            try s.set(.sendTimeout(milliseconds: Int32(500)))
            try s.set(.maxMessageSize(Int64(FrameHeader.transportLimit)))
            let loss = try? SocketPeerLoss(watching: s)  // without it the attempt timeout alone applies
            try s.connect(endpoint)
            pipeline = s
            pipelineLoss = loss
            return s
        } catch {
            return nil
        }
    }

    /// A fresh connection: a restarted model lost what was queued; late answers of the old one are dropped with it.
    private func reconnectPipeline() {
        pipelineLoss = nil
        pipeline?.close()
        pipeline = nil
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
