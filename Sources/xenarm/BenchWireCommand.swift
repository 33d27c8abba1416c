import ArgumentParser
import Foundation
import Wire

/// `xenarm bench wire`: the Wire layer against raw libzmq, same pattern, same run.
///
/// For each case the C baseline (`bench/wire/zmq_baseline.c`, compiled here with `cc … -lzmq`) and the Swift
/// layer run alternately `--repeats` times; the table shows the median of each, the median of the per-pair
/// ratios of their times (Swift/raw: 1.00 = no overhead, 1.10 = the 10 % budget) and the ratio of the best
/// runs (least disturbed by other load on a shared machine). Each run is a fresh process (the C program, or
/// `xenarm bench wire-worker` for Swift) with a DEALER and a ROUTER in two threads; receives go into zmq_msg_t
/// (copied once into `[UInt8]` by `ZMQSocket.receive()`, lent without a copy by `receive(borrowing:)`), sends
/// come from a buffer. The last rows measure a framed request through `RequestClient` → `RequestServer`
/// against the raw round trip, to show what framing, decoding and the handler cost on top.
struct BenchWireCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wire", abstract: "ZeroMQ round trip and throughput: Swift Wire layer vs raw libzmq.")

    @Option(help: "Runs per side and case; medians and bests are reported.")
    var repeats = 9

    @Option(help: "Multiplies every case's message count (e.g. 0.1 for a quick look).")
    var scale = 1.0

    @Option(help: "The C baseline's source.")
    var baselineSource = "bench/wire/zmq_baseline.c"

    @Option(help: "C compiler for the baseline.")
    var cc = "cc"

    @Flag(help: "Print the table as Markdown (for docs/benchmarks.md).")
    var markdown = false

    func run() throws {
        let baseline = try compileBaseline()
        var rows: [[String]] = []
        // Runs alternate raw, Swift, raw, Swift… and the ratio is the median of each pair's ratio, so a load
        // change on this shared machine hits both sides of a pair alike.
        func measure(_ c: BenchCase, label: String? = nil, _ swiftSide: (Int) throws -> RunTime) throws {
            let count = max(1, Int(Double(c.count) * scale))
            var raw: [RunTime] = [], swift: [RunTime] = []
            for _ in 0 ..< repeats {
                raw.append(try runBaseline(baseline, c, count: count))
                swift.append(try swiftSide(count))
            }
            let wallRatios = zip(swift, raw).map { $0.wall / $1.wall }
            let cpuRatios = zip(swift, raw).map { $0.cpu / max($1.cpu, 1e-9) }
            rows.append(row(c, count: count, raw: median(raw.map(\.wall)), swift: median(swift.map(\.wall)),
                            ratio: median(wallRatios), cpuRatio: median(cpuRatios), label: label))
        }
        for c in BenchCase.all {
            try measure(c) { try runWorker(.plain, c, count: $0) }
        }
        for c in BenchCase.all where c.pattern == .throughput && c.size == 65536 {
            try measure(c, label: "throughput 64 KiB, borrowed receive") { try runWorker(.borrowed, c, count: $0) }
        }
        for transport in ["ipc", "tcp"] {
            let c = BenchCase(pattern: .roundTrip, transport: transport, size: 64, count: 20_000)
            try measure(c, label: "framed request 64 B") { try runWorker(.framed, c, count: $0) }
        }
        printTable(rows)
    }

    // MARK: the two sides

    private func compileBaseline() throws -> String {
        guard FileManager.default.fileExists(atPath: baselineSource) else {
            throw ValidationError("baseline source \(baselineSource) not found (run from the repository root)")
        }
        let output = ".build/bench/zmq_baseline"
        try FileManager.default.createDirectory(atPath: ".build/bench", withIntermediateDirectories: true)
        let status = try execute(cc, ["-O2", "-pthread", "-o", output, baselineSource, "-lzmq"]).status
        guard status == 0 else { throw ValidationError("\(cc) failed to compile \(baselineSource)") }
        return output
    }

    // MARK: output

    private func row(_ c: BenchCase, count: Int, raw: Double, swift: Double, ratio: Double, cpuRatio: Double,
                     label: String?) -> [String] {
        let name = label ?? (c.pattern == .roundTrip ? "round trip \(c.size) B" : "throughput \(c.size / 1024) KiB")
        func figure(_ seconds: Double) -> String {
            switch c.pattern {
            case .roundTrip: return String(format: "%.1f µs/rt", seconds / Double(count) * 1e6)
            case .throughput:
                let mbps = Double(count * c.size) / seconds / 1e6
                return String(format: "%.0f MB/s (%.0f msg/s)", mbps, Double(count) / seconds)
            }
        }
        return [name, c.transport, String(count), figure(raw), figure(swift), String(format: "%.3f", ratio),
                String(format: "%.3f", cpuRatio)]
    }

    private func printTable(_ rows: [[String]]) {
        let header = ["case", "transport", "messages", "raw libzmq (C), median", "Swift Wire, median",
                      "Swift/raw wall time (median of pairs)", "Swift/raw CPU time (median of pairs)"]
        if markdown {
            print("| " + header.joined(separator: " | ") + " |")
            print("|" + header.map { _ in " --- |" }.joined())
            for r in rows { print("| " + r.joined(separator: " | ") + " |") }
            return
        }
        let widths = header.indices.map { i in ([header] + rows).map { $0[i].count }.max()! }
        for r in [header] + rows {
            print(r.indices.map { r[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  "))
        }
    }

    private func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    private func execute(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program.contains("/") ? program : "/usr/bin/env")
        process.arguments = program.contains("/") ? arguments : [program] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The timed part as printed by the C program: "ELAPSED_NS CPU_NS".
    private func runBaseline(_ binary: String, _ c: BenchCase, count: Int) throws -> RunTime {
        let (status, out) = try execute(binary, [c.mode, c.transport, String(c.size), String(count)])
        guard status == 0, let time = RunTime(out) else { throw ValidationError("baseline failed for \(c)") }
        return time
    }

    /// The Swift side also runs in a fresh process of its own (`xenarm bench wire-worker`), with the same
    /// arguments as the C program, so neither side gains from being an older or a newer process.
    private func runWorker(_ variant: BenchWireWorkerCommand.Variant, _ c: BenchCase, count: Int) throws -> RunTime {
        let (status, out) = try execute("/proc/self/exe", [
            "bench", "wire-worker", variant.rawValue, c.mode, c.transport, String(c.size), String(count),
        ])
        guard status == 0, let time = RunTime(out) else { throw ValidationError("Swift worker failed for \(c)") }
        return time
    }
}

/// `xenarm bench wire-worker VARIANT MODE TRANSPORT SIZE COUNT`: the Swift side of one `bench wire` run, in
/// its own process; prints the timed part's elapsed and CPU nanoseconds, like bench/wire/zmq_baseline.c.
struct BenchWireWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wire-worker", abstract: "One Swift-side run of `bench wire` (used by it).",
        shouldDisplay: false)

    enum Variant: String, ExpressibleByArgument {
        /// ZMQSocket receive() (one copy into [UInt8]).
        case plain
        /// ZMQSocket receive(borrowing:) for the data part (no copy).
        case borrowed
        /// RequestClient.call → RequestServer → handler, with framing.
        case framed
    }

    @Argument var variant: Variant
    @Argument var mode: String
    @Argument var transport: String
    @Argument var size: Int
    @Argument var count: Int

    func run() throws {
        guard ["roundtrip", "throughput"].contains(mode), ["ipc", "tcp"].contains(transport) else {
            throw ValidationError("mode is roundtrip|throughput, transport ipc|tcp")
        }
        let c = BenchCase(pattern: mode == "roundtrip" ? .roundTrip : .throughput, transport: transport, size: size,
                          count: count)
        let time = variant == .framed
            ? try Self.runFramed(c, count: count) : try Self.runSwift(c, count: count, borrowed: variant == .borrowed)
        print(Int64(time.wall * 1e9), Int64(time.cpu * 1e9))
    }

    /// Wall and CPU time are taken around the timed part only, as in the C program.
    private static func runSwift(_ c: BenchCase, count: Int, borrowed: Bool) throws -> RunTime {
        let context = try ZMQContext(defaultLingerMilliseconds: 0)
        let server = try EchoThread(context: context, transport: c.transport, pattern: c.pattern,
                                    count: BenchCase.warmup + count, borrowed: borrowed)
        let dealer = try context.socket(.dealer)
        try dealer.connect(server.endpoint)
        let payload = [UInt8](repeating: 0, count: c.size)
        for _ in 0 ..< BenchCase.warmup {
            try dealer.send(payload)
            _ = try dealer.receive()
        }
        let cpuStart = processCPUSeconds()
        let start = ContinuousClock.now
        switch c.pattern {
        case .roundTrip:
            for _ in 0 ..< count {
                try dealer.send(payload)
                _ = try dealer.receive()
            }
        case .throughput:
            for _ in 0 ..< count { try dealer.send(payload) }
            _ = try dealer.receive()
        }
        let elapsed = ContinuousClock.now - start
        let cpu = processCPUSeconds() - cpuStart
        server.join()
        return RunTime(wall: elapsed.seconds, cpu: cpu)
    }

    private static func runFramed(_ c: BenchCase, count: Int) throws -> RunTime {
        let context = try ZMQContext(defaultLingerMilliseconds: 0)
        let server = try FramedEchoThread(context: context, transport: c.transport)
        defer { server.stop() }
        let client = try RequestClient(context: context, connect: server.endpoint, timeout: .seconds(5), attempts: 1)
        let request = DiskRequest(op: .read, requestID: 0, firstSector: 0, sectorCount: 0)
        for _ in 0 ..< BenchCase.warmup { _ = try client.call(request, expecting: DiskResponse.self) }
        let cpuStart = processCPUSeconds()
        let start = ContinuousClock.now
        for _ in 0 ..< count { _ = try client.call(request, expecting: DiskResponse.self) }
        let elapsed = ContinuousClock.now - start
        return RunTime(wall: elapsed.seconds, cpu: processCPUSeconds() - cpuStart)
    }

}

