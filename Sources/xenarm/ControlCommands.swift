import ArgumentParser
import Foundation
import Launcher
import Wire

/// Options every control command shares.
struct RunDirectoryOption: ParsableArguments {
    @Option(name: .customLong("run-dir"), help: ArgumentHelp(
        "The launch's run directory (default: the one /tmp/xenarm-UID/current points to).", valueName: "DIR"))
    var runDirectory: String?

    func resolve() throws -> RunDirectory {
        do { return try RunDirectory.forClient(runDirectory) } catch { fail(error) }
    }
}

/// Prints `xenarm: MESSAGE` on stderr and exits 1: every CLI error is one line naming the thing.
func fail(_ error: Error) -> Never {
    FileHandle.standardError.write(Data("xenarm: \(error)\n".utf8))
    Foundation.exit(1)
}

/// Sends one request; prints the reply's message, or fails with its error.
func perform(_ message: ControlMessage, run: RunDirectory) -> ControlReply {
    let reply: ControlReply
    do { reply = try ControlClient.request(message, run: run) } catch { fail(error) }
    guard reply.ok else { fail(SupervisorError.control(reply.error ?? "request refused")) }
    return reply
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "List every process of a running launch.",
        discussion: """
            One row per process: name, kind, pid, state (pending, starting, ready, exited, backoff, given-up, \
            stopping, stopped), restarts, uptime, last exit reason ("exit 3", "signal KILL") and the counters of \
            its last metrics report. --json prints the whole status document (the same as RUN/state.json), \
            including every counter and the launcher's count of malformed control messages.
            """)

    @Flag(help: "Print the status document as JSON.") var json = false
    @OptionGroup var location: RunDirectoryOption

    func run() throws {
        let reply = perform(.status, run: try location.resolve())
        guard let status = reply.status else { fail(SupervisorError.control("status reply without a table")) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(status), as: UTF8.self))
        } else {
            print(StatusTable.render(status), terminator: "")
        }
    }
}

struct KillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kill",
        abstract: "Send a signal to one supervised process (fault injection).",
        discussion: """
            The launcher sends the signal and then applies the process's restart policy to whatever follows \
            (a KILL of a disk model with policy on-failure is restarted after its backoff). Signals: \
            \(SignalName.table.map(\.name).joined(separator: ", ")), or a number.
            """)

    @Argument(help: "The process name, as `xenarm status` shows it.") var name: String
    @Option(help: ArgumentHelp("The signal, by name (KILL, TERM, STOP, CONT, SEGV, ...) or number.", valueName: "SIGNAL"))
    var signal = "KILL"
    @OptionGroup var location: RunDirectoryOption

    func validate() throws {
        guard SignalName.number(of: signal) != nil else { throw ValidationError("unknown signal \(signal)") }
    }

    func run() throws {
        print(perform(.kill(name: name, signal: signal), run: try location.resolve()).message ?? "ok")
    }
}

struct RestartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart",
        abstract: "Stop one supervised process and start it again.",
        discussion: """
            A running process is asked to exit (shutdown message, then TERM, then KILL after a grace period) and \
            started again at once; a process that is not running (exited, given-up, in backoff) is started now. \
            An operator's restart resets the process's crash-loop count.
            """)

    @Argument(help: "The process name, as `xenarm status` shows it.") var name: String
    @OptionGroup var location: RunDirectoryOption

    func run() throws {
        print(perform(.restart(name: name), run: try location.resolve()).message ?? "ok")
    }
}

struct StopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop a running launch: every process in reverse start order, then the launcher.",
        discussion: "Waits until the launcher has exited (or --timeout passes; then exits 1).")

    @Option(help: ArgumentHelp("Seconds to wait for the launcher to exit.", valueName: "SECONDS"))
    var timeout: Double = 60
    @OptionGroup var location: RunDirectoryOption

    func run() throws {
        let directory = try location.resolve()
        print(perform(.stop, run: directory).message ?? "stopping")
        guard ControlClient.waitForExit(run: directory, timeoutMilliseconds: Int(timeout * 1000)) else {
            fail(SupervisorError.control("the launcher of \(directory.path) did not exit within \(timeout)s"))
        }
        print("stopped")
    }
}
