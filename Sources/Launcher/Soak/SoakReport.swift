import Foundation

/// What a soak measured (docs/restart.md, "The report"). `xenarm soak` prints it as text and, with `--json`,
/// writes this structure. Times are milliseconds; kill times count from the first kill's soak start.
public struct SoakReport: Codable, Sendable, Equatable {
    public var topology: String
    public var seed: UInt64
    public var killsRequested: Int
    public var intervalMilliseconds: Int
    /// From the start of the kill phase until the launch ended.
    public var durationSeconds: Double
    public var kills: [SoakKill]
    public var killsByKind: [String: Int]
    /// The supervisor's restart count per process at the end (kills plus any other exits it restarted).
    public var restarts: [String: Int]
    /// Processes the supervisor gave up on (crash loop): none in a good soak.
    public var givenUp: [String]
    /// Kill → the restarted process reported ready, all kills and per kind.
    public var restartTime: SoakStats?
    public var restartTimeByKind: [String: SoakStats]
    /// Kill → the next guest line proving the service flows again (see `SoakProbe`), all kills and per kind.
    public var recovery: SoakStats?
    public var recoveryByKind: [String: SoakStats]
    /// Kills with a probe whose guest never showed the service again before it ended.
    public var unrecoveredKills: Int
    /// `ACK` lines: writes the guests saw complete.
    public var acknowledgedWrites: Int
    /// Acknowledged writes of which at least one sector does not hold that write's stamp in the image.
    public var acknowledgedWritesLost: Int
    /// Sectors whose last acknowledged write was checked in the image files, and how many were wrong.
    public var sectorsChecked: Int
    public var sectorsLost: Int
    public var readsVerified: Int
    /// `WRONG` lines: a read-back returned something other than the last acknowledged write.
    public var wrongReads: Int
    /// `ERR` lines and failed `RESULT`s: anything a guest saw go wrong.
    public var guestErrors: Int
    public var guestErrorLines: [String]
    /// Numbered console lines (console-echo): every one must arrive exactly once, in order.
    public var consoleLinesExpected: Int
    public var consoleLinesMissing: Int
    public var consoleLinesRepeated: Int
    public var neighbours: [SoakNeighbour]
    public var guests: [SoakGuest]
    /// Host workloads (e.g. disk-exercise) and how they ended.
    public var workloads: [String: String]
    /// The launch's exit status (0: every workload succeeded and every domain powered off).
    public var launchStatus: Int32
    /// Why the soak failed; empty when it passed.
    public var failures: [String]
    public var passed: Bool { failures.isEmpty }

    /// The report as the command prints it.
    public var text: String {
        var out: [String] = []
        let counted = killsByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        out.append("soak \(topology): seed \(seed), \(kills.count) of \(killsRequested) kills every \(intervalMilliseconds) ms, "
                   + String(format: "%.1f s", durationSeconds))
        out.append("kills by kind: \(counted.isEmpty ? "none" : counted)")
        out.append("restarts: " + restarts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                   + (givenUp.isEmpty ? "" : "; given up: \(givenUp.joined(separator: ", "))"))
        out.append("restart time (kill -> ready): \(restartTime?.text ?? "none")")
        for (kind, stats) in restartTimeByKind.sorted(by: { $0.key < $1.key }) { out.append("  \(kind): \(stats.text)") }
        out.append("recovery (kill -> next guest I/O or line): \(recovery?.text ?? "none")"
                   + (unrecoveredKills > 0 ? ", \(unrecoveredKills) never recovered" : ""))
        for (kind, stats) in recoveryByKind.sorted(by: { $0.key < $1.key }) { out.append("  \(kind): \(stats.text)") }
        out.append("acknowledged writes: \(acknowledgedWrites), lost: \(acknowledgedWritesLost) "
                   + "(\(sectorsChecked) sectors checked in the images, \(sectorsLost) wrong)")
        out.append("reads verified: \(readsVerified), wrong reads: \(wrongReads)")
        out.append("guest-visible errors: \(guestErrors)")
        for line in guestErrorLines { out.append("  \(line)") }
        if consoleLinesExpected > 0 {
            out.append("console lines: \(consoleLinesExpected) expected, \(consoleLinesMissing) missing, "
                       + "\(consoleLinesRepeated) repeated or out of order")
        }
        for n in neighbours {
            out.append("neighbour \(n.domain): " + (n.fraction.map { String(format: "%.1f%%", $0 * 100) } ?? "n/a")
                       + " of undisturbed progress while other domains' processes restarted ("
                       + String(format: "%.0f/s during, %.0f/s undisturbed", n.duringRestartsPerSecond ?? 0,
                                n.undisturbedPerSecond ?? 0) + ")")
        }
        out.append("guests: " + guests.map { "\($0.domain) \($0.result ?? "no RESULT")" }.joined(separator: ", "))
        if !workloads.isEmpty {
            out.append("workloads: " + workloads.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                .joined(separator: ", "))
        }
        out.append(passed ? "SOAK PASS" : "SOAK FAIL: \(failures.joined(separator: "; "))")
        return out.joined(separator: "\n")
    }
}

/// One SIGKILL.
public struct SoakKill: Codable, Sendable, Equatable {
    /// Milliseconds since the kill phase began.
    public var at: Double
    public var name: String
    public var kind: String
    public var pid: Int32
    /// Kill → the next incarnation ready; nil if it never was.
    public var restartMilliseconds: Double?
    /// Kill → the probe's first line; nil for a kill without probe or that never recovered.
    public var recoveryMilliseconds: Double?
    /// What recovery was measured by.
    public var probe: String
}

/// Nearest-rank percentiles of a set of durations (ms).
public struct SoakStats: Codable, Sendable, Equatable {
    public var count: Int
    public var p50: Double
    public var p99: Double
    public var max: Double

    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        func rank(_ p: Double) -> Double { sorted[Swift.max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1)] }
        count = sorted.count; p50 = rank(0.50); p99 = rank(0.99); max = sorted.last!
    }

    var text: String { String(format: "p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d)", p50, p99, max, count) }
}

/// A guest's progress rate while another domain's process (or xenstored) was restarting, against the rest of
/// the time.
public struct SoakNeighbour: Codable, Sendable, Equatable {
    public var domain: String
    /// Progress units per second inside restart windows (kill → recovery) and outside them.
    public var duringRestartsPerSecond: Double?
    public var undisturbedPerSecond: Double?
    public var fraction: Double?
    /// Seconds of restart windows the neighbour's progress overlapped.
    public var windowSeconds: Double
}

/// How a guest ended.
public struct SoakGuest: Codable, Sendable, Equatable {
    public var domain: String
    /// Its `RESULT ...` line, nil if it printed none.
    public var result: String?
    /// The hypervisor's last word on it: poweroff, crash, ...
    public var state: String?
}
