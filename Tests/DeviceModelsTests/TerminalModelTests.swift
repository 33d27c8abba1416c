import Foundation
import XCTest
import DeviceModels
import Wire

/// The terminal model in-process behind a real ipc ROUTER, with real DEALER peers.
final class TerminalModelTests: XCTestCase {
    private var directory = ""
    private var endpoint = ""
    private var logPath = ""
    private let stop = StopSignal()
    private let finished = DispatchSemaphore(value: 0)
    private var started = false
    private var context: ZMQContext!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "xenarm-terminal-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        endpoint = "ipc://\(directory)/term.ipc"
        logPath = "\(directory)/logs/console.log"
        context = try ZMQContext()
    }

    override func tearDown() {
        stop.stop()
        if started { finished.wait() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func startModel() {
        let ready = DispatchSemaphore(value: 0)
        let configuration = TerminalModelProcess.Configuration(name: "term", endpoint: endpoint, logPath: logPath)
        let thread = Thread { [context, stop, finished] in
            do {
                let model = try TerminalModelProcess(configuration, context: context!, stopSignal: stop)
                ready.signal()
                try model.run(pollMilliseconds: 20)
            } catch {
                ready.signal()
            }
            finished.signal()
        }
        started = true
        thread.start()
        ready.wait()
    }

    private func peer() throws -> ZMQSocket {
        let socket = try context.socket(.dealer)
        try socket.set(.linger(milliseconds: 0))
        try socket.set(.receiveTimeout(milliseconds: 3000))
        try socket.connect(endpoint)
        return socket
    }

    private func send<M: WireMessage>(_ socket: ZMQSocket, _ message: M) throws {
        try socket.send(Frame.encode(message, sequence: 1))
    }

    private func receive<M: WireMessage>(_ socket: ZMQSocket, _: M.Type) throws -> M {
        try Frame.decode(M.self, from: try socket.receive()).1
    }

    func testOutputReachesTheLogAndAnAttachedUserAndInputReachesTheConsoleSide() throws {
        startModel()
        let console = try peer(), user = try peer()
        try send(console, TerminalOutput(domain: 1, bytes: Array("early\n".utf8)))
        try send(user, TerminalAttach(domain: 1))
        XCTAssertEqual(try receive(user, TerminalAttach.self), TerminalAttach(domain: 1))
        XCTAssertEqual(try receive(user, TerminalOutput.self).bytes, Array("early\n".utf8))
        try send(console, TerminalOutput(domain: 1, bytes: Array("$ ".utf8)))
        XCTAssertEqual(try receive(user, TerminalOutput.self).bytes, Array("$ ".utf8))
        try send(user, TerminalInput(domain: 1, bytes: Array("ls\n".utf8)))
        XCTAssertEqual(try receive(console, TerminalInput.self), TerminalInput(domain: 1, bytes: Array("ls\n".utf8)))
        stop.stop()
        finished.wait()
        started = false
        XCTAssertEqual(try String(contentsOfFile: logPath, encoding: .utf8), "early\n$ ")
    }

    func testAReadOnlyUserCannotType() throws {
        startModel()
        let user = try peer()
        try send(user, TerminalAttach(domain: 4, readOnly: true))
        XCTAssertEqual(try receive(user, TerminalAttach.self).readOnly, true)
        try send(user, TerminalInput(domain: 4, bytes: [0x41]))
        XCTAssertThrowsError(try receive(user, TerminalOutput.self)) { error in
            guard case .remote(let code, _) = error as? WireError else { return XCTFail("\(error)") }
            XCTAssertEqual(code, .unauthorized)
        }
    }

    func testAttachesBeyondTheBoundAreRefusedAsBusy() throws {
        startModel()
        var users: [ZMQSocket] = []
        for _ in 0..<TerminalModel.maxAttachments {
            let user = try peer()
            try send(user, TerminalAttach(domain: 1))
            _ = try receive(user, TerminalAttach.self)
            users.append(user)
        }
        let late = try peer()
        try send(late, TerminalAttach(domain: 1))
        XCTAssertThrowsError(try receive(late, TerminalAttach.self)) { error in
            guard case .remote(let code, _) = error as? WireError else { return XCTFail("\(error)") }
            XCTAssertEqual(code, .busy)
        }
    }

    func testTheLogIsAppendedNotTruncatedAcrossRestarts() throws {
        try FileManager.default.createDirectory(atPath: "\(directory)/logs", withIntermediateDirectories: true)
        try "before\n".write(toFile: logPath, atomically: true, encoding: .utf8)
        let log = try TerminalLog(path: logPath)
        try log.append(Array("after\n".utf8))
        log.sync()
        XCTAssertEqual(try String(contentsOfFile: logPath, encoding: .utf8), "before\nafter\n")
        XCTAssertEqual(log.bytesWritten, 6)
    }

    func testAnUnwritableLogIsOneClearError() {
        XCTAssertThrowsError(try TerminalLog(path: "/proc/xenarm-no/console.log")) { error in
            XCTAssertTrue("\(error)".contains("/proc/xenarm-no/console.log"), "\(error)")
        }
    }
}
