/// One line of the isolation report (docs/isolation.md): a real attempt, what was observed, and its paired
/// positive control — the same operation where it is allowed. A check holds only when the attempt was refused
/// *and* the control succeeded: a probe that does nothing (no line, no effect) fails its check.
public struct IsolationCheck: Codable, Sendable, Equatable {
    public enum Verdict: String, Codable, Sendable {
        case holds = "HOLDS"
        case fails = "FAILS"
    }

    /// memory, grants, event-channels, xenstore, bus, crash, cpu, fuzz, block.
    public var group: String
    public var name: String
    public var attempted: String
    public var expected: String
    public var observed: String
    /// What the positive control observed.
    public var control: String
    public var verdict: Verdict

    public init(group: String, name: String, attempted: String, expected: String, observed: String,
                control: String, verdict: Verdict) {
        self.group = group; self.name = name; self.attempted = attempted; self.expected = expected
        self.observed = observed; self.control = control; self.verdict = verdict
    }

    /// The verdict rule in one place: refused and controlled, both actually observed.
    public static func judge(group: String, name: String, attempted: String, expected: String,
                             observed: String?, refused: Bool?, control: String?, controlSucceeded: Bool?)
        -> IsolationCheck {
        let holds = refused == true && controlSucceeded == true
        return IsolationCheck(group: group, name: name, attempted: attempted, expected: expected,
                              observed: observed ?? "nothing reported",
                              control: control ?? "nothing reported",
                              verdict: holds ? .holds : .fails)
    }
}
