import Foundation
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// The run directory of one launch (docs/launcher.md, "Run directory"):
///
///     RUN/control.ipc      the launcher's control ROUTER
///     RUN/NAME.ipc         each process's own endpoint (ipc endpoints)
///     RUN/logs/NAME.log    each child's stdout and stderr; RUN/logs/launcher.log for a detached launcher
///     RUN/state.json       the status table, rewritten on every change
///     RUN/launcher.lock    held (flock) by the running launcher: a second launch on the same dir is refused
///     RUN/bus.secret       the hypervisor bus secret of this launch (0600; RunDirectory+BusSecret.swift)
///
/// `/tmp/xenarm-UID/current` is a symlink to the newest launch's run dir; the CLI uses it when given no `--run-dir`.
public struct RunDirectory: Sendable {
    public let path: String

    public init(path: String) { self.path = RunDirectory.absolute(path) }

    public static func base() -> String { "/tmp/xenarm-\(getuid())" }
    public static func defaultPath(topologyName: String) -> String { "\(base())/\(topologyName)" }
    public static var currentLink: String { "\(base())/current" }
    public static func controlEndpoint(_ run: String) -> String { "ipc://\(run)/control.ipc" }

    public var controlEndpoint: String { Self.controlEndpoint(path) }
    public var logs: String { "\(path)/logs" }
    public var stateFile: String { "\(path)/state.json" }
    public var lockFile: String { "\(path)/launcher.lock" }
    public var controlSocketFile: String { "\(path)/control.ipc" }
    public func log(of name: String) -> String { "\(logs)/\(name).log" }

    /// A data path from the topology (disk image, terminal log): absolute paths stay, relative ones live in the run
    /// dir, so a launch never writes into the source tree by accident.
    public static func resolve(_ file: String, in run: String) -> String {
        file.hasPrefix("/") ? file : "\(run)/\(file)"
    }

    static func absolute(_ p: String) -> String {
        if p.hasPrefix("/") { return p }
        return FileManager.default.currentDirectoryPath + "/" + p
    }

    /// The run dir named by `--run-dir`, or the one `current` points to.
    public static func forClient(_ explicit: String?) throws -> RunDirectory {
        if let explicit { return RunDirectory(path: explicit) }
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: currentLink) else {
            throw SupervisorError.noCurrentRun(link: currentLink)
        }
        return RunDirectory(path: target)
    }

    /// Creates `RUN` and `RUN/logs`, checks it is writable.
    public func create() throws {
        do {
            try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        } catch {
            throw SupervisorError.runDirectory(path: path, detail: Self.reason(error))
        }
        guard access(path, W_OK) == 0, access(logs, W_OK) == 0 else {
            throw SupervisorError.runDirectory(path: path, detail: String(cString: strerror(errno)))
        }
        try writeBusSecret()
    }

    /// Takes `RUN/launcher.lock` for the life of this process (the descriptor is never closed; the kernel drops the
    /// lock when the launcher dies, even by SIGKILL). Throws `.alreadyRunning` naming the holder's pid.
    public func lock() throws -> Int32 {
        let fd = open(lockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw SupervisorError.runDirectory(path: lockFile, detail: String(cString: strerror(errno)))
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = (try? String(contentsOfFile: lockFile, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            close(fd)
            throw SupervisorError.alreadyRunning(runDirectory: path, pid: holder)
        }
        ftruncate(fd, 0)
        let text = "\(getpid())\n"
        _ = text.withCString { write(fd, $0, strlen($0)) }
        return fd
    }

    /// Points `/tmp/xenarm-UID/current` at this run dir (atomically: a new link renamed over the old one).
    public func markCurrent() {
        let link = Self.currentLink
        try? FileManager.default.createDirectory(atPath: Self.base(), withIntermediateDirectories: true)
        let temporary = "\(link).\(getpid())"
        unlink(temporary)
        guard symlink(path, temporary) == 0 else { return }
        if rename(temporary, link) != 0 { unlink(temporary) }
    }

    /// Writes `RUN/state.json` atomically (temp file + rename), so a reader never sees half a table.
    public func writeState(_ report: StatusReport) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(report) else { return }
        let temporary = "\(stateFile).tmp"
        if FileManager.default.createFile(atPath: temporary, contents: data) {
            rename(temporary, stateFile)
        }
    }

    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }
}
