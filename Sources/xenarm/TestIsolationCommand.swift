import ArgumentParser
import Foundation
import Launcher

/// `xenarm test …`: batteries that launch a topology and judge what happens (docs/isolation.md).
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run a test battery against a topology.",
        subcommands: [TestIsolationCommand.self])
}

struct TestIsolationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "isolation",
        abstract: "Launch a topology of probe guests, attack it, and report whether domains and devices stay isolated.",
        discussion: """
            Launches TOPOLOGY (normally Topologies/isolation.yaml: probe guests, a capped spinner, a hypercall \
            flooder, a guest with a console backend and terminal, a quiet neighbour), adds a hostile Dom0 peer on \
            the hypervisor bus, kills the backend and the device model, and reads every probe's structured lines. \
            Prints one row per check (check, attempted, expected, observed, positive control, verdict) and a \
            summary. Exit 0 only if every check holds; 1 if one fails; 2 if the topology cannot be run. \
            See docs/isolation.md.
            """)

    @Argument(help: "The topology file (see docs/isolation.md for the roles it must contain).") var topology: String
    @Option(help: ArgumentHelp("Also write the report as JSON to FILE.", valueName: "FILE")) var json: String?
    @Option(name: .customLong("fuzz-calls"), help: ArgumentHelp(
        "Random hypercalls the fuzz probe must make (its count= is raised when lower).", valueName: "N"))
    var fuzzCalls = 100_000
    @Option(name: .customLong("run-dir"), help: ArgumentHelp(
        "The run directory; must not exist (default: /tmp/xenarm-UID/isolation-PID).", valueName: "DIR"))
    var runDirectory: String?
    @Option(help: ArgumentHelp("Seconds the probe guests have to finish.", valueName: "SECONDS")) var timeout: Double = 150
    @Flag(help: "Print the battery's phases on stderr as they run.") var verbose = false

    func validate() throws {
        guard fuzzCalls >= 1, timeout > 0 else { throw ValidationError("--fuzz-calls and --timeout must be positive") }
    }

    func run() throws {
        var options = IsolationBattery.Options(
            executable: Self.executablePath(), topologyFile: topology,
            runDirectory: runDirectory ?? "\(RunDirectory.base())/isolation-\(getpid())")
        options.fuzzCalls = fuzzCalls
        options.timeout = timeout
        options.verbose = verbose
        if fuzzCalls > 100_000 { options.timeout += Double(fuzzCalls) / 20_000 }
        let report: IsolationReport
        do {
            _ = try TopologySource.load(topology)  // an invalid file: every diagnostic, exit 2
            report = try IsolationBattery.run(options)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("xenarm: test isolation: \(error)\n".utf8))
            throw ExitCode(2)
        }
        print(report.table())
        print(report.summary(), terminator: "")
        if let json {
            do { try report.json().write(to: URL(fileURLWithPath: json)) } catch { fail(error) }
        }
        throw ExitCode(report.allHold ? 0 : 1)
    }

    /// The running executable, so the launched topology uses the same build.
    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
