import Foundation
import Synchronization
import Wire

/// The scripted disk client (`xenarm device disk-exercise`): stands in for a guest's block traffic until guests
/// exist. It probes the disk's size, runs a seeded `DiskWorkload` (writes of mixed sizes, read-backs checked
/// against the shadow, flushes, discards), then flushes, reads every known sector back, and, with `verifyImage`,
/// checks the image file itself. Every check that fails is counted; the run passed only if none did.
///
/// Retries: a request unanswered within `timeout` is sent again with the **same request id** on a fresh
/// connection (`RequestClient.reconnect`) until `deadline`: a model that was killed and restarted meanwhile
/// answers it then. One request is in flight at a time, so a re-executed write can never overtake a later one.
public final class DiskExerciser {
    public struct Options: Sendable {
        public var target: String
        public var requests: Int
        public var seed: UInt64
        /// How long one attempt waits for its reply before it is retried.
        public var timeout: Duration = .milliseconds(500)
        /// How long one request may keep being retried (covers a model restart with backoff).
        public var deadline: Duration = .seconds(60)
        /// After the final flush, compare the image file with the shadow (only sectors this run wrote).
        public var verifyImage: String?
        /// The disk is expected to be read-only: WRITE and DISCARD must be refused with `readOnly`.
        public var expectReadOnly = false
        /// Write the final shadow as JSON (runs of sectors with their tag) for an outside check.
        public var manifest: String?

        public init(target: String, requests: Int, seed: UInt64) {
            self.target = target
            self.requests = requests
            self.seed = seed
        }
    }

    /// Counters, readable from the control thread while the run goes on.
    public final class Counters: Sendable {
        let requests = Atomic<Int64>(0)
        let bytes = Atomic<Int64>(0)
        let failures = Atomic<Int64>(0)
        let retries = Atomic<Int64>(0)
        let mismatches = Atomic<Int64>(0)
        public init() {}
        public func snapshot() -> [String: Int64] {
            ["requests": requests.load(ordering: .relaxed), "bytes": bytes.load(ordering: .relaxed),
             "errors": failures.load(ordering: .relaxed), "malformed": 0,
             "retries": retries.load(ordering: .relaxed), "mismatches": mismatches.load(ordering: .relaxed)]
        }
    }

    public struct Summary: Sendable, CustomStringConvertible {
        public var sectors: UInt64 = 0
        public var writes = 0, reads = 0, flushes = 0, discards = 0, refusals = 0
        public var bytesWritten: Int64 = 0, bytesRead: Int64 = 0
        public var retries = 0
        public var mismatchedSectors = 0
        /// Every check that did not hold, described (the first few are printed).
        public var failures: [String] = []
        public var imageVerified: Bool?
        public var passed: Bool { failures.isEmpty && mismatchedSectors == 0 }

        public var description: String {
            var line = "disk-exercise: \(passed ? "PASS" : "FAIL"): \(sectors) sectors, \(writes) writes, \(reads) reads, "
                + "\(flushes) flushes, \(discards) discards"
            if refusals > 0 { line += ", \(refusals) read-only refusals" }
            line += ", \(bytesWritten) bytes written, \(bytesRead) bytes read, \(retries) retries, "
                + "\(mismatchedSectors) mismatched sectors"
            if let imageVerified { line += ", image \(imageVerified ? "verified" : "MISMATCH")" }
            if !failures.isEmpty { line += ", \(failures.count) failed checks" }
            return line
        }
    }

    public let options: Options
    public let counters = Counters()
    private let client: RequestClient
    private let log: (String) -> Void
    /// High bits of every request id: a run nonce, so a rerun of the same seed against a still-running model
    /// never collides with the ids the model's ledger remembers from the previous run.
    private let idBase: UInt64
    private var nextID: UInt64 = 0
    private var summary = Summary()

    public init(context: ZMQContext, options: Options, log: @escaping (String) -> Void = { print($0) }) throws {
        self.options = options
        self.log = log
        client = try RequestClient(context: context, connect: options.target, timeout: options.timeout, attempts: 1)
        var random = SystemRandomNumberGenerator()
        idBase = (random.next() & 0xFFFF_FFFF) << 32
    }

