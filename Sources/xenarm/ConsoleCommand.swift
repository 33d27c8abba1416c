import ArgumentParser
import Dom0Backend
import Foundation
import Launcher
import Wire

/// `xenarm console NAME`: a running guest's console (docs/console.md). A guest with a console backend and a
/// terminal model is attached through the terminal: output (the scrollback first) goes to stdout, stdin goes to the
/// guest's input ring, Ctrl-] detaches. Any other guest's console is its log, `RUN/console/NAME.log`, which is
/// followed read-only (its output went through `console_io`, which has no input path).
struct ConsoleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Attach to a running guest's console (Ctrl-] detaches).",
        discussion: """
            A guest with a console backend: finds its terminal model through the attach record the backend writes \
            (RUN/console/NAME.json), attaches, prints the recent output and then live output, and sends what is \
            typed to the guest. When stdin is a terminal it is put in raw mode (restored on exit) so keys reach \
            the guest as typed; Ctrl-] detaches. When stdin is not a terminal, its bytes are sent as they come \
            and, at its end, output keeps streaming until --linger seconds have passed (default: until \
            interrupted). \
            Any other guest (no console backend, or one not bound yet): follows its log RUN/console/NAME.log \
            read-only, saying so on stderr; Ctrl-] or Ctrl-C detaches. --no-follow prints the log and exits. \
            An unknown NAME is one error line listing the launch's guests.
            """)

    @Argument(help: "The domain's name (as in the topology) or id.")
    var domain: String

    @Flag(help: "Watch only: input is not sent.")
    var readOnly = false

    @Option(help: "Seconds to keep showing output after stdin ends (non-tty stdin only).")
    var linger: Double?

    @Flag(help: "Print the guest's console log (RUN/console/NAME.log) and exit.")
    var noFollow = false

    @Option(help: "Start with the last N lines of the guest's log (log-following and --no-follow).")
    var tail: Int?

    @OptionGroup var location: RunDirectoryOption

    static let detachKey: UInt8 = 0x1D  // Ctrl-]
    static let interruptKey: UInt8 = 0x03  // Ctrl-C, read as a byte while the tty's signals are off

    func validate() throws {
        if let tail, tail < 0 { throw ValidationError("--tail must be 0 or more") }
    }

    func run() throws {
        let run = try location.resolve()
        let consoles = try? GuestConsoles.load(runDirectory: run.path)
        let entry = consoles.flatMap { GuestConsoles.find(domain, in: $0) }
        if noFollow {
            guard let entry else { unknown(run, consoles) }
            let log = ConsoleLogFollower(path: entry.log)
            log.printStart(tailLines: tail, defaultBytes: nil)
            return
        }
        if let record = try? ConsoleAttachRecord.load(directory: "\(run.path)/console", key: domain) {
            try attach(record)
            return
        }
        guard let entry else { unknown(run, consoles) }
        let why = entry.terminal == nil
            ? "\(entry.name) has no console backend: its console is console_io output, which has no input path"
            : "\(entry.name)'s console backend has not bound its console yet: no input path until it does"
        FileHandle.standardError.write(Data("[following \(entry.log) read-only: \(why); Ctrl-] or Ctrl-C detaches]\n".utf8))
        ConsoleLogFollower(path: entry.log).follow(tailLines: tail, linger: linger,
                                                   detachKeys: [Self.detachKey, Self.interruptKey])
    }

    /// One error line: the domain is not a guest of this launch, and which ones are.
    private func unknown(_ run: RunDirectory, _ consoles: [GuestConsole]?) -> Never {
        var text = "no console for domain \(domain) in \(run.path)/console"
        if let consoles {
            text += " (its guests: \(consoles.map { "\($0.name) (id \($0.id))" }.joined(separator: ", ")))"
        } else {
            text += " (no \(GuestConsoles.indexFile(run.path)): is a launch running there?)"
        }
        fail(SupervisorError.control(text))
    }

    /// Attaches to the terminal model named by the backend's attach record: output and input.
    private func attach(_ record: ConsoleAttachRecord) throws {
        let context = try ZMQContext()
        let socket = try context.socket(.dealer)
        try socket.set(.linger(milliseconds: 200))
        try socket.set(.maxMessageSize(Int64(FrameHeader.transportLimit)))
        try socket.connect(record.terminal)
        var sequence: UInt64 = 1
        try socket.send(Frame.encode(TerminalAttach(domain: UInt32(record.domain), readOnly: readOnly), sequence: sequence))
        try socket.set(.receiveTimeout(milliseconds: 3000))
        do {
            _ = try Frame.decode(TerminalAttach.self, from: try socket.receive())
        } catch {
            fail(SupervisorError.control("terminal \(record.terminal) did not accept the attach: \(error)"))
        }

        let tty = isatty(0) == 1
        var saved = termios()
        if tty {
            tcgetattr(0, &saved)
            var raw = saved
            cfmakeraw(&raw)
            tcsetattr(0, TCSANOW, &raw)
            FileHandle.standardError.write(Data("[attached to \(domain): Ctrl-] detaches]\r\n".utf8))
        }
        defer { if tty { tcsetattr(0, TCSANOW, &saved) } }

        var poller = Poller()
        _ = poller.add(socket)
        let stdinIndex = poller.add(fileDescriptor: 0)
        var stdinOpen = true
        var lingerUntil: Date?
        var buffer = [UInt8](repeating: 0, count: 1024)
        loop: while true {
            if let until = lingerUntil, Date() >= until { break }
            // When stdin ended, poll only the socket (a closed fd would always be readable).
            var active = poller
            if !stdinOpen { active = Poller(); _ = active.add(socket) }
            let ready = try active.poll(timeoutMilliseconds: 100)
            if ready[0].contains(.readable) {
                while let frame = try socket.tryReceive() {
                    guard let (header, _) = try? Frame.open(frame), header.kind == .terminalOutput,
                          let out = try? Frame.decode(TerminalOutput.self, from: frame).1 else { continue }
                    out.bytes.withUnsafeBytes { p in
                        var done = 0
                        while done < p.count {
                            let n = write(1, p.baseAddress! + done, p.count - done)
                            if n <= 0 { break }
                            done += n
                        }
                    }
                }
            }
            if stdinOpen, ready.count > stdinIndex, !ready[stdinIndex].isEmpty {
                let n = read(0, &buffer, buffer.count)
                if n <= 0 {
                    stdinOpen = false
                    if let linger { lingerUntil = Date().addingTimeInterval(linger) }
                    continue
                }
                var chunk = Array(buffer[0 ..< n])
                var detach = false
                if tty, let k = chunk.firstIndex(of: Self.detachKey) {
                    chunk = Array(chunk[..<k])
                    detach = true
                }
                if !chunk.isEmpty && !readOnly {
                    sequence += 1
                    try socket.send(Frame.encode(TerminalInput(domain: UInt32(record.domain), bytes: chunk),
                                                 sequence: sequence))
                }
                if detach { break loop }
            }
        }
        sequence += 1
        try? socket.send(Frame.encode(TerminalDetach(domain: UInt32(record.domain)), sequence: sequence), dontWait: true)
        if tty { FileHandle.standardError.write(Data("\r\n[detached]\r\n".utf8)) }
    }
}
