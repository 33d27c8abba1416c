#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The append-only log file of a terminal model: every console byte it receives, in arrival order, raw (a guest
/// may print anything; like xenconsoled's `guest-NAME.log`, nothing is added or escaped).
///
/// **fsync policy.** Each chunk is written with one `write(2)` as it arrives, so it is in the kernel's page cache
/// at once: killing the model (even `kill -9`) loses nothing already received. `fsync` runs at most once per
/// `syncInterval` while output keeps arriving, and on close: a host crash loses at most that interval of console
/// output, and a chatty guest cannot turn every line into a disk flush.
public final class TerminalLog {
    public let path: String
    public let syncInterval: Duration
    private let fd: Int32
    private var dirty = false
    private var lastSync = ContinuousClock.now
    public private(set) var bytesWritten: UInt64 = 0

    public init(path: String, syncInterval: Duration = .seconds(1)) throws(TerminalError) {
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty { try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .log(path: path, operation: "open", errno: errno) }
        self.fd = fd
        self.path = path
        self.syncInterval = syncInterval
    }

    deinit {
        if dirty { fsync(fd) }
        close(fd)
    }

    /// Appends `bytes` (one write; O_APPEND keeps a concurrent `tail -f` reader consistent).
    public func append(_ bytes: [UInt8]) throws(TerminalError) {
        guard !bytes.isEmpty else { return }
        var failure: TerminalError?
        bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let n = write(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = .log(path: path, operation: "write", errno: errno)
                    return
                }
                done += n
            }
        }
        if let failure { throw failure }
        bytesWritten += UInt64(bytes.count)
        dirty = true
        syncIfDue()
    }

    /// The file's length now (what every process that ever appended to it wrote): the durable position a console
    /// backend resumes from (`TerminalLogPosition`). 0 if it cannot be read.
    public var fileLength: UInt64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return 0 }
        return UInt64(st.st_size)
    }

    /// Runs the periodic fsync if one is due (also called from the serving loop when idle).
    public func syncIfDue() {
        guard dirty, ContinuousClock.now - lastSync >= syncInterval else { return }
        sync()
    }

    /// fsync now (on shutdown).
    public func sync() {
        guard dirty else { return }
        fsync(fd)
        dirty = false
        lastSync = ContinuousClock.now
    }
}

/// Everything that can go wrong in the terminal model.
public enum TerminalError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The log file cannot be opened or written.
    case log(path: String, operation: String, errno: Int32)
    /// The endpoint cannot be bound.
    case bind(endpoint: String, detail: String)

    public var description: String {
        switch self {
        case .log(let path, let operation, let code): return "terminal log \(path): \(operation) failed: \(errnoText(code))"
        case .bind(let endpoint, let detail): return "cannot bind terminal endpoint \(endpoint): \(detail)"
        }
    }
}
