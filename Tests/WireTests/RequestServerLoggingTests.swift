import Foundation
import Logging
import Wire
import XCTest

/// Collects log lines (a LogHandler that other threads may write to).
final class CapturedLog: @unchecked Sendable {
    // @unchecked: every access to `lines` holds `lock`.
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(log: self) }
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            log.append("\(event.level) \(event.metadata?["peer"] ?? "-") \(event.message)")
        }
    }
}

final class RequestServerLoggingTests: XCTestCase {
    func testRejectsAreLoggedAtMostOncePerPeerPerSecond() throws {
        let context = try ZMQContext()
        let log = CapturedLog()
        let server = try RequestServer(context: context, bind: "tcp://127.0.0.1:*",
                                       handler: MemoryDisk(sectorCount: 1), logger: log.logger)
        var peers: [ZMQSocket] = []
        for name in ["peer-a", "peer-b"] {
            let peer = try context.socket(.dealer)
            try peer.set(.routingID(Array(name.utf8)))
            try peer.connect(server.endpoint)
            peers.append(peer)
        }
        for _ in 0 ..< 50 {
            for peer in peers { try peer.send(Array("garbage that is not a frame at all".utf8)) }
        }
        var served = 0
        let deadline = ContinuousClock.now + .seconds(5)
        while served < 100, ContinuousClock.now < deadline {
            served += try server.serve(timeoutMilliseconds: 100)
        }
        XCTAssertEqual(served, 100)
        XCTAssertEqual(server.counters.snapshot().malformed, 100)
        let lines = log.all
        XCTAssertEqual(lines.count, 2, "\(lines)")
        XCTAssertEqual(Set(lines.map { String($0.split(separator: " ")[1]) }),
                       [PeerID(Array("peer-a".utf8)).description, PeerID(Array("peer-b".utf8)).description])
        XCTAssertTrue(lines[0].hasPrefix("warning"))
    }
}