/// One measured case: the same as the C baseline's arguments.
struct BenchCase: CustomStringConvertible {
    enum Pattern { case roundTrip, throughput }
    /// Untimed round trips before each run, as in zmq_baseline.c.
    static let warmup = 200

    let pattern: Pattern
    let transport: String
    let size: Int
    let count: Int

    static let all: [BenchCase] = [
        BenchCase(pattern: .roundTrip, transport: "ipc", size: 64, count: 20_000),
        BenchCase(pattern: .roundTrip, transport: "tcp", size: 64, count: 20_000),
        BenchCase(pattern: .throughput, transport: "ipc", size: 4096, count: 100_000),
        BenchCase(pattern: .throughput, transport: "tcp", size: 4096, count: 100_000),
        BenchCase(pattern: .throughput, transport: "ipc", size: 65536, count: 20_000),
        BenchCase(pattern: .throughput, transport: "tcp", size: 65536, count: 20_000),
    ]

    var description: String { "\(pattern) \(transport) \(size) B" }
    var mode: String { pattern == .roundTrip ? "roundtrip" : "throughput" }

    func endpoint() -> String {
        transport == "ipc"
            ? "ipc://\(NSTemporaryDirectory())xenarm-bench-swift-\(getpid())-\(UInt32.random(in: 0 ... .max)).sock"
            : "tcp://127.0.0.1:*"
    }
}

