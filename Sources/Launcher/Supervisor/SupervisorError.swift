/// Everything that stops a launch or a control command, each as one line naming the thing (docs/launcher.md).
public enum SupervisorError: Error, Equatable, CustomStringConvertible {
    case runDirectory(path: String, detail: String)
    case alreadyRunning(runDirectory: String, pid: String)
    case control(String)
    case spawn(name: String, detail: String)
    case notReady(name: String, seconds: Double, log: String)
    case gaveUpDuringStartup(name: String, lastExit: String, log: String)
    /// A process whose policy does not restart it ended before it was ready.
    case exitedDuringStartup(name: String, lastExit: String, log: String)
    case noCurrentRun(link: String)
    case noLauncher(runDirectory: String)

    public var description: String {
        switch self {
        case let .runDirectory(path, detail): return "run dir \(path): \(detail)"
        case let .alreadyRunning(run, pid):
            return "another launch (pid \(pid)) is running on \(run): its control endpoint ipc://\(run)/control.ipc is in use"
        case let .control(detail): return detail
        case let .spawn(name, detail): return "cannot start \(name): \(detail)"
        case let .notReady(name, seconds, log):
            return "\(name) did not report ready within \(seconds)s (see \(log))"
        case let .gaveUpDuringStartup(name, lastExit, log):
            return "\(name) kept failing during start-up (last: \(lastExit)); see \(log)"
        case let .exitedDuringStartup(name, lastExit, log):
            return "\(name) ended during start-up (\(lastExit)) and its policy does not restart it; see \(log)"
        case let .noCurrentRun(link): return "no launch found: \(link) does not exist (give --run-dir)"
        case let .noLauncher(run): return "no launcher is answering on ipc://\(run)/control.ipc"
        }
    }
}
