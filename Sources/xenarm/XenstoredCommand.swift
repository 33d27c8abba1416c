import ArgumentParser
import Dom0Backend
import Foundation
import Launcher
import Wire

/// `xenarm xenstored`: Dom0's xenstore daemon (DESIGN.md §2), run by the launcher or by hand.
struct XenstoredCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xenstored",
        abstract: "Run xenstored: the xenstore tree, watches, transactions and permissions, persisted.",
        discussion: """
            Speaks xs_wire (xen/io/xs_wire.h) on a ZeroMQ ROUTER (--endpoint, one message per frame) and on a \
            Unix socket (--socket; point Debian's xenstore-* tools at it with XENSTORED_PATH). Every committed \
            change is fsynced to --state-dir before it is acknowledged; a restart restores the tree, \
            permissions, introduced domains and ZeroMQ clients' watches. See docs/xenstore.md.
            """)

    @OptionGroup var process: ProcessOptions

    @Option(help: "ZeroMQ endpoint to bind (ROUTER), e.g. ipc:///tmp/xenstored.ipc.")
    var endpoint: String

    @Option(help: "Unix socket path for xs_wire stream clients (xenstore-* tools).")
    var socket: String?

    @Option(help: "Directory of the snapshot and journal (created if missing).")
    var stateDir: String

    @Option(help: "Topology file: on a fresh state dir, write the toolstack's nodes for its domains and devices.")
    var topology: String?

    @Option(help: "The hypervisor bus endpoint: serve the guests' xenstore rings through it (needs --bus-secret).")
    var bus: String?

    @Option(help: "The bus secret file (RUN/bus.secret).")
    var busSecret: String?

    @Option(help: "Override the guests' store port offered to Dom0 (default: each domain's HVM_PARAM_STORE_EVTCHN, read over the bus).")
    var storePort: UInt32?

    func validate() throws {
        if (bus == nil) != (busSecret == nil) { throw ValidationError("--bus and --bus-secret go together") }
    }

    func run() throws {
        // Signals are caught before the socket exists: a client (or test) that sees the socket may send SIGTERM
        // at once, and a SIGTERM between SIG_IGN and the dispatch source's start would be lost.
        let stop = StopSignal()
        installStopOnSignals(stop)
        let daemon: XenstoredProcess
        do {
            let context = try ZMQContext()
            daemon = try XenstoredProcess(
                .init(name: process.name, endpoint: endpoint, socketPath: socket, stateDirectory: stateDir,
                      toolstackNodes: try toolstackNodes(),
                      bus: bus.map { XenstoreBusConfiguration(endpoint: $0, secretPath: busSecret!, storePort: storePort) }),
                context: context, stopSignal: stop)
        } catch {
            fatalStartError(process.name, error)
        }
        do {
            try startChildControl(process, endpoint: daemon.endpoint, counters: daemon.counters, stop: stop)
            try daemon.run()
        } catch {
            fatalStartError(process.name, error)
        }
    }
}

extension XenstoredCommand {
    /// The launcher's toolstack nodes for `--topology`, as xenstored's types.
    func toolstackNodes() throws -> [(path: String, value: [UInt8], permissions: XenstorePermissions)] {
        // A restart (saved state present) writes no toolstack nodes: do not depend on the topology then.
        guard let topology, !FileManager.default.fileExists(atPath: stateDir + "/snapshot") else { return [] }
        return try ToolstackNodes.nodes(for: TopologySource.load(topology)).map { node in
            let entries = node.permissions.compactMap(XenstorePermission.init(parsing:))
            guard entries.count == node.permissions.count, let perms = XenstorePermissions(entries) else {
                throw ValidationError("toolstack node \(node.path): bad permissions \(node.permissions)")
            }
            return (node.path, Array(node.value.utf8), perms)
        }
    }
}
