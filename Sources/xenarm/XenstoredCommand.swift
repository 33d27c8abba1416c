import ArgumentParser
import Dom0Backend
import Foundation
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

    func run() throws {
        // Signals are caught before the socket exists: a client (or test) that sees the socket may send SIGTERM
        // at once, and a SIGTERM between SIG_IGN and the dispatch source's start would be lost.
        let stop = StopSignal()
        installStopOnSignals(stop)
        let daemon: XenstoredProcess
        do {
            let context = try ZMQContext()
            daemon = try XenstoredProcess(
                .init(name: process.name, endpoint: endpoint, socketPath: socket, stateDirectory: stateDir),
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
