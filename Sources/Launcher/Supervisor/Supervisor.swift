import Foundation
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// Runs a `ProcessPlan`: starts each process in dependency order and waits for its `ready`, reaps exits and
/// restarts per policy, serves the control socket, keeps `RUN/state.json` current, prints one line per event,
/// and shuts everything down in reverse order (docs/launcher.md).
///
/// One thread does everything: a loop that polls the control ROUTER for up to `tickMilliseconds`, then reaps
/// children (waitpid, WNOHANG), reads pending SIGINT/SIGTERM (blocked and taken with sigtimedwait, so no handler
/// runs at an arbitrary point), and fires due restarts and deadlines. Children never outlive the launcher: each
/// runs `ChildControl.guardParentDeath()`, which asks the kernel for SIGTERM when the launcher dies.
public final class Supervisor {
    public struct Options: Sendable {
        /// How long a process has to report `ready` after it is spawned.
        public var readyTimeoutMilliseconds = 10_000
        /// How long a process asked to stop gets before SIGTERM, and again before SIGKILL.
        public var stopGraceMilliseconds = 2_000
        /// The loop's poll period: the latency of noticing an exit or a signal.
        public var tickMilliseconds = 20
        public init() {}
    }

    public let plan: ProcessPlan
    public let runDirectory: RunDirectory
    let options: Options
    let processes: [SupervisedProcess]
    private var router: ControlSocket?
    private let origin = Monotonic.milliseconds()
    private var malformed: Int64 = 0
    private var malformedLogged: [Data: Int] = [:]
    private var startupIndex = 0
    private var startupComplete = false
    private var stopReason: StopReason?
    private var stateDirty = false
    private var stateWrittenAt = 0
    private let signals: sigset_t
    /// Guests as the hypervisor reported them (`domain` messages), in the order first seen.
    private var domains: [DomainStatus] = []

    enum StopReason { case stopCommand, signal(Int32), workloadsEnded(success: Bool), failure(SupervisorError) }

    public init(plan: ProcessPlan, options: Options = Options()) {
        self.plan = plan
        self.runDirectory = RunDirectory(path: plan.runDirectory)
        self.options = options
        self.processes = plan.processes.map(SupervisedProcess.init)
        var set = sigset_t()
        sigemptyset(&set)
        for signal in [SIGINT, SIGTERM, SIGCHLD, SIGHUP] { sigaddset(&set, signal) }
        self.signals = set
    }

    /// Prepares the run dir, binds the control socket, runs until the work is done, a `stop`, or a signal, then
    /// stops every process in reverse order. Returns the launch's exit status: 0 when every workload ended
    /// successfully and every domain powered off, or `xenarm stop` asked; 1 when a workload failed or a domain
    /// ended any other way; 128+N after signal N. The work is done when every workload and, if the topology
    /// has domains, the hypervisor (which exits once all its domains ended) have ended.
    /// Throws (before starting anything) when the run dir is unusable or another launcher holds it, and after
    /// stopping everything when a process never became ready.
    public func run() throws -> Int32 {
        try runDirectory.create()
        _ = try runDirectory.lock()
        do { try GuestConsoles.prepare(plan.consoles, runDirectory: runDirectory.path) } catch {
            throw SupervisorError.runDirectory(path: GuestConsoles.directory(runDirectory.path), detail: "\(error)")
        }
        // Block the signals we read synchronously before libzmq starts its I/O threads, which inherit the mask.
        var mask = signals
        pthread_sigmask(SIG_BLOCK, &mask, nil)
        // A vanished reader of our output is not a reason to stop supervising (children get SIGPIPE back).
        signal(SIGPIPE, SIG_IGN)
        switch Result(catching: { () throws(ControlError) in try ControlSocket.router(binding: runDirectory.controlEndpoint) }) {
        case let .success(socket): router = socket
        case let .failure(error): throw SupervisorError.control(error.description)
        }
        runDirectory.markCurrent()
        event("launcher", "pid \(getpid()) running \(plan.topologyName) in \(runDirectory.path)")
        publish()

        while stopReason == nil {
            serviceControl(timeout: options.tickMilliseconds)
            reapChildren()
            takeSignals()
            guard stopReason == nil else { break }
            fireTimers()
            advanceStartup()
            checkWorkDone()
            flushStateIfDirty()
        }
        let reason = stopReason!
        stopAll()
        switch reason {
        case .stopCommand: return 0
        case let .signal(number): return 128 + number
        case let .workloadsEnded(success): return success ? 0 : 1
        case let .failure(error): throw error
        }
    }

