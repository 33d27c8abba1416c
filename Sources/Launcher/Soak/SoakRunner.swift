import Foundation
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// Runs one soak (docs/restart.md): launches the topology under the launcher's own `Supervisor` (on a thread of
/// this process, exactly as `xenarm launch` runs it), waits until every guest prints, then every interval
/// SIGKILLs a seeded random process of the killable set that is up, records when and what, waits for the guests
/// to finish and builds the report from the guests' console lines, the supervisor's state and the image files.
///
/// It watches the supervisor through `RUN/state.json` (rewritten on every start, ready and exit) and kills with
/// kill(2) itself, so a kill's time is taken right at the signal and a restart is seen within one poll.
public final class SoakRunner {
    public let topology: Topology
    public let plan: ProcessPlan
    public let options: SoakOptions
    public let targets: [SoakTarget]
    public let runDirectory: RunDirectory

    /// Fails when nothing the options allow can be killed.
    public init(topology: Topology, runDirectory: String, options: SoakOptions) throws(SoakError) {
        self.topology = topology
        self.options = options
        self.runDirectory = RunDirectory(path: runDirectory)
        self.plan = ProcessPlan(topology: topology, runDirectory: self.runDirectory.path)
        self.targets = try SoakTargets.select(SoakTargets.all(topology: topology, plan: plan), kinds: options.kinds)
    }

    /// One kill as it happens (absolute monotonic times; the report makes them relative).
    struct Kill {
        var time: Double
        var target: SoakTarget
        var pid: Int32
        var readyAt: Double?
    }

    /// Runs the soak; `say` gets one line per kill and phase. Throws only when the soak could not begin.
    public func run(say: @escaping (String) -> Void) throws -> SoakReport {
        var supervisorOptions = Supervisor.Options()
        supervisorOptions.readyTimeoutMilliseconds = options.readyTimeoutMilliseconds
        supervisorOptions.stopGraceMilliseconds = options.stopGraceMilliseconds
        let supervisor = Supervisor(plan: plan, options: supervisorOptions)
        // The supervisor takes these signals synchronously (sigtimedwait): block them here too, before any thread
        // of ours exists, so a Ctrl-C stops the launch cleanly instead of killing this process.
        var set = sigset_t()
        sigemptyset(&set)
        for number in [SIGINT, SIGTERM, SIGCHLD, SIGHUP] { sigaddset(&set, number) }
        pthread_sigmask(SIG_BLOCK, &set, nil)

        let launch = LaunchThread(supervisor)
        let tail = SoakTail(sources: tailSources())
        tail.start()
        launch.start()
        say("soak: launching \(topology.name) in \(runDirectory.path)")

        // 1. Every process up and every guest printing.
        let domainNames = topology.domains.map(\.name)
        let startDeadline = SoakClock.now() + Double(options.startTimeoutMilliseconds)
        while true {
            if let status = launch.status {
                _ = tail.stop()
                throw SoakError.launchEnded(status: status)
            }
            let state = readState()
            let ready = plan.processes.filter(\.waitsForReady).allSatisfy { p in
                state?.processes.first { $0.name == p.name }?.state == "ready"
            }
            let silent = domainNames.filter { !tail.domains().seen.contains($0) }
            if ready && silent.isEmpty { break }
            if SoakClock.now() > startDeadline {
                stopLaunch(launch)
                _ = tail.stop()
                throw SoakError.guestsSilent(silent, seconds: options.startTimeoutMilliseconds / 1000)
            }
            SoakClock.sleep(milliseconds: 20)
        }
        say("soak: every process ready and every guest running; \(options.kills) kills every \(options.intervalMilliseconds) ms")

        // 2. The kills.
        let origin = SoakClock.now()
        var random = SoakRandom(seed: options.seed)
        var kills: [Kill] = []
        var nextKill = origin + Double(options.intervalMilliseconds)
        var stoppedEarly: String?
        while kills.count < options.kills {
            if launch.status != nil { stoppedEarly = "the launch ended"; break }
            let finished = tail.domains().finished
            if !domainNames.isEmpty && domainNames.allSatisfy(finished.contains) {
                stoppedEarly = "every guest finished"
                break
            }
            let now = SoakClock.now()
            let pending = kills.contains { $0.readyAt == nil }
            guard pending || now >= nextKill else {
                SoakClock.sleep(milliseconds: min(5, nextKill - now))
                continue
            }
            let state = readState()
            noteRestarts(&kills, state: state)
            guard now >= nextKill else { SoakClock.sleep(milliseconds: 5); continue }
            let busy = Set(kills.filter { $0.readyAt == nil }.map(\.target.name))
            let eligible = targets.filter { target in
                guard !busy.contains(target.name),
                      let row = state?.processes.first(where: { $0.name == target.name }) else { return false }
                return row.state == "ready" && row.pid != nil
            }
            guard !eligible.isEmpty else { SoakClock.sleep(milliseconds: 5); continue }
            // Kind first, then process: a short soak reaches every kind however many processes each has. The kind
            // is drawn among the eligible kinds killed least so far: rounds in which each kind dies once, in a
            // seeded random order.
            let counts = Dictionary(grouping: kills, by: \.target.kind).mapValues(\.count)
            let fewest = eligible.map { counts[$0.kind] ?? 0 }.min() ?? 0
            let kinds = Array(Set(eligible.filter { (counts[$0.kind] ?? 0) == fewest }.map(\.kind))).sorted()
            let kind = kinds[Int(random.next() % UInt64(kinds.count))]
            let candidates = eligible.filter { $0.kind == kind }
            let victim = candidates[Int(random.next() % UInt64(candidates.count))]
            guard let pid = state?.processes.first(where: { $0.name == victim.name })?.pid else { continue }
            let time = SoakClock.now()
            if kill(pid, SIGKILL) == 0 {
                kills.append(Kill(time: time, target: victim, pid: pid))
                say(String(format: "soak: kill %d/%d at %.3f s: %@ (%@, pid %d)", kills.count, options.kills,
                           (time - origin) / 1000, victim.name, victim.kind, pid))
            }
            nextKill = time + Double(options.intervalMilliseconds)
        }
        // 3. Let the last restarts complete (to time them), then the guests finish.
        let settle = SoakClock.now() + 10_000
        while kills.contains(where: { $0.readyAt == nil }), SoakClock.now() < settle, launch.status == nil {
            noteRestarts(&kills, state: readState())
            SoakClock.sleep(milliseconds: 5)
        }
        say("soak: kills done; waiting for the guests to finish")
        let finishDeadline = SoakClock.now() + Double(options.finishTimeoutMilliseconds)
        var timedOut = false
        while launch.status == nil {
            if SoakClock.now() > finishDeadline {
                timedOut = true
                stopLaunch(launch)
                break
            }
            SoakClock.sleep(milliseconds: 50)
        }
        let end = SoakClock.now()
        let lines = tail.stop()
        writeTimeline(lines: lines, kills: kills, origin: origin)
        var report = SoakAnalysis(runner: self, lines: lines, kills: kills, origin: origin, end: end,
                                  finalState: readState(), launchStatus: launch.status ?? -1).report
        if let stoppedEarly, kills.count < options.kills {
            report.failures.insert("only \(kills.count) of \(options.kills) kills: \(stoppedEarly) first", at: 0)
        }
        if timedOut {
            report.failures.append("the guests did not finish within \(options.finishTimeoutMilliseconds / 1000) s of the last kill")
        }
        if let error = launch.error { report.failures.append("launcher: \(error)") }
        return report
    }

