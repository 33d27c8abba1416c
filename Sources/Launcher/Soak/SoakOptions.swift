/// What `xenarm soak` does (docs/restart.md, "The soak command"): how many SIGKILLs, how often, which kinds of
/// process, and how long it waits for the guests before and after.
public struct SoakOptions: Sendable, Equatable {
    /// SIGKILLs to deliver. The soak stops early (and fails) if the guests finish first.
    public var kills: Int
    /// Milliseconds between two kills.
    public var intervalMilliseconds: Int
    /// Seeds the choice of victims: the same seed and topology give the same sequence of kinds.
    public var seed: UInt64
    /// Short kinds (`xenstored`, `disk`, `terminal`, `console`, `blk`) that may be killed; nil: every one.
    public var kinds: Set<String>?
    /// How long every guest has to print its first line after the launch (the workloads are running).
    public var startTimeoutMilliseconds = 120_000
    /// How long the guests have to finish after the last kill before the soak stops the launch and fails.
    public var finishTimeoutMilliseconds = 300_000
    /// Passed to the supervisor: how long a (re)started process has to report ready.
    public var readyTimeoutMilliseconds = 10_000
    public var stopGraceMilliseconds = 2_000

    public init(kills: Int, intervalMilliseconds: Int, seed: UInt64 = 1, kinds: Set<String>? = nil) {
        self.kills = kills; self.intervalMilliseconds = intervalMilliseconds; self.seed = seed; self.kinds = kinds
    }
}
