/// The supervisor's record of one planned process across its incarnations.
final class SupervisedProcess {
    /// Lifecycle, as `xenarm status` shows it.
    enum State: String {
        /// Not started yet (waiting for the processes it depends on).
        case pending
        /// Spawned, `ready` not yet received.
        case starting
        case ready
        /// Ended and not restarted: its policy says so (`never`, or `on-failure` after exit 0).
        case exited
        /// Ended, to be restarted when its backoff expires.
        case backoff
        /// Crash-looping: more than `maxRestarts` inside the window.
        case givenUp = "given-up"
        /// Asked to exit by the launcher (shutdown or `xenarm restart`).
        case stopping
        case stopped
    }

    let planned: PlannedProcess
    var tracker: RestartTracker
    var state: State = .pending
    var pid: Int32?
    var restarts = 0
    /// Monotonic ms when the current incarnation was spawned.
    var startedAt: Int?
    var lastExit: RestartTracker.Exit?
    var counters: [String: Int64] = [:]
    /// Monotonic ms at which a process in `backoff` is started again.
    var restartAt: Int?
    /// Monotonic ms by which a `starting` process must have reported ready.
    var readyDeadline: Int?
    /// Set by `xenarm restart`: the next exit restarts at once, outside the restart policy.
    var restartRequested = false
    /// Monotonic ms at which a process asked to stop gets the next, harder signal (SIGTERM, then SIGKILL).
    var escalateAt: Int?
    var escalation = 0

    init(_ planned: PlannedProcess) {
        self.planned = planned
        self.tracker = RestartTracker(policy: planned.restart)
    }

    var name: String { planned.name }
    var isRunning: Bool { pid != nil }
}
