import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One guest console line as the soak saw it arrive.
public struct SoakLine: Sendable, Equatable {
    /// Arrival time, host monotonic ms (when the tail read it: at most one poll period after it was written).
    public var time: Double
    public var domain: String
    public var text: String
    public init(time: Double, domain: String, text: String) { self.time = time; self.domain = domain; self.text = text }
}

/// Follows the guests' console output while the topology runs and timestamps each complete line on arrival:
/// the hypervisor's log (guests on console_io print there as `[DOMAIN] line`) and each console backend's terminal
/// log (raw guest bytes of one domain). One thread polls every file every `periodMilliseconds`.
final class SoakTail: @unchecked Sendable {
    struct Source {
        let path: String
        /// The domain of every line; nil: lines are `[DOMAIN] text` (the hypervisor's log), others are ignored.
        let domain: String?
        var offset: UInt64 = 0
        var partial: [UInt8] = []
    }

    private let lock = NSLock()
    private var sources: [Source]
    private var collected: [SoakLine] = []
    private var seen: Set<String> = []
    private var finished: Set<String> = []
    private var stopping = false
    private var thread: Thread?
    private let period: Double

    /// Starts at each file's current end: logs are appended to across launches in the same run directory, and an
    /// earlier run's lines (its ACKs, its RESULT) must not count for this one.
    init(sources: [(path: String, domain: String?)], periodMilliseconds: Double = 2) {
        self.sources = sources.map { source in
            var info = stat()
            let size = stat(source.path, &info) == 0 ? UInt64(info.st_size) : 0
            return Source(path: source.path, domain: source.domain, offset: size)
        }
        self.period = periodMilliseconds
    }

    func start() {
        let thread = Thread { [self] in
            while !lock.withLock({ stopping }) {
                poll()
                SoakClock.sleep(milliseconds: period)
            }
        }
        thread.name = "soak-tail"
        self.thread = thread
        thread.start()
    }

    /// Stops the thread after one last read of every file; returns every line seen, in arrival order.
    func stop() -> [SoakLine] {
        lock.withLock { stopping = true }
        while thread?.isFinished == false { SoakClock.sleep(milliseconds: 1) }
        poll()
        return lock.withLock { collected }
    }

    /// The domains that printed at least one line, and those that printed their `RESULT` line.
    func domains() -> (seen: Set<String>, finished: Set<String>) { lock.withLock { (seen, finished) } }

    private func poll() {
        for k in sources.indices {
            let fresh = read(&sources[k])
            guard !fresh.isEmpty else { continue }
            lock.withLock {
                collected.append(contentsOf: fresh)
                for line in fresh {
                    seen.insert(line.domain)
                    if line.text.hasPrefix("RESULT ") { finished.insert(line.domain) }
                }
            }
        }
    }

    private func read(_ source: inout Source) -> [SoakLine] {
        let fd = open(source.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var chunk = [UInt8](repeating: 0, count: 65536)
        var lines: [SoakLine] = []
        while true {
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(source.offset)) }
            guard n > 0 else { break }
            source.offset += UInt64(n)
            let now = SoakClock.now()
            for byte in chunk[0..<n] {
                if byte == UInt8(ascii: "\n") {
                    if let line = parse(source.partial, domain: source.domain, at: now) { lines.append(line) }
                    source.partial.removeAll(keepingCapacity: true)
                } else if source.partial.count < 4096 {
                    source.partial.append(byte)
                }
            }
        }
        return lines
    }

    private func parse(_ bytes: [UInt8], domain: String?, at time: Double) -> SoakLine? {
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasSuffix("\r") { text.removeLast() }
        if let domain { return SoakLine(time: time, domain: domain, text: text) }
        guard text.hasPrefix("["), let close = text.firstIndex(of: "]") else { return nil }
        let name = String(text[text.index(after: text.startIndex)..<close])
        var rest = text[text.index(after: close)...]
        if rest.hasPrefix(" ") { rest = rest.dropFirst() }
        return SoakLine(time: time, domain: name, text: String(rest))
    }
}
