import Foundation
import Wire

/// `xenarm test isolation`: launches the topology, runs the hostile peer and the kills while the probe guests
/// run, collects every observation, and judges each check (docs/isolation.md).
public enum IsolationBattery {
    public struct Options: Sendable {
        /// The `xenarm` executable that runs `launch` (normally the running one).
        public var executable: String
        public var topologyFile: String
        /// Must not exist yet: a fresh xenstored state and run directory per battery.
        public var runDirectory: String
        /// Random hypercalls the fuzz probe must make (its `count=` is raised to this when lower).
        public var fuzzCalls: Int = 100_000
        /// Seconds the probe guests have to finish.
        public var timeout: Double = 150
        /// Seconds of the CPU measurement window.
        public var cpuWindow: Double = 6
        /// Progress lines as they come (stderr).
        public var verbose: Bool = false

        public init(executable: String, topologyFile: String, runDirectory: String) {
            self.executable = executable; self.topologyFile = topologyFile; self.runDirectory = runDirectory
        }
    }

    public enum Failure: Error, CustomStringConvertible {
        case runDirectoryExists(String)
        case launch(String)
        public var description: String {
            switch self {
            case let .runDirectoryExists(p): return "run directory \(p) exists (the battery needs a fresh one)"
            case let .launch(why): return why
            }
        }
    }

    /// Checks of the issue this battery does not run yet.
    public static let notYet = [
        "block: a guest's backend refuses another domain's grants (no probe-blk domain in the topology)",
        "block: a probe guest's malformed ring requests (no probe-blk domain in the topology)",
        "grants: a grant revoked while a copy is in flight (only revoked-before-copy is tried)",
    ]

    public static func run(_ options: Options) throws -> IsolationReport {
        let topology = try TopologyLoader.load(path: options.topologyFile)
        var roles = IsolationRoles(topology: topology)
        guard !FileManager.default.fileExists(atPath: options.runDirectory) else {
            throw Failure.runDirectoryExists(options.runDirectory)
        }
        let file = try fuzzTopology(options, topology, &roles)
        defer { if file != options.topologyFile { try? FileManager.default.removeItem(atPath: file) } }
        let terminalLogStart = roles.victimTerminalLog.flatMap {
            (try? FileManager.default.attributesOfItem(atPath: $0))?[.size] as? Int } ?? 0

        let log = IsolationLog()
        let say: (String) -> Void = { line in
            if options.verbose { FileHandle.standardError.write(Data((String(format: "[%7.2f] ", log.now) + line + "\n").utf8)) }
        }
        let launch = try IsolationLaunch(executable: options.executable, topologyFile: file,
                                         runDirectory: options.runDirectory, log: log)
        defer { launch.stop() }
        say("launched \(topology.name) in \(options.runDirectory)")
        guard log.wait(60, until: { _ in launch.process("hypervisor")?.state == "ready" || !launch.isRunning }),
              launch.isRunning else {
            let tail = log.lines.suffix(20).map(\.text).joined(separator: "\n")
            throw Failure.launch("the topology did not come up:\n\(tail)")
        }
        let quietProgress: (Double, Double) -> Int = { a, b in
            guard let q = roles.quiet else { return 0 }
            return log.console(q.name).filter { $0.at >= a && $0.at <= b && $0.text.hasPrefix("PROGRESS") }.count
        }
        var checks: [IsolationCheck] = []

        // The bus, once the probes have something to steal.
        let exported = roles.grant.flatMap { g in log.wait(40) { $0.first(g.name, "GRANT rw ") != nil } ? log.first(g.name, "GRANT rw ") : nil }
        let offered = roles.eventOffer.flatMap { o in log.wait(20) { $0.first(o.name, "EVTCHN offered port=") != nil } ? log.first(o.name, "EVTCHN offered port=") : nil }
        say("bus attacks")
        if let secret = try? BusSecret.load(from: "\(options.runDirectory)/bus.secret") {
            let bus = IsolationBusChecks(
                launch: launch, roles: roles, secret: secret, endpoint: "ipc://\(options.runDirectory)/hypervisor.ipc",
                exportedRef: exported.flatMap { IsolationLog.int($0.text, "ref") }.map { UInt32($0) },
                offeredPort: offered.flatMap { IsolationLog.int($0.text, "port") }.map { UInt32($0) },
                quietProgress: quietProgress)
            checks += bus.run()
        } else {
            checks.append(IsolationCheck(group: "bus", name: "secret", attempted: "read RUN/bus.secret", expected: "present",
                                         observed: "unreadable", control: "not run", verdict: .fails))
        }
        say("cpu window")
        let containment = IsolationContainmentChecks(launch: launch, roles: roles, terminalLogStart: terminalLogStart,
                                                     quietProgress: quietProgress)
        checks += containment.cpu(seconds: options.cpuWindow)
        say("kills")
        checks.append(containment.kill(roles.victimBackend, what: "console backend", check: "backend-killed"))
        checks.append(containment.kill(roles.victimTerminal, what: "terminal device model", check: "device-model-killed"))

        // The probes finish on their own.
        let finite = [roles.memory, roles.fuzz, roles.eventOffer, roles.eventProbe, roles.eventExhaust, roles.grant,
                      roles.xenstoreVictim, roles.xenstoreAttacker, roles.crash, roles.block].compactMap { $0?.name }
        say("waiting for \(finite.joined(separator: ", "))")
        log.wait(options.timeout) { l in Set(finite).isSubset(of: Set(ends(l).keys)) || !launch.isRunning }
        let hypervisorAlive = launch.process("hypervisor")?.state == "ready"
        let endsNow = ends(log)
        let guests = IsolationGuestChecks(log: log, roles: roles, ends: endsNow)
        checks += guests.memory()
        checks += guests.grants()
        checks += guests.eventChannels()
        checks += guests.xenstore()
        checks += guests.block()
        checks.append(containment.guestCrash(ends: endsNow))
        checks += guests.hypercalls(requiredCalls: options.fuzzCalls, quietProgress: quietProgress,
                                    hypervisorAlive: hypervisorAlive)
        say("stopping")
        launch.stop()
        try? Data(log.lines.map { String(format: "[%8.3f] ", $0.at) + $0.text + "\n" }.joined().utf8)
            .write(to: URL(fileURLWithPath: "\(options.runDirectory)/isolation-launch.out"))
        let order = ["memory", "grants", "event-channels", "xenstore", "block", "bus", "crash", "cpu", "hypercalls", "fuzz"]
        checks.sort { (order.firstIndex(of: $0.group) ?? 99) < (order.firstIndex(of: $1.group) ?? 99) }
        return IsolationReport(topology: topology.name, runDirectory: options.runDirectory, seconds: log.now,
                               checks: checks, missing: roles.block == nil ? notYet : Array(notYet.dropFirst(2)))
    }

