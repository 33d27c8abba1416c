import Foundation
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// `xenarm launch --detach`: the launcher re-runs itself in a new session (so a terminal's hang-up or Ctrl-C does
/// not reach it), its output going to `RUN/logs/launcher.log`, and returns once every process the plan waits for
/// is ready. Re-executing instead of fork(2) keeps the daemon a clean single-threaded start.
public enum DetachedLaunch {
    /// glibc's POSIX_SPAWN_SETSID (<spawn.h>): the child calls setsid(2).
    static let setsid: Int32 = 0x80

    /// Starts `arguments` (a `launch` command line that runs in the foreground) detached, waits until its status
    /// shows every non-workload process ready. Returns the daemon's pid; throws if it exits or times out first.
    public static func start(arguments: [String], plan: ProcessPlan, timeoutMilliseconds: Int) throws -> Int32 {
        let run = RunDirectory(path: plan.runDirectory)
        try run.create()
        let log = run.log(of: "launcher")
        let pid = try Spawner.spawn(arguments: arguments, log: log, extraFlags: setsid)
        let waited = plan.processes.filter(\.waitsForReady).map(\.name)
        let deadline = Monotonic.milliseconds() + timeoutMilliseconds
        while Monotonic.milliseconds() < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let tail = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
                    .split(separator: "\n").suffix(3).joined(separator: " | ")
                throw SupervisorError.control("the detached launcher exited (\(Supervisor.decode(status))): \(tail)")
            }
            if let reply = try? ControlClient.request(.status, run: run, timeoutMilliseconds: 200),
               let report = reply.status, report.launcherPid == pid {
                let ready = Set(report.processes.filter { $0.state == "ready" }.map(\.name))
                if waited.allSatisfy(ready.contains) { return pid }
            }
            usleep(50_000)
        }
        kill(pid, SIGTERM)
        throw SupervisorError.control("the detached launcher (pid \(pid)) was not ready within \(timeoutMilliseconds / 1000)s; see \(log)")
    }
}
