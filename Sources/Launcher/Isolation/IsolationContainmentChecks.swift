import Foundation

/// Crash containment and CPU isolation: things done *to* the topology (a backend and a device model killed
/// through the launcher, a guest that crashes on its own) or measured across it (run time per domain from the
/// hypervisor's metrics), each judged by what the neighbours did meanwhile.
struct IsolationContainmentChecks {
    let launch: IsolationLaunch
    let roles: IsolationRoles
    /// Terminal log bytes that were already there before this run (the log is appended across runs).
    let terminalLogStart: Int
    let quietProgress: (Double, Double) -> Int

    /// PROGRESS lines the victim's terminal logged since the run began.
    func victimLoggedProgress() -> Int {
        guard let path = roles.victimTerminalLog, let data = FileManager.default.contents(atPath: path) else { return 0 }
        let fresh = data.count > terminalLogStart ? data[terminalLogStart...] : Data()[...]
        return String(decoding: fresh, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("PROGRESS") }.count
    }

    /// Kills `name` with SIGKILL and judges what followed.
    func kill(_ name: String?, what: String, check: String) -> IsolationCheck {
        let g = "crash"
        guard let name, let before = launch.process(name), let victim = roles.victim else {
            return IsolationCheck(group: g, name: check, attempted: "kill -9 the victim's \(what)", expected: "restarted",
                                  observed: "no \(what) of a compute guest in the topology", control: "not run",
                                  verdict: .fails)
        }
        let loggedBefore = victimLoggedProgress()
        let t0 = launch.log.now
        let sent = launch.kill(name)
        let back = launch.waitRestarted(name, beyond: before.restarts, timeout: 20)
        let t1 = launch.log.now
        // After the restart the victim's console must flow again: new lines reach its terminal log.
        var loggedAfter = victimLoggedProgress()
        launch.log.wait(10) { _ in
            loggedAfter = victimLoggedProgress()
            return loggedAfter > loggedBefore + 1
        }
        let after = launch.process(name)
        // Generous: the outage plus 2 s (a loaded machine may print nothing for a moment without any fault).
        if launch.log.now < t1 + 2 { usleep(UInt32((t1 + 2 - launch.log.now) * 1_000_000)) }
        let during = quietProgress(t0, t1 + 2)
        let running = launch.status()?.domains?.first { $0.name == victim.name }?.state == "running"
        return .judge(
            group: g, name: check,
            attempted: "kill -9 \(name) (\(what) of \(victim.name)) via the launcher",
            expected: "only \(victim.name)'s console pauses; \(roles.quiet?.name ?? "the neighbour") goes on",
            observed: "\(roles.quiet?.name ?? "neighbour") +\(during) progress lines during the \(String(format: "%.1f", t1 - t0)) s outage (+2 s); "
                + "\(victim.name) \(running ? "running" : "NOT running"), its terminal +\(loggedAfter - loggedBefore) lines after",
            refused: during > 0 && running && loggedAfter > loggedBefore,
            control: "killed: \(sent ? "yes" : "no"); restarted: \(back ? "yes" : "no") (pid \(before.pid.map(String.init) ?? "?") → \(after?.pid.map(String.init) ?? "?"))",
            controlSucceeded: sent && back && after?.pid != before.pid)
    }

    /// The crash probe's end, and what the others did after it.
    func guestCrash(ends: [String: (reason: String, at: Double)]) -> IsolationCheck {
        let g = "crash"
        guard let c = roles.crash else {
            return IsolationCheck(group: g, name: "guest-crash", attempted: "a guest crashes", expected: "only it ends",
                                  observed: "no probe-crash in the topology", control: "not run", verdict: .fails)
        }
        let end = ends[c.name]
        let now = launch.log.console(c.name).first { $0.text.hasPrefix("CRASH now") }
        let progress = end.map { quietProgress($0.at, $0.at + 3) } ?? 0
        // Nobody else ended around it, except by powering off as planned.
        let others = ends.filter { $0.key != c.name && !$0.value.reason.hasPrefix("poweroff") }
        return .judge(
            group: g, name: "guest-crash",
            attempted: "\(c.name) removes its vectors and writes outside its RAM",
            expected: "it alone is crashed; the others go on",
            observed: end.map { "\(c.name): \($0.reason); \(roles.quiet?.name ?? "neighbour") +\(progress) progress lines in the next 3 s; "
                + (others.isEmpty ? "no other domain ended otherwise" : "others ended: \(others.keys.sorted())") },
            refused: end.map { $0.reason.hasPrefix("crashed") && progress > 0 && others.isEmpty },
            control: now.map { _ in "it ran and said so before crashing (CRASH alive/now)" },
            controlSucceeded: now != nil)
    }

    /// Run-time shares over a window while the spinner and the flooder run.
    func cpu(seconds: Double) -> [IsolationCheck] {
        let g = "cpu"
        guard let spinner = roles.spinner, let quiet = roles.quiet else {
            return [IsolationCheck(group: g, name: "shares", attempted: "measure run time", expected: "shares",
                                   observed: "no capped spinner or neighbour in the topology", control: "not run",
                                   verdict: .fails)]
        }
        let flooder = roles.flooder
        let c1 = launch.counters("hypervisor"), t1 = launch.log.now
        usleep(UInt32(seconds * 1_000_000))
        let c2 = launch.freshCounters("hypervisor", after: c1), t2 = launch.log.now
        let wallNs = (t2 - t1) * 1e9
        func share(_ d: IsolationRoles.Domain?) -> Double {
            guard let d else { return 0 }
            return Double((c2["\(d.name).run_ns"] ?? 0) - (c1["\(d.name).run_ns"] ?? 0)) / wallNs
        }
        let spin = share(spinner), q = share(quiet), f = share(flooder)
        let calls = flooder.map { (c2["\($0.name).hypercalls"] ?? 0) - (c1["\($0.name).hypercalls"] ?? 0) } ?? 0
        let cap = Double(capOf(spinner)) / 100
        let measured = !c1.isEmpty && !c2.isEmpty
        var checks = [IsolationCheck.judge(
            group: g, name: "spinner-cap",
            attempted: "\(spinner.name) spins with cap \(Int(cap * 100))% for \(String(format: "%.1f", t2 - t1)) s",
            expected: "≤ 1.5 × cap of one pCPU",
            observed: measured ? String(format: "%.1f%% of one pCPU", spin * 100) : nil,
            refused: measured ? spin <= cap * 1.5 + 0.02 : nil,
            control: measured ? String(format: "it did run: %.1f%% (≥ a quarter of its cap)", spin * 100) : nil,
            controlSucceeded: measured ? spin >= cap / 4 : nil)]
        checks.append(.judge(
            group: g, name: "neighbour-share",
            attempted: "\(flooder?.name ?? "(no flooder)") floods random hypercalls, \(spinner.name) spins, \(quiet.name) computes",
            expected: "\(quiet.name) gets ≥ half the flooder's share",
            observed: measured ? String(format: "%@ %.1f%%, flooder %.1f%%, spinner %.1f%%", quiet.name, q * 100, f * 100, spin * 100) : nil,
            refused: measured && flooder != nil ? q >= 0.5 * f && q > 0.05 : nil,
            control: measured ? "the flooder made \(calls) hypercalls in the window" : nil,
            controlSucceeded: measured ? calls >= 1000 && f > 0.05 : nil))
        return checks
    }

    private func capOf(_ d: IsolationRoles.Domain) -> Int { roles.caps[d.name] ?? 0 }
}