    /// Runs the whole script. Throws only when the model stays unreachable past the deadline; failed checks are
    /// in the summary.
    public func run() throws -> Summary {
        let sectors = try probeSectorCount()
        summary.sectors = sectors
        log("disk-exercise: \(options.target) has \(sectors) sectors; seed \(options.seed), \(options.requests) requests")
        var workload = DiskWorkload(seed: options.seed, sectorCount: sectors, maxSectors: Int(DiskRequest.maxSectors))
        for _ in 0..<options.requests {
            let step = workload.next()
            try perform(step, workload: &workload)
        }
        try perform(.flush, workload: &workload)
        if !options.expectReadOnly {
            for run in workload.knownRuns() { try perform(.read(first: run.first, count: run.count), workload: &workload) }
        }
        if let path = options.verifyImage { summary.imageVerified = verifyImageFile(path, workload: workload) }
        if let path = options.manifest { try writeManifest(path, workload: workload) }
        for failure in summary.failures.prefix(10) { log("disk-exercise: check failed: \(failure)") }
        return summary
    }

    // MARK: requests

    private func makeID() -> UInt64 {
        nextID += 1
        return idBase | nextID
    }

    /// Sends `request`, retrying with the same request id until a reply or the deadline.
    private func call(_ request: DiskRequest) throws -> DiskResponse {
        let deadline = ContinuousClock.now + options.deadline
        counters.requests.add(1, ordering: .relaxed)
        while true {
            let outcome = Result { () throws(WireError) in try client.call(request, expecting: DiskResponse.self) }
            switch outcome {
            case .success(let response):
                guard response.requestID == request.requestID else {
                    fail("reply for request id \(response.requestID) to request \(request.requestID)")
                    return DiskResponse(requestID: request.requestID, status: .badRequest)
                }
                return response
            case .failure(let error):
                guard case .timedOut = error else { throw error }
                guard ContinuousClock.now < deadline else {
                    throw DiskExerciseError.unreachable(target: options.target, requestID: request.requestID,
                                                       waited: options.deadline)
                }
                summary.retries += 1
                counters.retries.add(1, ordering: .relaxed)
                if summary.retries == 1 || summary.retries % 10 == 0 {
                    log("disk-exercise: no reply to request \(request.requestID) (\(request.op)), retrying (\(summary.retries) retries so far)")
                }
                try client.reconnect()
            }
        }
    }

    private func perform(_ step: DiskWorkload.Step, workload: inout DiskWorkload) throws {
        let sectorSize = DiskImage.sectorSize
        switch step {
        case .write(let first, let count, let tag):
            let data = SectorPattern.bytes(first: first, count: count, tag: tag)
            let response = try call(DiskRequest(op: .write, requestID: makeID(), firstSector: first,
                                                sectorCount: UInt32(count), data: data))
            summary.writes += 1
            if options.expectReadOnly {
                expect(response, .readOnly, "WRITE \(first)+\(count)")
                if response.status == .readOnly { summary.refusals += 1 }
            } else if expect(response, .ok, "WRITE \(first)+\(count)") {
                summary.bytesWritten += Int64(data.count)
                counters.bytes.add(Int64(data.count), ordering: .relaxed)
                workload.commit(step)
            }
        case .read(let first, let count):
            let response = try call(DiskRequest(op: .read, requestID: makeID(), firstSector: first,
                                                sectorCount: UInt32(count)))
            summary.reads += 1
            guard expect(response, .ok, "READ \(first)+\(count)") else { return }
            guard response.data.count == count * sectorSize else {
                return fail("READ \(first)+\(count) returned \(response.data.count) bytes")
            }
            summary.bytesRead += Int64(response.data.count)
            counters.bytes.add(Int64(response.data.count), ordering: .relaxed)
            if options.expectReadOnly, let path = options.verifyImage {
                // Nothing is written on a read-only disk, so every READ must return the image file's own bytes.
                let offset = first * UInt64(sectorSize)
                if fileBytes(path, offset: offset, count: response.data.count) != response.data {
                    summary.mismatchedSectors += count
                    counters.mismatches.add(Int64(count), ordering: .relaxed)
                    fail("READ \(first)+\(count) differs from the image file \(path)")
                }
            }
            let bad = workload.mismatches(first: first, data: response.data)
            if !bad.isEmpty {
                summary.mismatchedSectors += bad.count
                counters.mismatches.add(Int64(bad.count), ordering: .relaxed)
                fail("READ \(first)+\(count): \(bad.count) sectors differ from what was written, first \(bad[0])")
            }
        case .flush:
            let response = try call(DiskRequest(op: .flush, requestID: makeID(), firstSector: 0, sectorCount: 0))
            summary.flushes += 1
            expect(response, .ok, "FLUSH")
        case .discard(let first, let count):
            let response = try call(DiskRequest(op: .discard, requestID: makeID(), firstSector: first,
                                                sectorCount: UInt32(count)))
            summary.discards += 1
            if options.expectReadOnly {
                expect(response, .readOnly, "DISCARD \(first)+\(count)")
                if response.status == .readOnly { summary.refusals += 1 }
            } else if expect(response, .ok, "DISCARD \(first)+\(count)") {
                workload.commit(step)
            }
        }
    }

