import Foundation
import Wire

/// Turns what a soak saw (kills, guest lines, the supervisor's final state, the image files) into its report,
/// and decides pass or fail: 0 acknowledged writes lost, 0 wrong reads, 0 guest-visible errors, every numbered
/// console line once, every guest `RESULT ok`, every workload exit 0, no process given up, every kill recovered.
struct SoakAnalysis {
    let report: SoakReport

    init(runner: SoakRunner, lines: [SoakLine], kills: [SoakRunner.Kill], origin: Double, end: Double,
         finalState: StatusReport?, launchStatus: Int32) {
        let topology = runner.topology
        var failures: [String] = []

        // Recovery of each kill: the first probe line that arrived after it.
        var recorded: [SoakKill] = []
        var unrecovered = 0
        // A line with `t=` (guest ms) is placed when it happened: t + the domain's offset, the smallest arrival - t
        // (guest time is host monotonic time, so the offset is fixed; the tightest line gives it). An I/O answered
        // before a kill but printed after it must not count as the first one after the restart.
        var offsets: [String: Double] = [:]
        let stamped = lines.map { line in SoakGuestLog.field(line.text, "t").flatMap(Double.init) }
        for (line, t) in zip(lines, stamped) {
            guard let t else { continue }
            offsets[line.domain] = min(offsets[line.domain] ?? .infinity, line.time - t)
        }
        func happened(_ k: Int) -> Double {
            guard let t = stamped[k], let offset = offsets[lines[k].domain] else { return lines[k].time }
            return t + offset
        }
        // xenstored's probe needs a guest that prints its xenstore progress; without one, only its restart counts.
        let xenstoreLines = lines.contains { SoakProbe.xenstoreLine.matches(domain: $0.domain, text: $0.text) }
        for k in kills {
            var recovery: Double?
            var probe = k.target.probe
            if probe == .xenstoreLine && !xenstoreLines { probe = .none }
            if probe != .none {
                // Lines are in arrival order (the tail stamps each read after the previous one), and a line happened
                // no later than it arrived: the first match that happened after the kill wins. A block I/O counts
                // when it completed in the guest; a console line when it reached the log (the console path is the
                // service), but only one the guest printed after the kill.
                let first = lines.firstIndex { $0.time > k.time } ?? lines.endIndex
                if let hit = lines.indices[first...].first(where: {
                    probe.matches(domain: lines[$0].domain, text: lines[$0].text) && happened($0) > k.time
                }) {
                    if case .blockIO = probe { recovery = happened(hit) - k.time } else { recovery = lines[hit].time - k.time }
                }
                if recovery == nil { unrecovered += 1 }
            }
            recorded.append(SoakKill(at: k.time - origin, name: k.target.name, kind: k.target.kind, pid: k.pid,
                                     restartMilliseconds: k.readyAt.map { $0 - k.time },
                                     recoveryMilliseconds: recovery, probe: probe.label))
        }
        func byKind(_ value: (SoakKill) -> Double?) -> [String: SoakStats] {
            Dictionary(grouping: recorded, by: \.kind).compactMapValues { SoakStats($0.compactMap(value)) }
        }

        // The guests' own accounts, and the images against them.
        var acked = 0, lost = 0, checked = 0, lostSectors = 0, readsOK = 0, wrong = 0, errors = 0
        var errorLines: [String] = []
        var expected = 0, missing = 0, repeated = 0
        var neighbours: [SoakNeighbour] = []
        var guests: [SoakGuest] = []
        // A restart window lasts from the kill until the service flowed again (or the process was ready).
        let windows = zip(kills, recorded).map { kill, k in
            (domain: kill.target.probe.domain,
             start: kill.time, end: kill.time + (k.recoveryMilliseconds ?? k.restartMilliseconds ?? 0))
        }
        for domain in topology.domains.map(\.name) {
            let log = SoakGuestLog(domain: domain, lines: lines)
            acked += log.acks.count
            readsOK += log.readsOK
            wrong += log.wrong.count
            errors += log.errors.count
            errorLines += (log.wrong + log.errors).prefix(5).map { "\(domain): \($0)" }
            if !log.acks.isEmpty || !log.failedWrites.isEmpty {
                if let image = Self.image(of: domain, runner: runner) {
                    let check = SoakImageCheck(image: image, acks: log.acks, failed: log.failedWrites)
                    checked += check.sectorsChecked
                    lostSectors += check.sectorsLost
                    lost += check.writesLost
                    errorLines += check.details.prefix(5).map { "\(domain) image: \($0)" }
                } else {
                    failures.append("\(domain) acknowledged writes but has no blk disk to check")
                }
            }
            let defects = log.numberedDefects
            expected += defects.expected; missing += defects.missing; repeated += defects.repeated
            if !log.progress.isEmpty {
                // Its progress while *another* domain's processes (or the shared xenstored) restart: its own
                // device's outage is not a neighbour's disturbance.
                let others = windows.filter { $0.domain != domain }.map { (start: $0.start, end: $0.end) }
                neighbours.append(SoakThroughput.measure(domain: domain, samples: log.progress, windows: others))
            }
            if let result = log.result, result != "RESULT ok" {
                errors += 1
                errorLines.append("\(domain): \(result)")
            }
            guests.append(SoakGuest(domain: domain, result: log.result,
                                    state: finalState?.domains?.first { $0.name == domain }?.state))
        }

        var restarts: [String: Int] = [:]
        var givenUp: [String] = []
        var workloads: [String: String] = [:]
        for p in runner.plan.processes {
            guard let row = finalState?.processes.first(where: { $0.name == p.name }) else { continue }
            switch p.role {
            case .workload: workloads[p.name] = row.lastExit ?? row.state
            case .hypervisor: continue
            default:
                restarts[p.name] = row.restarts
                if row.state == "given-up" { givenUp.append(p.name) }
            }
        }

        if lost > 0 { failures.append("\(lost) acknowledged writes lost (\(lostSectors) sectors)") }
        if wrong > 0 { failures.append("\(wrong) wrong reads") }
        if errors > 0 { failures.append("\(errors) guest-visible errors") }
        if missing > 0 || repeated > 0 { failures.append("console lines: \(missing) missing, \(repeated) repeated or out of order") }
        for g in guests where g.result != "RESULT ok" { failures.append("\(g.domain) ended without RESULT ok") }
        for (name, exit) in workloads.sorted(by: { $0.key < $1.key }) where exit != "exit 0" {
            failures.append("workload \(name) ended: \(exit)")
        }
        if !givenUp.isEmpty { failures.append("given up: \(givenUp.joined(separator: ", "))") }
        if unrecovered > 0 { failures.append("\(unrecovered) kills never recovered") }
        let neverReady = recorded.filter { $0.restartMilliseconds == nil }.count
        if neverReady > 0 { failures.append("\(neverReady) killed processes never came back ready") }
        if launchStatus != 0 { failures.append("the launch ended with status \(launchStatus)") }

        report = SoakReport(
            topology: topology.name, seed: runner.options.seed, killsRequested: runner.options.kills,
            intervalMilliseconds: runner.options.intervalMilliseconds, durationSeconds: (end - origin) / 1000,
            kills: recorded, killsByKind: Dictionary(grouping: recorded, by: \.kind).mapValues(\.count),
            restarts: restarts, givenUp: givenUp,
            restartTime: SoakStats(recorded.compactMap(\.restartMilliseconds)),
            restartTimeByKind: byKind(\.restartMilliseconds),
            recovery: SoakStats(recorded.compactMap(\.recoveryMilliseconds)),
            recoveryByKind: byKind(\.recoveryMilliseconds), unrecoveredKills: unrecovered,
            acknowledgedWrites: acked, acknowledgedWritesLost: lost, sectorsChecked: checked, sectorsLost: lostSectors,
            readsVerified: readsOK, wrongReads: wrong, guestErrors: errors, guestErrorLines: Array(errorLines.prefix(20)),
            consoleLinesExpected: expected, consoleLinesMissing: missing, consoleLinesRepeated: repeated,
            neighbours: neighbours, guests: guests, workloads: workloads, launchStatus: launchStatus,
            failures: failures)
    }

    /// The image file behind a domain's first blk device (disk index 0 of the guest).
    static func image(of domain: String, runner: SoakRunner) -> String? {
        guard let backend = runner.topology.backends.first(where: { $0.kind == .blk && $0.domain == domain }) else {
            return nil
        }
        return runner.argument(of: backend.model, "--image")
    }
}