/// The ROUTER side of the Swift measurement, on its own thread (it makes its socket there).
private final class EchoThread: @unchecked Sendable {
    // @unchecked: `endpoint`/`failure` are written before `ready` is signalled and read after.
    private(set) var endpoint = ""
    private var failure: Error?
    private let ready = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    init(context: ZMQContext, transport: String, pattern: BenchCase.Pattern, count: Int, borrowed: Bool) throws {
        let bind = BenchCase(pattern: pattern, transport: transport, size: 0, count: 0).endpoint()
        Thread { [self] in
            defer { done.signal() }
            do {
                let router = try context.socket(.router)
                try router.bind(bind)
                endpoint = try router.lastEndpoint()
                ready.signal()
                var last: [[UInt8]] = []
                for i in 0 ..< count {
                    if borrowed && pattern == .throughput && i >= BenchCase.warmup {
                        // The identity is kept (to ack), the data only looked at in place.
                        last[0] = try router.receive()
                        _ = try router.receive(borrowing: { $0.count })
                        continue
                    }
                    last = try router.receiveMultipart()
                    if pattern == .roundTrip || i < BenchCase.warmup { try router.send(multipart: last) }
                }
                if pattern == .throughput { try router.send(multipart: [last[0], Array("k".utf8)]) }
                router.close()
            } catch {
                failure = error
                ready.signal()
            }
        }.start()
        ready.wait()
        if let failure { throw failure }
    }

    func join() { done.wait() }
}

/// A `RequestServer` answering every disk request with 64 bytes, for the framed row.
private final class FramedEchoThread: @unchecked Sendable {
    struct Echo: RequestHandler {
        let data = [UInt8](repeating: 0x5A, count: 64)
        var acceptedKinds: [MessageKind: UInt16] { [DiskRequest.kind: DiskRequest.version] }
        mutating func handle(_ request: IncomingRequest, reply: inout Reply) throws {
            let r = try request.decode(DiskRequest.self)
            reply.send(DiskResponse(requestID: r.requestID, status: .ok, data: data))
        }
    }

    private(set) var endpoint = ""
    private var failure: Error?
    private let stopSignal = StopSignal()
    private let ready = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    init(context: ZMQContext, transport: String) throws {
        let bind = BenchCase(pattern: .roundTrip, transport: transport, size: 0, count: 0).endpoint()
        Thread { [self] in
            defer { done.signal() }
            do {
                let server = try RequestServer(context: context, bind: bind, handler: Echo())
                endpoint = server.endpoint
                ready.signal()
                try server.run(until: stopSignal, pollMilliseconds: 50)
                server.socket.close()
            } catch {
                failure = error
                ready.signal()
            }
        }.start()
        ready.wait()
        if let failure { throw failure }
    }

    func stop() {
        stopSignal.stop()
        done.wait()
    }
}

/// One run's timed part: wall-clock seconds and the process's CPU seconds (all threads) over it.
struct RunTime {
    var wall: Double
    var cpu: Double

    init(wall: Double, cpu: Double) {
        self.wall = wall
        self.cpu = cpu
    }

    /// Parses "ELAPSED_NS CPU_NS".
    init?(_ line: String) {
        let fields = line.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        guard fields.count == 2 else { return nil }
        wall = fields[0] / 1e9
        cpu = fields[1] / 1e9
    }
}

/// User + system CPU time of this process (all threads), from getrusage(2).
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

extension Duration {
    fileprivate var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