    // MARK: Starting

    private func advanceStartup() {
        while startupIndex < processes.count {
            let p = processes[startupIndex]
            if p.state == .pending { spawn(p) }
            if p.planned.waitsForReady && p.state != .ready { return }
            startupIndex += 1
        }
        if !startupComplete {
            startupComplete = true
            event("launcher", "all \(processes.count) processes started")
        }
    }

    private func spawn(_ p: SupervisedProcess) {
        let now = Monotonic.milliseconds()
        do {
            let pid = try Spawner.spawn(arguments: p.planned.arguments, log: runDirectory.log(of: p.name))
            p.pid = pid
            p.state = .starting
            p.startedAt = now
            p.counters = [:]
            p.readyDeadline = p.planned.waitsForReady ? now + options.readyTimeoutMilliseconds : nil
            p.escalateAt = nil
            p.escalation = 0
            event(p.name, "started pid \(pid)")
        } catch {
            // posix_spawn itself failed (no memory, unopenable log): treat like an immediate failure exit.
            event(p.name, "could not be started: \(error)")
            handleExit(p, .exited(127), at: now)
        }
        markDirty(now: true)
    }

    // MARK: Exits

    private func reapChildren() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return }
            guard let p = processes.first(where: { $0.pid == pid }) else { continue }
            handleExit(p, Self.decode(status), at: Monotonic.milliseconds())
        }
    }

    private func handleExit(_ p: SupervisedProcess, _ exit: RestartTracker.Exit, at now: Int) {
        // A process that had reported ready has passed start-up even if the loop has not advanced past it yet
        // (the hypervisor of a short-lived topology can end within one tick of its ready).
        let wasReady = p.state == .ready
        p.pid = nil
        p.lastExit = exit
        p.readyDeadline = nil
        p.escalateAt = nil
        defer { markDirty(now: true) }
        if p.state == .stopping && !p.restartRequested || stopReason != nil {
            p.state = .stopped
            event(p.name, "stopped (\(exit))")
            return
        }
        if p.restartRequested {
            p.restartRequested = false
            p.tracker.reset()
            event(p.name, "exited: \(exit), restarting as requested")
            p.restarts += 1
            spawn(p)
            return
        }
        switch p.tracker.processExited(exit, at: now) {
        case let .restart(delay):
            p.state = .backoff
            p.restartAt = now + delay
            event(p.name, "exited: \(exit), restart in \(delay)ms")
        case .finished:
            p.state = .exited
            event(p.name, "exited: \(exit)")
        case let .giveUp(restarts, window):
            p.state = .givenUp
            event(p.name, "exited: \(exit); given up after \(restarts) restarts in \(Self.seconds(window))")
            if isInStartup(p) {
                stopReason = .failure(.gaveUpDuringStartup(name: p.name, lastExit: exit.description,
                                                           log: runDirectory.log(of: p.name)))
            }
        }
        if p.state == .exited && !wasReady && isInStartup(p) {
            stopReason = .failure(.exitedDuringStartup(name: p.name, lastExit: exit.description,
                                                       log: runDirectory.log(of: p.name)))
        }
    }

    /// A process the start-up sequence is still waiting on: if it ends for good, the launch cannot proceed.
    private func isInStartup(_ p: SupervisedProcess) -> Bool {
        guard !startupComplete, p.planned.waitsForReady,
              let index = processes.firstIndex(where: { $0 === p }) else { return false }
        return index >= startupIndex
    }

    // MARK: Timers and signals

    private func fireTimers() {
        let now = Monotonic.milliseconds()
        for p in processes {
            if p.state == .backoff, let at = p.restartAt, now >= at {
                p.restartAt = nil
                p.restarts += 1
                spawn(p)
            }
            if p.state == .starting, let deadline = p.readyDeadline, now >= deadline {
                p.readyDeadline = nil
                let seconds = Double(options.readyTimeoutMilliseconds) / 1000
                if isInStartup(p) {
                    event(p.name, "not ready within \(seconds)s")
                    stopReason = .failure(.notReady(name: p.name, seconds: seconds, log: runDirectory.log(of: p.name)))
                    return
                }
                event(p.name, "not ready within \(seconds)s: killing it")
                if let pid = p.pid { kill(pid, SIGKILL) }
            }
            if let at = p.escalateAt, now >= at, let pid = p.pid {
                escalate(p, pid: pid, now: now)
            }
        }
    }

    /// The next step of asking a process to stop: shutdown message (step 0), SIGTERM, then SIGKILL.
    private func escalate(_ p: SupervisedProcess, pid: Int32, now: Int) {
        switch p.escalation {
        case 0:
            router?.send([Data(p.name.utf8), ControlMessage.shutdown.encoded()])
        case 1:
            event(p.name, "did not exit after shutdown: sending TERM")
            kill(pid, SIGTERM)
        default:
            event(p.name, "did not exit after TERM: sending KILL")
            kill(pid, SIGKILL)
        }
        p.escalation += 1
        p.escalateAt = p.escalation <= 2 ? now + options.stopGraceMilliseconds : nil
    }

    private func takeSignals() {
        var set = signals
        var info = siginfo_t()
        var zero = timespec(tv_sec: 0, tv_nsec: 0)
        while true {
            let signal = sigtimedwait(&set, &info, &zero)
            if signal <= 0 { return }
            if signal == SIGCHLD { continue }  // exits are reaped by polling waitpid each tick
            if stopReason == nil {
                event("launcher", "got \(SignalName.name(of: signal)): stopping")
                stopReason = .signal(signal)
            }
        }
    }

    private func checkWorkDone() {
        let workloads = processes.filter { $0.planned.role == .workload }
        let hypervisor = processes.first { $0.planned.role == .hypervisor }
        guard startupComplete, !workloads.isEmpty || hypervisor != nil else { return }
        func ended(_ p: SupervisedProcess) -> Bool { p.state == .exited || p.state == .givenUp }
        guard workloads.allSatisfy(ended), hypervisor.map(ended) ?? true else { return }
        // The hypervisor's last `domain` reports travel on the control socket: take what is queued before judging.
        serviceControl(timeout: 0)
        var success = true
        if !workloads.isEmpty {
            let failed = workloads.filter { $0.lastExit?.isSuccess != true }
            if failed.isEmpty {
                event("launcher", "all \(workloads.count) workloads ended successfully")
            } else {
                let list = failed.map { "\($0.name) (\($0.lastExit.map(String.init(describing:)) ?? "?"))" }
                event("launcher", "workloads failed: \(list.joined(separator: ", "))")
                success = false
            }
        }
        if let hypervisor {
            let clean = hypervisor.lastExit?.isSuccess == true && !domains.isEmpty
                && domains.allSatisfy { $0.state == "poweroff" }
            let list = domains.map { "\($0.name) \($0.state)" }.joined(separator: ", ")
            if clean {
                event("launcher", "all \(domains.count) domains powered off")
            } else {
                event("launcher", "domains did not all power off: \(list.isEmpty ? "none reported" : list); "
                      + "hypervisor \(hypervisor.lastExit.map(String.init(describing:)) ?? "?")")
                success = false
            }
        }
        stopReason = .workloadsEnded(success: success)
    }

    // MARK: Shutdown

    /// Stops every running process in reverse plan order, one at a time: shutdown message, then SIGTERM after the
    /// grace period, then SIGKILL. Control requests are still answered meanwhile.
    private func stopAll() {
        for p in processes where p.state == .backoff || p.state == .pending {
            p.restartAt = nil
            if p.state == .backoff { p.state = .stopped }
        }
        for p in processes.reversed() {
            guard let pid = p.pid else { continue }
            p.state = .stopping
            p.restartRequested = false
            markDirty(now: true)
            escalate(p, pid: pid, now: Monotonic.milliseconds())
            while p.pid != nil {
                serviceControl(timeout: 10)
                reapChildren()
                takeSignals()
                let now = Monotonic.milliseconds()
                if let at = p.escalateAt, now >= at, let pid = p.pid { escalate(p, pid: pid, now: now) }
                if p.escalateAt == nil, p.pid != nil {
                    // SIGKILL sent: the exit is certain and imminent.
                    var status: Int32 = 0
                    if let pid = p.pid, waitpid(pid, &status, 0) == pid {
                        handleExit(p, Self.decode(status), at: now)
                    }
                }
            }
        }
        event("launcher", "stopped")
        publish()
        router = nil
        unlink(runDirectory.controlSocketFile)
    }

    // MARK: Control socket

    private func serviceControl(timeout: Int) {
        guard let router, let first = router.receive(timeoutMilliseconds: timeout) else { return }
        handleControl(first)
        var budget = 256  // bound the work per tick so a flood cannot starve reaping
        while budget > 0, let frames = router.receiveNow() {
            handleControl(frames)
            budget -= 1
        }
    }

    private func handleControl(_ frames: [Data]) {
        guard frames.count == 2 else {
            // A DEALER sends one frame, which the ROUTER prefixes with the peer's id; anything else is not ours.
            reject(peer: frames.first ?? Data(), error: "expected one frame per message, got \(max(0, frames.count - 1))")
            return
        }
        let peer = frames[0]
        let message: ControlMessage
        do {
            message = try ControlMessage(decoding: frames[1])
        } catch {
            reject(peer: peer, error: String(describing: error))
            return
        }
        switch message {
        case let .ready(name, pid, endpoint):
            guard let p = processes.first(where: { $0.name == name }), p.pid == pid else { return }
            // The deadline is strict: a report read after it is late, whatever the poll order (fireTimers acts).
            if let deadline = p.readyDeadline, Monotonic.milliseconds() >= deadline { return }
            if p.state == .starting {
                p.state = .ready
                p.readyDeadline = nil
                event(p.name, "ready on \(endpoint)")
                markDirty(now: true)
            }
        case let .metrics(name, counters):
            guard let p = processes.first(where: { $0.name == name }), p.isRunning else { return }
            p.counters = counters
            markDirty(now: false)
        case .shutdown:
            reply(peer, .failure("shutdown is a launcher-to-child message"))
        case .status:
            reply(peer, ControlReply(ok: true, status: report()))
        case let .kill(name, signalText):
            guard let p = processes.first(where: { $0.name == name }) else {
                return reply(peer, .failure("no process named \(name)"))
            }
            guard let signal = SignalName.number(of: signalText) else {
                return reply(peer, .failure("unknown signal \(signalText)"))
            }
            guard let pid = p.pid else { return reply(peer, .failure("\(name) is not running (\(p.state.rawValue))")) }
            kill(pid, signal)
            event(p.name, "sent \(SignalName.name(of: signal)) to pid \(pid) (xenarm kill)")
            reply(peer, ControlReply(ok: true, message: "sent \(SignalName.name(of: signal)) to \(name) (pid \(pid))"))
        case let .restart(name):
            guard let p = processes.first(where: { $0.name == name }) else {
                return reply(peer, .failure("no process named \(name)"))
            }
            guard stopReason == nil, p.state != .pending else {
                return reply(peer, .failure("\(name) cannot be restarted now (\(p.state.rawValue))"))
            }
            if let pid = p.pid {
                p.restartRequested = true
                p.state = .stopping
                event(p.name, "restart requested: stopping pid \(pid)")
                escalate(p, pid: pid, now: Monotonic.milliseconds())
                markDirty(now: true)
                reply(peer, ControlReply(ok: true, message: "restarting \(name) (pid \(pid))"))
            } else {
                p.tracker.reset()
                p.restartAt = nil
                p.restarts += 1
                event(p.name, "restart requested")
                spawn(p)
                reply(peer, ControlReply(ok: true, message: "starting \(name)"))
            }
        case let .domain(name, domain, id, state):
            guard let p = processes.first(where: { $0.name == name }), p.planned.role == .hypervisor, p.isRunning else {
                return
            }
            if let k = domains.firstIndex(where: { $0.name == domain }) {
                domains[k].state = state
            } else {
                domains.append(DomainStatus(name: domain, id: id, state: state,
                                            console: plan.consoles.first { $0.name == domain }?.location))
            }
            event(domain, state == "running" ? "domain \(id) running" : "domain \(id) ended: \(state)")
            markDirty(now: true)
        case let .console(name, domain, line):
            guard let p = processes.first(where: { $0.name == name }), p.planned.role == .hypervisor else { return }
            FileHandle.standardOutput.write(Data("[\(domain)] \(line)\n".utf8))
        case .stop:
            if stopReason == nil {
                event("launcher", "stop requested")
                stopReason = .stopCommand
                reply(peer, ControlReply(ok: true, message: "stopping \(processes.filter(\.isRunning).count) processes"))
            } else {
                reply(peer, ControlReply(ok: true, message: "already stopping"))
            }
        }
    }

    private func reply(_ peer: Data, _ reply: ControlReply) {
        router?.send([peer, reply.encoded()])
    }

    /// Answers a bad frame with an error, counts it, and logs it at most once per peer per second.
    private func reject(peer: Data, error: String) {
        malformed += 1
        reply(peer, .failure(error))
        let now = Monotonic.milliseconds()
        if malformedLogged.count > 1024 {
            // Every CLI connection is a new peer id: forget the ones whose second has passed.
            malformedLogged = malformedLogged.filter { now - $0.value < 1000 }
        }
        if now - (malformedLogged[peer] ?? Int.min / 2) >= 1000 {
            malformedLogged[peer] = now
            let who = String(decoding: peer.prefix(32), as: UTF8.self).unicodeScalars
                .map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7f ? String($0) : "." }.joined()
            event("launcher", "malformed control message from \(who.isEmpty ? "?" : who): \(error) (\(malformed) so far)")
        }
        markDirty(now: false)
    }

    // MARK: Status

    func report() -> StatusReport {
        let now = Monotonic.milliseconds()
        return StatusReport(
            topology: plan.topologyName, runDirectory: runDirectory.path, launcherPid: getpid(),
            uptimeSeconds: Double(now - origin) / 1000, malformedControlMessages: malformed,
            processes: processes.map { p in
                ProcessStatus(name: p.name, kind: p.planned.kind, pid: p.pid, state: p.state.rawValue,
                              restarts: p.restarts,
                              uptimeSeconds: p.isRunning ? p.startedAt.map { Double(now - $0) / 1000 } : nil,
                              lastExit: p.lastExit?.description, endpoint: p.planned.endpoint, counters: p.counters)
            },
            domains: domains.isEmpty ? nil : domains)
    }

    private func markDirty(now: Bool) {
        stateDirty = true
        if now { publish() }
    }

    /// Metrics arrive every 500 ms per process: the state file follows them at most every 250 ms.
    private func flushStateIfDirty() {
        if stateDirty && Monotonic.milliseconds() - stateWrittenAt >= 250 { publish() }
    }

    private func publish() {
        runDirectory.writeState(report())
        stateDirty = false
        stateWrittenAt = Monotonic.milliseconds()
    }

    private func event(_ who: String, _ text: String) {
        let elapsed = Double(Monotonic.milliseconds() - origin) / 1000
        // write(2), not FileHandle: a closed terminal or pipe must not take the launcher (and so every child) down.
        let line = String(format: "[%8.3f] ", elapsed) + "\(who) \(text)\n"
        _ = line.withCString { write(STDOUT_FILENO, $0, strlen($0)) }
    }

    /// A waitpid(2) status (WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift cannot import as macros).
    static func decode(_ status: Int32) -> RestartTracker.Exit {
        (status & 0x7f) == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
    }

    static func seconds(_ ms: Int) -> String {
        ms % 1000 == 0 ? "\(ms / 1000)s" : "\(Double(ms) / 1000)s"
    }
}

/// Milliseconds on CLOCK_MONOTONIC: restart windows and backoffs must not jump with the wall clock.
enum Monotonic {
    static func milliseconds() -> Int {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return t.tv_sec * 1000 + t.tv_nsec / 1_000_000
    }
}
