import ArgumentParser
import Foundation
import Hypervisor
import Launcher
import Wire

/// `xenarm hypervisor`: the hypervisor process (DESIGN.md §2): builds every domain of the topology, runs them
/// on its pCPU threads, shows their consoles, reports each domain's end to the launcher, and exits when all
/// domains have ended — status 0 only if every one powered off.
struct HypervisorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hypervisor",
        abstract: "Run the hypervisor: the topology's guest domains on emulated ARM vCPUs.",
        discussion: """
            Builds each domain of the topology (its kernel ELF loaded into its memory block), runs them on \
            --pcpus host threads (default: the topology's machine.pcpus, else the host's cores) and prints each \
            guest console line as `[DOMAIN] line`. Exits when every domain has ended: 0 if all powered off, 1 \
            otherwise, 2 if a domain cannot be built (kernel unreadable, not an ARM executable, does not fit). \
            See docs/guest-abi.md.
            """)

    @OptionGroup var process: ProcessOptions

    @Option(help: "Endpoint reported to the launcher (the hypervisor bus address).")
    var endpoint: String = "-"

    @Option(help: "The topology file.")
    var topology: String

    @Option(help: "Host threads running vCPUs (overrides the topology's machine.pcpus).")
    var pcpus: Int?

    @Option(help: "Instructions per time slice.")
    var slice: Int = 200_000

    @Option(help: ArgumentHelp("Instructions between two looks for events raised for a running vCPU (0: only at slice ends).",
                               visibility: .hidden))
    var eventCheckInstructions: Int = 8192

    @Option(help: "The launch's bus secret file (mode 0600). With it, the hypervisor bus listens on --endpoint.")
    var busSecret: String?

    @Option(help: "The launch's console index (RUN/consoles.json): console_io output is appended to each guest's log.")
    var consoles: String?

    func run() throws {
        ChildControl.guardParentDeath()
        let topo: Topology
        do { topo = try TopologyLoader.load(path: topology) } catch {
            for d in error.diagnostics { FileHandle.standardError.write(Data((d.description + "\n").utf8)) }
            throw ExitCode(2)
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let configuration = Hypervisor.Configuration(
            memoryBytes: topo.machine.memoryBytes, reserveBytes: topo.machine.hypervisorReserveBytes,
            scheduler: Scheduler.Options(pcpus: pcpus ?? topo.machine.pcpus ?? cores, sliceInstructions: slice,
                                         eventCheckInstructions: eventCheckInstructions),
            domains: topo.domains.map(DomainConfig.init(spec:)))
        let hypervisor: Hypervisor
        do { hypervisor = try Hypervisor(configuration) } catch {
            FileHandle.standardError.write(Data("\(process.name): \(error)\n".utf8))
            throw ExitCode(2)
        }
        let bus = startBus(topo, hypervisor)
        if let bus { hypervisor.scheduler.setIdleWork(bus.idleWork) }
        let box = ControlBox()
        hypervisor.onConsoleLine = { domain, line in
            Hypervisor.printLine("[\(domain.name)] \(line)")
            box.control?.post(.console(name: box.name, domain: domain.name, line: line))
        }
        if let consoles {
            do {
                let logs = try HypervisorConsoleLogs(indexFile: consoles, domains: hypervisor.domains,
                                                     label: process.name)
                hypervisor.onConsoleBytes = { domain, bytes in logs.append(domain, bytes) }
            } catch {
                FileHandle.standardError.write(Data("\(process.name): console logs from \(consoles): \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        hypervisor.onDomainEnded = { domain, state in
            let c = domain.counters
            Hypervisor.printLine("\(box.name): domain \(domain.name) (id \(domain.id.rawValue)) ended: \(state.reason) "
                + "(instructions=\(c[.instructions]) run_ns=\(c[.runNanoseconds]) hypercalls=\(c[.hypercalls]) "
                + "hypercall_errors=\(c[.hypercallErrors]) traps=\(c[.trapsDelivered]) "
                + "isolation_faults=\(c[.isolationFaults]))")
            box.control?.post(.domain(name: box.name, domain: domain.name, id: Int(domain.id.rawValue), state: state.reason))
            bus?.outbox.domainEvent(domain.id, Self.busEvent(state), reason: Self.busReason(state))
        }
        box.name = process.name
        let domains = hypervisor.domains
        do {
            box.control = try ChildControl.start(
                name: process.name, control: process.control, endpoint: endpoint,
                counters: { Self.counters(domains).merging(Self.busCounters(bus)) { a, _ in a } },
                onShutdown: {
                    Hypervisor.printLine("\(box.name): shutdown requested: destroying \(domains.count) domains")
                    Foundation.exit(0)
                })
        } catch { fatalStartError(process.name, error) }
        for spec in topo.domains where spec.vcpus > 1 {
            // Secondary vCPUs would need VCPUOP_initialise (docs/guest-abi.md): say so rather than pretend.
            Hypervisor.printLine("\(process.name): domain \(spec.name): vcpus: \(spec.vcpus) requested, vCPU 0 only runs")
        }
        for d in domains {
            Hypervisor.printLine("\(process.name): domain \(d.name) (id \(d.id.rawValue)) built: \(d.memory.size >> 20) MiB")
            box.control?.post(.domain(name: process.name, domain: d.name, id: Int(d.id.rawValue), state: "running"))
            bus?.outbox.domainEvent(d.id, .created)
        }
        hypervisor.start()
        hypervisor.waitUntilAllEnded()
        box.control?.flush(milliseconds: 1000)
        // The control socket has linger 0: give its I/O thread a moment to put the last reports on the wire.
        usleep(100_000)
        throw ExitCode(domains.allSatisfy { $0.state.isPoweroff } ? 0 : 1)
    }

    /// The metrics report: each domain's counters as `NAME.counter`, plus totals.
    static func counters(_ domains: [Domain]) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for d in domains {
            for (k, v) in d.counters.snapshot() {
                out["\(d.name).\(k)"] = v
                out[k, default: 0] += v
            }
        }
        out["domains"] = Int64(domains.count)
        out["domains_running"] = Int64(domains.filter { !$0.state.hasEnded }.count)
        return out
    }
}

// MARK: the hypervisor bus (evtgnt: docs/hypervisor-bus.md)

extension HypervisorCommand {
    /// Starts the bus on --endpoint when --bus-secret is given; exits 2 if the secret or the endpoint is unusable.
    func startBus(_ topo: Topology, _ hypervisor: Hypervisor) -> BusThread? {
        guard let busSecret, endpoint != "-" else { return nil }
        do {
            let secret = try BusSecret.load(from: busSecret)
            return try BusThread.start(context: ZMQContext(), endpoint: endpoint, secret: secret,
                                       policy: BusPolicy(topology: topo), channels: hypervisor.eventChannels,
                                       copier: GrantCopy(tables: hypervisor.grantTables),
                                       parameters: Self.parameterSource(hypervisor.registry))
        } catch {
            FileHandle.standardError.write(Data("\(process.name): hypervisor bus: \(error)\n".utf8))
            Foundation.exit(2)
        }
    }

    /// The bus's `BusGetParam`: a domain's HVM parameters, as its builder and the port allocation set them.
    static func parameterSource(_ registry: DomainRegistry) -> BusServer.ParameterSource {
        { id, index in
            guard let domain = registry.domain(id) else { return (false, nil) }
            return (true, domain.hvmParams[index])
        }
    }

    static func busEvent(_ state: DomainState) -> BusDomainEvent.Event {
        if case .crashed = state { return .crashed }
        return .shutdown
    }

    /// `SHUTDOWN_*` of sched.h for the reason names the hypervisor reports.
    static func busReason(_ state: DomainState) -> UInt8 {
        guard case let .shutdown(reason) = state else { return 0 }
        switch reason {
        case "poweroff": return 0
        case "reboot": return 1
        case "suspend": return 2
        case "crash": return 3
        case "watchdog": return 4
        default: return 0xFF
        }
    }

    /// The bus counters in the metrics report, as `bus.NAME`.
    static func busCounters(_ bus: BusThread?) -> [String: Int64] {
        guard let s = bus?.counters.snapshot() else { return [:] }
        let all: [(String, UInt64)] = [
            ("received", s.received), ("unauthenticated", s.unauthenticated), ("unauthorized", s.unauthorized),
            ("replayed", s.replayed), ("malformed", s.malformed), ("notifications", s.notifications),
            ("events_pushed", s.eventsPushed), ("copies_done", s.copiesDone), ("copies_refused", s.copiesRefused),
            ("sessions", s.sessions), ("pushes_dropped", bus?.counters.droppedPushes ?? 0),
        ]
        return Dictionary(uniqueKeysWithValues: all.map { ("bus.\($0.0)", Int64(clamping: $0.1)) })
    }
}

/// The control handle, set after the callbacks that use it are installed.
private final class ControlBox: @unchecked Sendable {
    var control: ChildControl?
    var name = "hypervisor"
}

extension DomainConfig {
    init(spec: DomainSpec) {
        self.init(name: spec.name, memoryBytes: spec.memoryBytes, kernelPath: spec.kernel, commandLine: spec.args,
                  weight: spec.weight, cap: spec.cap)
    }
}
