import Foundation
import XCTest
import DeviceModels
import Wire

/// The terminal model's answer to `TerminalLoggedOutput` (the console backend's acknowledged output): logged like
/// `TerminalOutput`, answered with the log file's length, which survives a model restart.
final class TerminalLoggedOutputTests: XCTestCase {
    func testLoggedOutputIsAnsweredWithTheLogLengthAcrossAModelRestart() throws {
        let directory = NSTemporaryDirectory() + "xenarm-logged-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let context = try ZMQContext()
        let endpoint = "ipc://\(directory)/term.ipc", logPath = "\(directory)/console.log"

        func withModel(_ body: (ZMQSocket) throws -> Void) throws {
            let stop = StopSignal(), finished = DispatchSemaphore(value: 0), ready = DispatchSemaphore(value: 0)
            let configuration = TerminalModelProcess.Configuration(name: "term", endpoint: endpoint, logPath: logPath)
            Thread {
                if let model = try? TerminalModelProcess(configuration, context: context, stopSignal: stop) {
                    ready.signal()
                    try? model.run(pollMilliseconds: 20)
                } else {
                    ready.signal()
                }
                finished.signal()
            }.start()
            ready.wait()
            let backend = try context.socket(.dealer)
            try backend.set(.linger(milliseconds: 0))
            try backend.set(.receiveTimeout(milliseconds: 3000))
            try backend.connect(endpoint)
            defer { backend.close(); stop.stop(); finished.wait() }
            try body(backend)
        }

        func logged(_ socket: ZMQSocket, _ text: String, sequence: UInt64) throws -> UInt64 {
            try socket.send(Frame.encode(TerminalLoggedOutput(domain: 3, bytes: Array(text.utf8)), sequence: sequence))
            let (header, position) = try Frame.decode(TerminalLogPosition.self, from: try socket.receive())
            XCTAssertEqual(header.sequence, sequence)
            XCTAssertEqual(position.domain, 3)
            return position.length
        }

        try withModel { backend in
            XCTAssertEqual(try logged(backend, "", sequence: 1), 0)  // the question alone
            XCTAssertEqual(try logged(backend, "hello\n", sequence: 2), 6)
            XCTAssertEqual(try logged(backend, "world\n", sequence: 3), 12)
        }
        try withModel { backend in  // a restarted model knows the length from the file
            XCTAssertEqual(try logged(backend, "", sequence: 1), 12)
            XCTAssertEqual(try logged(backend, "again\n", sequence: 2), 18)
        }
        XCTAssertEqual(try String(contentsOfFile: logPath, encoding: .utf8), "hello\nworld\nagain\n")
    }
}