    /// `RUN/logs/soak-timeline.log`: every guest line and every kill with its time in ms since the kill phase began
    /// (negative: before it), in order, so a slow recovery can be followed line by line.
    private func writeTimeline(lines: [SoakLine], kills: [Kill], origin: Double) {
        var events = lines.map { (time: $0.time, text: "\($0.domain) \($0.text)") }
        events += kills.map { (time: $0.time, text: "KILL \($0.target.name) pid \($0.pid)") }
        events += kills.compactMap { k in k.readyAt.map { (time: $0, text: "READY \(k.target.name)") } }
        // Lines of one read share a time: keep their order (the index breaks ties).
        let ordered = events.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        let text = ordered.map { String(format: "%10.1f ", $0.time - origin) + $0.text }.joined(separator: "\n") + "\n"
        FileManager.default.createFile(atPath: runDirectory.log(of: "soak-timeline"), contents: Data(text.utf8))
    }

    /// Marks kills whose process has a new incarnation that reported ready.
    private func noteRestarts(_ kills: inout [Kill], state: StatusReport?) {
        guard let state else { return }
        let now = SoakClock.now()
        for k in kills.indices where kills[k].readyAt == nil {
            guard let row = state.processes.first(where: { $0.name == kills[k].target.name }) else { continue }
            if row.state == "ready", let pid = row.pid, pid != kills[k].pid { kills[k].readyAt = now }
        }
    }

    func readState() -> StatusReport? {
        guard let data = FileManager.default.contents(atPath: runDirectory.stateFile) else { return nil }
        return try? JSONDecoder().decode(StatusReport.self, from: data)
    }

    private func stopLaunch(_ launch: LaunchThread) {
        _ = try? ControlClient.request(.stop, run: runDirectory, timeoutMilliseconds: 3000)
        let deadline = SoakClock.now() + Double(options.stopGraceMilliseconds * 4 * max(1, plan.processes.count) + 5000)
        while launch.status == nil, SoakClock.now() < deadline { SoakClock.sleep(milliseconds: 50) }
    }

    /// The files guests print to: the hypervisor's log (console_io) and each console backend's terminal log.
    func tailSources() -> [(path: String, domain: String?)] {
        var sources: [(path: String, domain: String?)] = []
        if !topology.domains.isEmpty { sources.append((runDirectory.log(of: "hypervisor"), nil)) }
        for backend in topology.backends where backend.kind == .console {
            if let log = argument(of: backend.model, "--log") { sources.append((log, backend.domain)) }
        }
        return sources
    }

    /// The value after `flag` in a planned process's arguments (a model's resolved `--image` or `--log`).
    func argument(of process: String, _ flag: String) -> String? {
        guard let arguments = plan.process(named: process)?.arguments,
              let k = arguments.firstIndex(of: flag), k + 1 < arguments.count else { return nil }
        return arguments[k + 1]
    }
}

/// The supervisor's loop on its own thread; `status` is set when it returns.
private final class LaunchThread: @unchecked Sendable {
    private let lock = NSLock()
    private var _status: Int32?
    private var _error: String?
    private let supervisor: Supervisor

    init(_ supervisor: Supervisor) { self.supervisor = supervisor }

    var status: Int32? { lock.withLock { _status } }
    var error: String? { lock.withLock { _error } }

    func start() {
        let thread = Thread { [self] in
            let result: Int32
            do { result = try supervisor.run() } catch {
                lock.withLock { _error = String(describing: error) }
                result = 1
            }
            lock.withLock { _status = result }
        }
        thread.name = "soak-supervisor"
        // The supervisor's children die with the thread that spawned them (PR_SET_PDEATHSIG): it must live as
        // long as the launch, which it does, since it returns only after stopping them.
        thread.start()
    }
}
