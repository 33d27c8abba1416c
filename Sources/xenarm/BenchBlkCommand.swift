import ArgumentParser
import Foundation
import Wire

/// `xenarm bench blk TOPOLOGY`: the block path's guest benchmark against raw ZeroMQ, in the same run
/// (docs/block.md, "Benchmark"; docs/benchmarks.md, "Block path").
///
/// 1. Raw ZeroMQ: a PUSH and a PULL socket on two threads of this process over `ipc://`, `--raw-messages`
///    messages of 64 KiB, timed from the first send to the last receive (the PULL side lends each message without
///    copying it). Run `--raw-repeats` times before the guest run and as many after; the median is the reference.
/// 2. The topology (`Topologies/bench-blk.yaml`): `xenarm launch` as a child process; its guest runs `blk-bench`
///    and prints `BENCH seq-write …`, `BENCH seq-read …`, `BENCH rand-read …` and `RESULT ok` (guest time = host
///    monotonic time).
/// Prints MB/s (10^6 bytes) of each, the ratio seq-read / raw (issue 7's target: ≥ 0.5), IOPS and p50/p99 of the
/// 4 KiB random reads.
struct BenchBlkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blk", abstract: "Guest block I/O through blkback vs raw ZeroMQ ipc PUSH/PULL, same run.")

    @Argument(help: "The topology (a domain running blk-bench), e.g. Topologies/bench-blk.yaml.")
    var topology: String

    @Option(help: "Run directory of the launch (default: a fresh temporary directory).")
    var runDir: String?

    @Option(help: "64 KiB messages per raw ZeroMQ run.")
    var rawMessages = 20_000

    @Option(help: "Raw ZeroMQ runs before and after the guest run (each).")
    var rawRepeats = 3

    @Option(help: "Seconds to wait for the topology to finish.")
    var timeout = 600.0

    @Flag(help: "Print the result as Markdown table rows (for docs/benchmarks.md).")
    var markdown = false

    static let messageSize = 65536

    func run() throws {
        var raw: [Double] = []
        for _ in 0 ..< rawRepeats { raw.append(try Self.rawThroughput(messages: rawMessages)) }
        let guest = try runTopology()
        for _ in 0 ..< rawRepeats { raw.append(try Self.rawThroughput(messages: rawMessages)) }
        let rawMBs = median(raw)

        func mbs(_ name: String) -> Double? {
            guard let b = guest.fields[name]?["bytes"], let ns = guest.fields[name]?["ns"], ns > 0 else { return nil }
            return b / ns * 1e3
        }
        let seqRead = mbs("seq-read"), seqWrite = mbs("seq-write")
        let rand = guest.fields["rand-read"]
        let iops = rand.flatMap { r in r["ios"].flatMap { ios in r["ns"].map { ios / $0 * 1e9 } } }
        func f(_ v: Double?, _ digits: Int = 1) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "n/a" }
        let ratio = seqRead.map { $0 / rawMBs }
        if markdown {
            print("| raw ZeroMQ ipc PUSH/PULL, 64 KiB messages (median of \(raw.count)) | \(f(rawMBs)) MB/s |")
            print("| guest seq-read 64 KiB | \(f(seqRead)) MB/s |")
            print("| guest seq-write 64 KiB | \(f(seqWrite)) MB/s |")
            print("| ratio seq-read / raw (target ≥ 0.5) | \(f(ratio, 3)) |")
            print("| guest rand-read 4 KiB | \(f(iops, 0)) IOPS, p50 \(f(rand?["p50_ns"].map { $0 / 1e3 })) µs, "
                  + "p99 \(f(rand?["p99_ns"].map { $0 / 1e3 })) µs |")
        } else {
            print("raw ZeroMQ ipc PUSH/PULL 64 KiB: \(f(rawMBs)) MB/s (median of \(raw.count): "
                  + raw.map { f($0) }.joined(separator: " ") + ")")
            print("guest seq-read 64 KiB:          \(f(seqRead)) MB/s")
            print("guest seq-write 64 KiB:         \(f(seqWrite)) MB/s")
            print("ratio seq-read / raw:           \(f(ratio, 3)) (target >= 0.5)")
            print("guest rand-read 4 KiB:          \(f(iops, 0)) IOPS, p50 \(f(rand?["p50_ns"].map { $0 / 1e3 })) us, "
                  + "p99 \(f(rand?["p99_ns"].map { $0 / 1e3 })) us")
            for line in guest.backendCounters { print(line) }
        }
        guard guest.ok, seqRead != nil else { throw ExitCode(1) }
    }

    // MARK: raw ZeroMQ

    /// MB/s of `messages` 64 KiB messages from a PUSH to a PULL over ipc, in two threads.
    static func rawThroughput(messages: Int) throws -> Double {
        let context = try ZMQContext()
        let path = "\(NSTemporaryDirectory())xenarm-bench-blk-\(getpid())-\(UInt32.random(in: 0 ... .max)).ipc"
        let endpoint = "ipc://\(path)"
        defer { unlink(path) }
        let pull = try context.socket(.pull)
        try pull.set(.linger(milliseconds: 0))
        try pull.bind(endpoint)
        let payload = [UInt8](repeating: 0xA5, count: messageSize)
        let sender = Thread {
            guard let push = try? context.socket(.push) else { return }
            try? push.set(.linger(milliseconds: 1000))
            try? push.connect(endpoint)
            for _ in 0 ..< messages { try? push.send(payload) }
            push.close()
        }
        // The clock starts at the first message received: connection set-up is not throughput.
        sender.start()
        var received = 0
        _ = try pull.receive(borrowing: { received += $0.count })
        let start = ContinuousClock.now
        for _ in 1 ..< messages { _ = try pull.receive(borrowing: { received += $0.count }) }
        let elapsed = ContinuousClock.now - start
        pull.close()
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(received - messageSize) / seconds / 1e6
    }

    // MARK: the guest run

    struct GuestRun {
        var fields: [String: [String: Double]] = [:]
        var ok = false
        var backendCounters: [String] = []
    }

    private func runTopology() throws -> GuestRun {
        let run = runDir ?? "\(NSTemporaryDirectory())xenarm-bench-blk-\(getpid())"
        try? FileManager.default.removeItem(atPath: run)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = ["launch", topology, "--run-dir", run]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        watchdog.cancel()
        var result = GuestRun()
        for line in output.split(separator: "\n") {
            guard let close = line.firstIndex(of: "]"), line.hasPrefix("[") else { continue }
            let text = line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)
            if text == "RESULT ok" { result.ok = true }
            let words = text.split(separator: " ")
            guard words.count >= 2, words[0] == "BENCH" else { continue }
            var kv: [String: Double] = [:]
            for w in words.dropFirst(2) {
                let parts = w.split(separator: "=", maxSplits: 1)
                if parts.count == 2, let v = Double(parts[1]) { kv[String(parts[0])] = v }
            }
            result.fields[String(words[1])] = kv
        }
        if let data = FileManager.default.contents(atPath: "\(run)/state.json"),
           let state = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let processes = state["processes"] as? [[String: Any]] {
            for p in processes where (p["kind"] as? String) == "backend blk" {
                let name = (p["name"] as? String) ?? "?"
                // The exact final counters are the backend's `stopped:` log line (state.json holds the last
                // 500 ms report, which a short run may not have).
                let log = (try? String(contentsOfFile: "\(run)/logs/\(name).log", encoding: .utf8)) ?? ""
                if let line = log.split(separator: "\n").last(where: { $0.contains("stopped: ") }),
                   let range = line.range(of: "stopped: ") {
                    result.backendCounters.append("\(name): " + line[range.upperBound...])
                    continue
                }
                let counters = (p["counters"] as? [String: Any]) ?? [:]
                result.backendCounters.append("\(name): " + counters.keys.sorted()
                    .map { "\($0)=\(counters[$0]!)" }.joined(separator: " "))
            }
        }
        if !result.ok || process.terminationStatus != 0 {
            FileHandle.standardError.write(Data("bench blk: the topology did not end with RESULT ok (exit \(process.terminationStatus)); its output:\n\(output.suffix(4000))\n".utf8))
        }
        return result
    }

    private func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
