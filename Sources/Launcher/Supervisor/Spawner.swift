import Foundation
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// Starts a child as the launcher's own executable (`/proc/self/exe`) with posix_spawn(3): stdin from /dev/null,
/// stdout and stderr appended to its log, the signal mask and dispositions reset (the launcher blocks
/// SIGINT/SIGTERM/SIGCHLD to read them synchronously; a child must not inherit that), and
/// `XENARM_LAUNCHER_PID` set so `ChildControl` can tell whether its launcher is still alive.
enum Spawner {
    static let executable = "/proc/self/exe"

    /// glibc's POSIX_SPAWN_SETPGROUP (<spawn.h>).
    static let setProcessGroup: Int32 = 0x02

    /// Each child leads its own process group, so a terminal's Ctrl-C (SIGINT to the foreground group) reaches
    /// only the launcher, which then stops the children in order; they have no terminal I/O to lose by it.
    /// `extraFlags` replaces that for a detached launcher (POSIX_SPAWN_SETSID: a session of its own).
    static func spawn(arguments: [String], log: String, extraFlags: Int32? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGCHLD, SIGPIPE, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes,
                                 Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | (extraFlags ?? setProcessGroup)))

        var environment = ProcessInfo.processInfo.environment
        environment[ChildControl.launcherPidVariable] = String(getpid())
        // Swift's crash backtracer catches SIGSEGV/SIGBUS/... to print a backtrace; for a signal sent from outside
        // (`xenarm kill --signal SEGV`) it fails to suspend the threads and the process carries on, so fault
        // injection would not crash it. A child dies of such a signal like any other process unless the user
        // asked for backtraces by setting SWIFT_BACKTRACE themselves.
        if environment["SWIFT_BACKTRACE"] == nil { environment["SWIFT_BACKTRACE"] = "enable=no" }
        let argv = (["xenarm"] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw SupervisorError.spawn(name: arguments.joined(separator: " "), detail: String(cString: strerror(rc))) }
        return pid
    }
}
