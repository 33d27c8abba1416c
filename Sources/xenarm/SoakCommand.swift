import ArgumentParser
import Foundation
import Hypervisor
import Launcher
#if canImport(Glibc)
import Glibc
#endif

/// `xenarm soak`: restart without loss, measured (docs/restart.md).
struct SoakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Launch a topology and SIGKILL its processes at random while the guests run; check nothing was lost.",
        discussion: """
            Launches the topology under the launcher's supervisor (as `xenarm launch` does), waits until every \
            process is ready and every guest prints, then every --interval ms SIGKILLs a random (seeded) \
            process among xenstored, device models and backends (never the hypervisor, never a workload). When \
            the guests have finished it prints the report: kills per kind, restarts, restart and recovery times \
            (p50/p99/max), acknowledged writes lost (checked in the image files), wrong reads, guest-visible \
            errors, neighbours' throughput during restarts. Exit status 0 only if nothing was lost, no read was \
            wrong, no guest saw an error and every guest ended with RESULT ok; 1 otherwise; 2 if the soak could \
            not begin. The launcher's event lines go to RUN/logs/launcher.log. See docs/restart.md.
            """)

    @Argument(help: "The topology file (YAML, see docs/topology.md).") var file: String
    @Option(help: "SIGKILLs to deliver.") var kills: Int
    @Option(help: ArgumentHelp("Milliseconds between two kills.", valueName: "MS")) var interval: Int
    @Option(help: "Seed of the victims' choice.") var seed: UInt64 = 1
    @Option(help: ArgumentHelp("Also write the report as JSON to FILE.", valueName: "FILE")) var json: String?
    @Option(help: ArgumentHelp("Only kill these kinds (comma-separated): xenstored, disk, terminal, console, blk.",
                               valueName: "LIST"))
    var kinds: String?
    @Option(name: .customLong("run-dir"), help: ArgumentHelp(
        "The run directory (default: /tmp/xenarm-UID/TOPOLOGY-NAME).", valueName: "DIR"))
    var runDirectory: String?
    @Option(name: .customLong("start-timeout"), help: ArgumentHelp(
        "Seconds the guests have to start printing.", valueName: "SECONDS"))
    var startTimeout: Int = 120
    @Option(name: .customLong("finish-timeout"), help: ArgumentHelp(
        "Seconds the guests have to finish after the last kill.", valueName: "SECONDS"))
    var finishTimeout: Int = 300

    func validate() throws {
        guard kills >= 0 else { throw ValidationError("--kills must be zero or more") }
        guard interval > 0 else { throw ValidationError("--interval must be positive") }
        guard startTimeout > 0, finishTimeout > 0 else { throw ValidationError("timeouts must be positive") }
    }

    func run() throws {
        let topology = try TopologySource.load(file)
        for spec in topology.domains {
            do { try DomainBuilder.check(DomainConfig(spec: spec)) } catch {
                FileHandle.standardError.write(Data("xenarm: \(file): \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        var options = SoakOptions(kills: kills, intervalMilliseconds: interval, seed: seed,
                                  kinds: kinds.map { Set($0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }) })
        options.startTimeoutMilliseconds = startTimeout * 1000
        options.finishTimeoutMilliseconds = finishTimeout * 1000
        let path = runDirectory ?? RunDirectory.defaultPath(topologyName: topology.name)
        let runner: SoakRunner
        do { runner = try SoakRunner(topology: topology, runDirectory: path, options: options) } catch {
            FileHandle.standardError.write(Data("xenarm soak: \(error)\n".utf8))
            throw ExitCode(2)
        }
        // The supervisor prints its events on stdout: send them to the run dir's launcher.log and keep our own
        // stdout for the soak's lines and report.
        let out = FileHandle(fileDescriptor: fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3), closeOnDealloc: true)
        do { try runner.runDirectory.create() } catch {
            FileHandle.standardError.write(Data("xenarm soak: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let log = open(runner.runDirectory.log(of: "launcher"), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if log >= 0 { dup2(log, STDOUT_FILENO); close(log) }
        let say: (String) -> Void = { out.write(Data(($0 + "\n").utf8)) }
        let report: SoakReport
        do { report = try runner.run(say: say) } catch {
            FileHandle.standardError.write(Data("xenarm soak: \(error)\n".utf8))
            throw ExitCode(2)
        }
        say(report.text)
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            do { try encoder.encode(report).write(to: URL(fileURLWithPath: json)) } catch {
                FileHandle.standardError.write(Data("xenarm soak: cannot write \(json): \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        throw ExitCode(report.passed ? 0 : 1)
    }
}
