/// Decides, for one supervised process, what happens when it exits: restart after a backoff, stop for good
/// because the policy says so, or give up because it is crash-looping. A pure value: the supervisor feeds it
/// exits with a monotonic time and carries out the decision (docs/launcher.md, "Restart policy").
///
/// Worked example with the default policy (on-failure, 5 restarts per 30 s, backoff 100 ms doubling to 5 s):
/// crashes at t = 0, 1, 2, 3, 4 s are restarted after 100, 200, 400, 800, 1600 ms; a sixth crash at t = 5 s would be
/// the sixth restart inside 30 s, so the process is given up ("given up after 5 restarts in 30s"). A crash at
/// t = 40 s instead finds the window empty again and is restarted after 100 ms.
public struct RestartTracker: Sendable, Equatable {
    /// How a process ended, as waitpid(2) reports it.
    public enum Exit: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)

        public var isSuccess: Bool { self == .exited(0) }

        /// "exit 3", "signal KILL".
        public var description: String {
            switch self {
            case let .exited(status): return "exit \(status)"
            case let .signaled(number): return "signal \(SignalName.name(of: number))"
            }
        }
    }

    public enum Decision: Sendable, Equatable {
        /// Start it again after this delay.
        case restart(afterMilliseconds: Int)
        /// The policy does not restart this exit (`never`, or `on-failure` after exit 0): it stays ended.
        case finished
        /// More than `maxRestarts` restarts inside the window: a crash loop. It stays ended and is reported.
        case giveUp(restarts: Int, windowMilliseconds: Int)
    }

    public let policy: RestartPolicy
    /// Monotonic times (ms) of the restarts still inside the window, oldest first.
    public private(set) var recentRestarts: [Int] = []

    public init(policy: RestartPolicy) { self.policy = policy }

    /// The process exited at `now` (monotonic ms): what next?
    public mutating func processExited(_ exit: Exit, at now: Int) -> Decision {
        switch policy.mode {
        case .never: return .finished
        case .onFailure where exit.isSuccess: return .finished
        case .always, .onFailure: break
        }
        recentRestarts.removeAll { now - $0 >= policy.windowMilliseconds }
        if recentRestarts.count >= policy.maxRestarts {
            return .giveUp(restarts: recentRestarts.count, windowMilliseconds: policy.windowMilliseconds)
        }
        let delay = backoff(restartsInWindow: recentRestarts.count)
        recentRestarts.append(now)
        return .restart(afterMilliseconds: delay)
    }

    /// Forget past restarts (after an operator's `xenarm restart`, which is a fresh start).
    public mutating func reset() { recentRestarts.removeAll() }

    /// `backoffMilliseconds × 2^n`, capped at `maxBackoffMilliseconds`, where n counts the restarts in the window.
    func backoff(restartsInWindow n: Int) -> Int {
        var delay = max(0, policy.backoffMilliseconds)
        for _ in 0..<n {
            if delay >= policy.maxBackoffMilliseconds { break }
            delay *= 2
        }
        return min(delay, max(policy.maxBackoffMilliseconds, policy.backoffMilliseconds))
    }
}
