import ArgumentParser
import Foundation
import Hypervisor
import Launcher

struct LaunchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "launch",
        abstract: "Run a topology: start, watch and restart its processes.",
        discussion: """
            Starts every process of the topology as `xenarm SUBCOMMAND --name NAME --control ENDPOINT ...` in \
            dependency order (xenstored, device models, backends, hypervisor, workloads), waiting for each one's \
            ready report; prints one line per event; restarts processes per their restart policy. Exits when \
            every workload has ended (0 only if all succeeded), on `xenarm stop` (0), or on SIGINT/SIGTERM \
            (128+signal), after stopping every process in reverse order. A topology without workloads runs \
            until stopped. The run directory holds control.ipc, the processes' endpoints, logs/NAME.log and \
            state.json; /tmp/xenarm-UID/current points to it. See docs/launcher.md.
            """)

    @Argument(help: "The topology file (YAML, see docs/topology.md).") var file: String
    @Option(name: .customLong("run-dir"), help: ArgumentHelp(
        "The run directory (default: /tmp/xenarm-UID/TOPOLOGY-NAME).", valueName: "DIR"))
    var runDirectory: String?
    @Flag(help: "Run in the background; return once every process is ready. Its output goes to RUN/logs/launcher.log.")
    var detach = false
    @Option(name: .customLong("ready-timeout"), help: ArgumentHelp(
        "Seconds each process has to report ready after it is started.", valueName: "SECONDS"))
    var readyTimeout: Double = 10
    @Option(name: .customLong("stop-grace"), help: ArgumentHelp(
        "Seconds a process has to exit after the shutdown message, and again after TERM, before KILL.",
        valueName: "SECONDS"))
    var stopGrace: Double = 2

    func validate() throws {
        guard readyTimeout > 0, stopGrace > 0 else { throw ValidationError("timeouts must be positive") }
    }

    func run() throws {
        let topology: Topology
        do { topology = try TopologySource.load(file) } catch { throw error }
        // A kernel that cannot be loaded is the topology's fault: say so before anything starts (exit 2).
        for spec in topology.domains {
            do { try DomainBuilder.check(DomainConfig(spec: spec)) } catch {
                FileHandle.standardError.write(Data("xenarm: \(file): \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        let directory = RunDirectory(path: runDirectory ?? RunDirectory.defaultPath(topologyName: topology.name))
        let plan = ProcessPlan(topology: topology, runDirectory: directory.path)
        if detach {
            let arguments = ["launch", file, "--run-dir", directory.path,
                             "--ready-timeout", String(readyTimeout), "--stop-grace", String(stopGrace)]
            let timeout = Int(readyTimeout * 1000) * max(1, plan.processes.count) + 5_000
            do {
                let pid = try DetachedLaunch.start(arguments: arguments, plan: plan, timeoutMilliseconds: timeout)
                print("launched \(topology.name) in \(directory.path) (launcher pid \(pid)); `xenarm status` to watch, `xenarm stop` to end it")
            } catch { fail(error) }
            return
        }
        var options = Supervisor.Options()
        options.readyTimeoutMilliseconds = Int(readyTimeout * 1000)
        options.stopGraceMilliseconds = Int(stopGrace * 1000)
        let status: Int32
        do { status = try Supervisor(plan: plan, options: options).run() } catch { fail(error) }
        throw ExitCode(status)
    }
}
