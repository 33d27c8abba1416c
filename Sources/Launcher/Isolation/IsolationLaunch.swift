import Foundation
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// The topology under test, run by a real `xenarm launch FILE --run-dir DIR` child whose output is collected
/// into an `IsolationLog`; status, kills and the final stop go through the launcher's control socket, as
/// `xenarm status/kill/stop` do.
public final class IsolationLaunch: @unchecked Sendable {
    public let run: RunDirectory
    public let log: IsolationLog
    private let process: Process
    private let reader: Thread

    public init(executable: String, topologyFile: String, runDirectory: String, log: IsolationLog) throws {
        run = RunDirectory(path: runDirectory)
        self.log = log
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["launch", topologyFile, "--run-dir", run.path, "--ready-timeout", "30"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let handle = pipe.fileHandleForReading
        reader = Thread {
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                log.append([UInt8](data))
            }
        }
        try process.run()
        reader.start()
    }

    public var isRunning: Bool { process.isRunning }
    public var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    /// The launcher's status document, or nil if it does not answer.
    public func status() -> StatusReport? {
        (try? ControlClient.request(.status, run: run, timeoutMilliseconds: 5_000))?.status
    }

    public func process(_ name: String) -> ProcessStatus? { status()?.processes.first { $0.name == name } }

    /// The last metrics report of process `name` (the hypervisor's: `DOMAIN.counter`, `bus.counter`).
    public func counters(_ name: String) -> [String: Int64] { process(name)?.counters ?? [:] }

    /// Waits until the metrics of `name` change from `previous` (the reports come every 500 ms).
    public func freshCounters(_ name: String, after previous: [String: Int64], timeout: Double = 3) -> [String: Int64] {
        var current = counters(name)
        log.wait(timeout) { _ in
            current = self.counters(name)
            return current != previous
        }
        return current
    }

    /// `xenarm kill NAME --signal SIGNAL`: true if the launcher sent it.
    @discardableResult
    public func kill(_ name: String, signal: String = "KILL") -> Bool {
        (try? ControlClient.request(.kill(name: name, signal: signal), run: run))?.ok ?? false
    }

    /// Waits until process `name` is ready again with more than `restarts` restarts.
    public func waitRestarted(_ name: String, beyond restarts: Int, timeout: Double) -> Bool {
        log.wait(timeout) { _ in
            guard let p = self.process(name) else { return false }
            return p.restarts > restarts && p.state == "ready"
        }
    }

    /// `xenarm stop`, then waits for the launcher to exit (killing it after `timeout` seconds).
    public func stop(timeout: Double = 30) {
        if process.isRunning { _ = try? ControlClient.request(.stop, run: run) }
        let deadline = log.now + timeout
        while process.isRunning && log.now < deadline { usleep(50_000) }
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // The reader ends at EOF once every child holding the pipe has gone.
        let end = log.now + 5
        while !reader.isFinished && log.now < end { usleep(20_000) }
    }
}
