import ArgumentParser
import Dom0Backend
import Foundation
import Wire

/// `xenarm backend …`: Dom0's backend driver processes (DESIGN.md §2), one per device instance, run by the
/// launcher from the topology's `backends:` (or by hand).
struct BackendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backend",
        abstract: "Run a Dom0 backend driver process.",
        subcommands: [ConsoleBackendCommand.self, BlkBackendCommand.self])
}

struct ConsoleBackendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Move one domain's console between its console ring and a terminal model.",
        discussion: """
            Authenticates on the hypervisor bus as --name, binds the domain's console event channel, reads the \
            guest's output ring and writes its input ring with grant copies of grant 0, and passes the bytes to and \
            from the terminal model at --terminal. Either side may be killed and restarted: output reaches the \
            terminal's log exactly once. See docs/console.md.
            """)

    @OptionGroup var process: ProcessOptions

    @Option(help: "The hypervisor bus endpoint (the hypervisor's --endpoint).")
    var bus: String

    @Option(help: "The launch's bus secret file (RUN/bus.secret).")
    var busSecret: String

    @Option(help: "The guest domain: its id, or its name (then the one domain the bus policy gives this backend).")
    var domain: String

    @Option(help: "The terminal model's endpoint.")
    var terminal: String

    @Option(help: "The guest's console port offered to Dom0 (HVM_PARAM_CONSOLE_EVTCHN; the hypervisor allocates port 1).")
    var consolePort: UInt32 = 1

    @Option(help: "Directory for the resume anchor and the attach record (default: RUN/console next to the secret).")
    var stateDir: String?

    @Option(help: "Accepted for the launcher's process contract; the console backend serves no endpoint.")
    var endpoint: String?

    @Option(help: "Accepted for the launcher's process contract: the guest-visible device name.")
    var device: String?

    func run() throws {
        let backend: ConsoleBackend
        do {
            backend = try ConsoleBackend(
                .init(name: process.name, busEndpoint: bus, busSecretPath: busSecret, domain: domain,
                      terminalEndpoint: terminal, consolePort: consolePort, stateDirectory: stateDir),
                context: try ZMQContext())
        } catch {
            fatalStartError(process.name, error)
        }
        let stop = backend.stopSignal
        installStopOnSignals(stop)
        do {
            // Ready at once: the hypervisor starts after the backends (ProcessPlan), so the bus is reached later.
            try startChildControl(process, endpoint: endpoint ?? bus, counters: backend.counters, stop: stop)
        } catch {
            fatalStartError(process.name, error)
        }
        backend.run()
    }
}

struct BlkBackendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blk",
        abstract: "Serve one guest's virtual disk: blkif ring <-> disk model.",
        discussion: """
            Finds the disk's backend directory in xenstore (--domain, --device), writes its nodes and InitWait, \
            waits for the frontend, binds its event channel on the hypervisor bus as --name, and serves the \
            shared ring with grant copies, each request becoming disk model transactions at --model. Restartable: \
            a new process goes back to InitWait and the frontend re-issues what had no response. See docs/block.md.
            """)

    @OptionGroup var process: ProcessOptions

    @Option(help: "The hypervisor bus endpoint (the hypervisor's --endpoint).")
    var bus: String

    @Option(help: "The launch's bus secret file (RUN/bus.secret).")
    var busSecret: String

    @Option(help: "xenstored's ZeroMQ endpoint.")
    var xenstore: String

    @Option(help: "The guest domain: its id, or its name (as in /local/domain/N/name).")
    var domain: String

    @Option(help: "The guest-visible disk name (xvda).")
    var device: String

    @Option(help: "The disk model's endpoint.")
    var model: String

    @Option(help: "The disk's size in 512-byte sectors (default: asked of the model).")
    var sectors: UInt64?

    @Flag(help: "A read-only disk: mode r, info VDISK_READONLY, writes refused with BLKIF_RSP_ERROR.")
    var readOnly = false

    @Option(help: "Accepted for the launcher's process contract; blkback serves no endpoint.")
    var endpoint: String?

    func run() throws {
        let backend: BlkBackend
        do {
            backend = try BlkBackend(
                .init(name: process.name, busEndpoint: bus, busSecretPath: busSecret, xenstoreEndpoint: xenstore,
                      domain: domain, device: device, modelEndpoint: model, sectors: sectors, readOnly: readOnly),
                context: try ZMQContext())
        } catch {
            fatalStartError(process.name, error)
        }
        let stop = backend.stopSignal
        installStopOnSignals(stop)
        do {
            // Ready at once: the hypervisor starts after the backends (ProcessPlan), so the bus is reached later.
            try startChildControl(process, endpoint: endpoint ?? bus, counters: backend.counters, stop: stop)
        } catch {
            fatalStartError(process.name, error)
        }
        backend.run()
    }
}