    @discardableResult
    private func expect(_ response: DiskResponse, _ status: DiskResponse.Status, _ what: String) -> Bool {
        guard response.status == status else {
            fail("\(what): status \(response.status), expected \(status)")
            return false
        }
        return true
    }

    private func fail(_ text: String) {
        counters.failures.add(1, ordering: .relaxed)
        summary.failures.append(text)
    }

    /// The disk's size in sectors, found with one-sector READs (`ok` inside, `outOfRange` past the end): the
    /// protocol has no "get geometry" request, and this needs nothing but READ. 2·log2(sectors) reads.
    private func probeSectorCount() throws -> UInt64 {
        func exists(_ sector: UInt64) throws -> Bool {
            let response = try call(DiskRequest(op: .read, requestID: makeID(), firstSector: sector, sectorCount: 1))
            switch response.status {
            case .ok: return true
            case .outOfRange: return false
            default: throw DiskExerciseError.probe(sector: sector, status: response.status)
            }
        }
        guard try exists(0) else { throw DiskExerciseError.emptyDisk(target: options.target) }
        var low: UInt64 = 0  // known to exist
        var high: UInt64 = 1  // first candidate past the end
        while try exists(high) {
            low = high
            guard high < UInt64(1) << 62 else { break }
            high *= 2
        }
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if try exists(middle) { low = middle } else { high = middle }
        }
        return low + 1
    }

    // MARK: outside checks

    private func fileBytes(_ path: String, offset: UInt64, count: Int) -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: offset)) != nil,
              let data = try? handle.read(upToCount: count) else { return nil }
        return [UInt8](data)
    }

    private func verifyImageFile(_ path: String, workload: DiskWorkload) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            fail("cannot open image \(path) to verify it")
            return false
        }
        defer { try? handle.close() }
        var mismatched = 0
        for run in workload.knownRuns() {
            let offset = run.first * UInt64(DiskImage.sectorSize)
            do {
                try handle.seek(toOffset: offset)
                let data = [UInt8](try handle.read(upToCount: run.count * DiskImage.sectorSize) ?? Data())
                guard data.count == run.count * DiskImage.sectorSize else {
                    fail("image \(path) is shorter than sector \(run.first + UInt64(run.count))")
                    return false
                }
                mismatched += workload.mismatches(first: run.first, data: data).count
            } catch {
                fail("reading image \(path): \(error)")
                return false
            }
        }
        if mismatched > 0 { fail("image \(path): \(mismatched) sectors differ from what was acknowledged") }
        return mismatched == 0
    }

    /// `{"seed":S,"sectorSize":512,"sectors":N,"runs":[[first,count,tag],...]}`: consecutive sectors with the same
    /// tag in one run; tag 0 = zeros (discarded). `SectorPattern` gives each sector's bytes from (sector, tag).
    private func writeManifest(_ path: String, workload: DiskWorkload) throws {
        var runs: [[UInt64]] = []
        for sector in workload.shadow.keys.sorted() {
            let tag = workload.shadow[sector]!
            if let last = runs.last, last[0] + last[1] == sector, last[2] == tag {
                runs[runs.count - 1][1] += 1
            } else {
                runs.append([sector, 1, tag])
            }
        }
        let body = runs.map { "[\($0[0]),\($0[1]),\($0[2])]" }.joined(separator: ",")
        let json = "{\"seed\":\(options.seed),\"sectorSize\":\(DiskImage.sectorSize),\"sectors\":\(summary.sectors),\"runs\":[\(body)]}\n"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
    }
}

public enum DiskExerciseError: Error, CustomStringConvertible {
    case unreachable(target: String, requestID: UInt64, waited: Duration)
    case probe(sector: UInt64, status: DiskResponse.Status)
    case emptyDisk(target: String)

    public var description: String {
        switch self {
        case .unreachable(let target, let id, let waited):
            return "disk model \(target) did not answer request \(id) within \(waited)"
        case .probe(let sector, let status):
            return "probing the disk size: READ of sector \(sector) answered \(status)"
        case .emptyDisk(let target):
            return "disk model \(target) refuses to read sector 0"
        }
    }
}
