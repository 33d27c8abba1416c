import Dom0Backend
import Foundation
import Wire
import XCTest
import XenABI

/// The Dom0 xenstore client (Dom0Backend/Xenbus/XenstoreClient.swift) against a real xenstored (the library
/// type, in a thread of this process, on an ipc endpoint): every request kind, watch events, transactions, and a
/// daemon stopped and started again under it (watches registered again, requests resent).
final class XenstoreClientTests: XCTestCase {
    /// One daemon run on its own thread (it makes its sockets there).
    final class Daemon: @unchecked Sendable {
        // @unchecked: `stop` is set before `started` is signalled and only read after.
        private var stop: StopSignal?
        private let started = DispatchSemaphore(value: 0)
        private let ended = DispatchSemaphore(value: 0)

        init(endpoint: String, state: String) {
            Thread { [self] in
                defer { ended.signal() }
                do {
                    let process = try XenstoredProcess(
                        .init(name: "xenstored", endpoint: endpoint, socketPath: nil, stateDirectory: state),
                        context: try ZMQContext())
                    stop = process.stopSignal
                    started.signal()
                    try process.run(pollMilliseconds: 20)
                } catch {
                    started.signal()
                }
            }.start()
            started.wait()
        }

        func halt() {
            stop?.stop()
            ended.wait()
        }
    }

    var directory: String!

    override func setUp() {
        directory = NSTemporaryDirectory() + "xsclient-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    var endpoint: String { "ipc://\(directory!)/xs.ipc" }

    func testEveryRequestKindAndTheInitialWatchEvent() throws {
        let daemon = Daemon(endpoint: endpoint, state: directory + "/state")
        defer { daemon.halt() }
        let c = try XenstoreClient(context: try ZMQContext(), endpoint: endpoint)
        XCTAssertNil(try c.read("/local/domain/1/nothing"))
        try c.write("/local/domain/1/device/vbd/51712/state", "1")
        XCTAssertEqual(try c.read("/local/domain/1/device/vbd/51712/state"), "1")
        try c.mkdir("/local/domain/1/device/vbd/51712/extra")
        XCTAssertEqual(Set(try c.directory("/local/domain/1/device/vbd/51712")), ["state", "extra"])
        XCTAssertEqual(try c.directory("/absent"), [])
        try c.watch("/local/domain/1/device/vbd/51712/state", token: "fe")
        // XS_WATCH fires once at registration, then on each change.
        XCTAssertEqual(try c.nextEvent(timeout: .seconds(2))?.token, "fe")
        try c.write("/local/domain/1/device/vbd/51712/state", "3")
        XCTAssertEqual(try c.nextEvent(timeout: .seconds(2))?.path, "/local/domain/1/device/vbd/51712/state")
        try c.remove("/local/domain/1/device/vbd/51712/extra")
        XCTAssertFalse(try c.directory("/local/domain/1/device/vbd/51712").contains("extra"))
        // A transaction: invisible outside until committed.
        let tx = try c.transactionStart()
        try c.write("/local/domain/0/backend/vbd/1/51712/sectors", "2048", transaction: tx)
        XCTAssertNil(try c.read("/local/domain/0/backend/vbd/1/51712/sectors"))
        try c.transactionEnd(tx, commit: true)
        XCTAssertEqual(try c.read("/local/domain/0/backend/vbd/1/51712/sectors"), "2048")
        try c.unwatch("/local/domain/1/device/vbd/51712/state", token: "fe")
        while try c.nextEvent(timeout: .milliseconds(100)) != nil {}
        try c.write("/local/domain/1/device/vbd/51712/state", "4")
        XCTAssertNil(try c.nextEvent(timeout: .milliseconds(300)))
        // An error answer is a typed error.
        XCTAssertThrowsError(try c.write("bad//path", "x")) { XCTAssertEqual($0 as? XenstoreClientError, .xenstore(.EINVAL)) }
    }

    func testARestartedDaemonGetsTheWatchesAgainAndARequestIsResent() throws {
        let first = Daemon(endpoint: endpoint, state: directory + "/state")
        let c = try XenstoreClient(context: try ZMQContext(), endpoint: endpoint, attemptTimeout: .milliseconds(200),
                                   giveUpAfter: .seconds(10))
        try c.write("/local/domain/1/data/x", "1")
        try c.watch("/local/domain/1/data/x", token: "t")
        XCTAssertEqual(try c.nextEvent(timeout: .seconds(2))?.token, "t")
        first.halt()
        // The daemon is gone: a request waits, reconnecting, until a new one answers.
        let second = Later()
        let (endpoint, state) = (self.endpoint, directory + "/state")
        let restart = DispatchWorkItem { second.daemon = Daemon(endpoint: endpoint, state: state) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.7, execute: restart)
        XCTAssertEqual(try c.read("/local/domain/1/data/x"), "1")  // persisted by the first daemon
        XCTAssertGreaterThanOrEqual(c.reconnects, 1)
        XCTAssertGreaterThanOrEqual(c.rewatches, 1)
        // The watch is live on the new daemon: its initial event, then a change.
        var tokens: [String] = []
        while let e = try c.nextEvent(timeout: .milliseconds(300)) { tokens.append(e.token) }
        XCTAssertTrue(tokens.contains("t"))
        try c.write("/local/domain/1/data/x", "2")
        XCTAssertEqual(try c.nextEvent(timeout: .seconds(2))?.token, "t")
        restart.wait()
        second.daemon?.halt()
    }

    final class Later: @unchecked Sendable {
        // @unchecked: written by the restart work item, read after `restart.wait()`.
        var daemon: Daemon?
    }

    func testAMissingDaemonEndsInATimeoutNotAHang() throws {
        let c = try XenstoreClient(context: try ZMQContext(), endpoint: endpoint, attemptTimeout: .milliseconds(100),
                                   giveUpAfter: .milliseconds(400))
        let start = ContinuousClock.now
        XCTAssertThrowsError(try c.read("/x")) {
            guard case .timedOut = $0 as? XenstoreClientError else { return XCTFail("\($0)") }
        }
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(3))
    }
}
