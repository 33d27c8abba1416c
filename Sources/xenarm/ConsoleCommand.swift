import ArgumentParser
import Dom0Backend
import Foundation
import Launcher
import Wire

/// `xenarm console NAME`: attach to a running guest's console through its terminal model (docs/console.md).
/// Output (the scrollback first) goes to stdout; stdin goes to the guest's input ring. Ctrl-] detaches.
struct ConsoleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Attach to a running guest's console (Ctrl-] detaches).",
        discussion: """
            Finds the domain's terminal model through the attach record its console backend writes \
            (RUN/console/NAME.json), attaches, prints the recent output and then live output, and sends what is \
            typed to the guest. When stdin is a terminal it is put in raw mode (restored on exit) so keys reach \
            the guest as typed; Ctrl-] detaches. When stdin is not a terminal, its bytes are sent as they come \
            and, at its end, output keeps streaming until --linger seconds have passed (default: until \
            interrupted).
            """)

    @Argument(help: "The domain's name (as in the topology) or id.")
    var domain: String

    @Flag(help: "Watch only: input is not sent.")
    var readOnly = false

    @Option(help: "Seconds to keep showing output after stdin ends (non-tty stdin only).")
    var linger: Double?

    @OptionGroup var location: RunDirectoryOption

    static let detachKey: UInt8 = 0x1D  // Ctrl-]

    func run() throws {
        let run = try location.resolve()
        let record: ConsoleAttachRecord
        do { record = try ConsoleAttachRecord.load(directory: "\(run.path)/console", key: domain) } catch {
            fail(SupervisorError.control("no console for domain \(domain) in \(run.path)/console (is a console backend running for it?)"))
        }
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