    /// `[   t] NAME domain N ended: REASON` lines of the launcher.
    static func ends(_ log: IsolationLog) -> [String: (reason: String, at: Double)] {
        var out: [String: (reason: String, at: Double)] = [:]
        for line in log.lines {
            guard line.text.hasPrefix("["), let close = line.text.firstIndex(of: "]") else { continue }
            let rest = line.text[line.text.index(after: close)...].split(separator: " ", maxSplits: 4)
            guard rest.count == 5, rest[1] == "domain", rest[3] == "ended:" else { continue }
            out[String(rest[0])] = (String(rest[4]), line.at)
        }
        return out
    }

    /// The topology to launch: the file itself, or a copy next to it whose fuzz probe makes `fuzzCalls` calls.
    static func fuzzTopology(_ options: Options, _ topology: Topology, _ roles: inout IsolationRoles) throws -> String {
        guard let fuzz = roles.fuzz, let count = IsolationLog.int(fuzz.args, "count"), count < options.fuzzCalls else {
            return options.topologyFile
        }
        let text = try String(contentsOfFile: options.topologyFile, encoding: .utf8)
        let raised = fuzz.args.replacingOccurrences(of: "count=\(count)", with: "count=\(options.fuzzCalls)")
        guard text.components(separatedBy: fuzz.args).count == 2 else {
            throw Failure.launch("cannot raise the fuzz probe's count=: its args \"\(fuzz.args)\" occur more than once")
        }
        let url = URL(fileURLWithPath: options.topologyFile)
        let copy = url.deletingLastPathComponent().appendingPathComponent(".isolation-\(getpid())-" + url.lastPathComponent).path
        try text.replacingOccurrences(of: fuzz.args, with: raised).write(toFile: copy, atomically: true, encoding: .utf8)
        roles = IsolationRoles(topology: try TopologyLoader.load(path: copy))
        return copy
    }
}
