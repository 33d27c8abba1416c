import ArgumentParser
import DeviceModels
import Foundation
import Wire

/// `xenarm device …`: the device model processes (DESIGN.md §2), each run by the launcher or by hand.
struct DeviceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "Run a device model process (the real hardware behind Dom0's native drivers).",
        subcommands: [DiskCommand.self, TerminalCommand.self, DiskExerciseCommand.self])
}

/// Flags every supervised process takes (docs/launcher.md, "Process contract").
struct ProcessOptions: ParsableArguments {
    @Option(help: "Process name (routing id on the control socket, label in logs).")
    var name: String

    @Option(help: "The launcher's control endpoint; omit when running by hand.")
    var control: String?
}

/// Prints one line naming what failed and exits 1: the contract for a process that cannot start.
func fatalStartError(_ name: String, _ error: Error) -> Never {
    FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
    exit(1)
}

struct DiskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disk",
        abstract: "Serve a raw disk image: READ / WRITE / FLUSH / DISCARD over ZeroMQ.",
        discussion: """
            Serves DiskRequests (docs/wire-protocol.md) on --endpoint, 512-byte sectors, against the image file. \
            A retried request id is answered from its recorded result, never executed twice. \
            See docs/devices.md.
            """)

    @OptionGroup var process: ProcessOptions

    @Option(help: "Endpoint to bind (ROUTER), e.g. ipc:///tmp/disk0.ipc or tcp://127.0.0.1:5555.")
    var endpoint: String

    @Option(help: "Path of the raw image file.")
    var image: String

    @Option(help: "Image size in bytes (a multiple of 512). An existing image must have exactly this size.")
    var size: UInt64

    @Flag(help: "Create the image, zero-filled, when it does not exist.")
    var create = false

    @Flag(help: "Serve the image read-only: WRITE and DISCARD are refused with status readOnly.")
    var readOnly = false

    func run() throws {
        let model: DiskModelProcess
        do {
            let context = try ZMQContext()
            model = try DiskModelProcess(
                .init(name: process.name, endpoint: endpoint, imagePath: image, size: size, create: create,
                      readOnly: readOnly),
                context: context)
        } catch {
            fatalStartError(process.name, error)
        }
        let stop = model.stopSignal
        installStopOnSignals(stop)
        do {
            try startChildControl(process, endpoint: model.endpoint, counters: model.counters, stop: stop)
            try model.run()
        } catch {
            fatalStartError(process.name, error)
        }
    }
}

struct DiskExerciseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disk-exercise",
        abstract: "Scripted disk client: write patterns, read back and verify, flush, discard.",
        discussion: """
            Runs a seeded workload against a disk model and exits 0 only if every check held. A request that \
            gets no answer within --timeout-ms is resent with the same request id (a model restart) until \
            --deadline seconds have passed. Prints one summary line.
            """)

    @OptionGroup var process: ProcessOptions

    @Option(help: "The disk model's endpoint.")
    var target: String

    @Option(help: "Number of workload requests (besides the size probe and the final read-back).")
    var requests: Int

    @Option(help: "Seed of the workload: the same seed and disk size give the same requests and data.")
    var seed: UInt64

    @Option(help: "After the final flush, check this image file holds what the model acknowledged.")
    var verifyImage: String?

    @Option(help: "Write the final expected content (runs of sector, count, tag) as JSON to this file.")
    var manifest: String?

    @Flag(help: "The disk is read-only: expect WRITE and DISCARD to be refused with readOnly.")
    var expectReadOnly = false

    @Option(help: "Milliseconds to wait for one reply before resending the request.")
    var timeoutMs: Int = 500

    @Option(help: "Seconds one request may keep being retried before the run fails.")
    var deadline: Int = 60

    func validate() throws {
        guard requests >= 0 else { throw ValidationError("--requests must be zero or more") }
        guard timeoutMs > 0, deadline > 0 else { throw ValidationError("--timeout-ms and --deadline must be positive") }
    }

    func run() throws {
        var options = DiskExerciser.Options(target: target, requests: requests, seed: seed)
        options.verifyImage = verifyImage
        options.manifest = manifest
        options.expectReadOnly = expectReadOnly
        options.timeout = .milliseconds(timeoutMs)
        options.deadline = .seconds(deadline)
        let exerciser: DiskExerciser
        do {
            exerciser = try DiskExerciser(context: try ZMQContext(), options: options)
            try startChildControl(process, endpoint: target, counters: exerciser.counters.snapshot,
                                      stop: nil)
        } catch {
            fatalStartError(process.name, error)
        }
        do {
            let summary = try exerciser.run()
            print(summary)
            throw ExitCode(summary.passed ? 0 : 1)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            print("disk-exercise: FAIL: \(error)")
            throw ExitCode(1)
        }
    }
}

/// SIGTERM and SIGINT end the serving loop cleanly (the image is flushed, the log closed) instead of killing the
/// process mid-write. The launcher's shutdown path sends SIGTERM after its `shutdown` message.
func installStopOnSignals(_ stop: StopSignal) {
    for number in [SIGTERM, SIGINT] {
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler { stop.stop() }
        source.resume()
        signalSources.append(source)
    }
}

/// Keeps the signal sources alive for the life of the process.
nonisolated(unsafe) private var signalSources: [DispatchSourceSignal] = []

/// Starts the control-channel reporting (`ready`, then `metrics` every 500 ms) when `--control` was given.
/// A `shutdown` from the launcher sets `stop` (the serving loop ends, flushes and exits 0); without a stop
/// signal (the exerciser) the process exits at once.
@discardableResult
func startChildControl(_ process: ProcessOptions, endpoint: String,
                       counters: @escaping @Sendable () -> [String: Int64], stop: StopSignal?) throws -> ChildControl? {
    if let stop {
        return try ChildControl.start(name: process.name, control: process.control, endpoint: endpoint,
                                      counters: counters, onShutdown: { stop.stop() })
    }
    return try ChildControl.start(name: process.name, control: process.control, endpoint: endpoint,
                                  counters: counters)
}

struct TerminalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "terminal",
        abstract: "Log a domain's console output and serve interactive attaches.",
        discussion: """
            Receives TerminalOutput on --endpoint and appends it to --log; users attach with TerminalAttach, \
            see the output live and send TerminalInput back towards the guest. See docs/devices.md.
            """)

    @OptionGroup var process: ProcessOptions

    @Option(help: "Endpoint to bind (ROUTER), e.g. ipc:///tmp/term0.ipc.")
    var endpoint: String

    @Option(help: "Log file the console output is appended to (created if missing).")
    var log: String

    func run() throws {
        let model: TerminalModelProcess
        do {
            model = try TerminalModelProcess(.init(name: process.name, endpoint: endpoint, logPath: log),
                                             context: try ZMQContext())
        } catch {
            fatalStartError(process.name, error)
        }
        installStopOnSignals(model.stopSignal)
        do {
            try startChildControl(process, endpoint: model.endpoint, counters: model.counters,
                                  stop: model.stopSignal)
            try model.run()
        } catch {
            fatalStartError(process.name, error)
        }
    }
}
