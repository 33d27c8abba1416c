import Dom0Backend
import Foundation
import Wire
import XCTest

/// The Dom0 xenstore client against a real xenstored over ZeroMQ (docs/restart.md, "What the soak found").
final class XenstoreClientWatchTests: XCTestCase {
    func testWatchingWhatThisConnectionAlreadyWatchesIsNoError() throws {
        // A WATCH resent after its answer came too late meets its own first registration: xenstored says EEXIST,
        // which means "registered". blkback once retried such a WATCH forever and its guest's disk timed out.
        let directory = NSTemporaryDirectory() + "xs-client-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let endpoint = "ipc://\(directory)/xenstored.ipc"
        let context = try ZMQContext()
        let stop = StopSignal()
        let daemon = try XenstoredProcess(.init(name: "xenstored", endpoint: endpoint, socketPath: nil,
                                                stateDirectory: "\(directory)/state"), context: context, stopSignal: stop)
        let box = DaemonBox(daemon)
        let thread = Thread { try? box.daemon.run(pollMilliseconds: 10) }
        thread.start()
        defer {
            stop.stop()
            while !thread.isFinished { usleep(1000) }
        }
        let client = try XenstoreClient(context: context, endpoint: endpoint)
        try client.write("/local/domain/1/device/vbd/51712/state", "4")
        try client.watch("/local/domain/1/device/vbd/51712/state", token: "fe-state")
        XCTAssertNoThrow(try client.watch("/local/domain/1/device/vbd/51712/state", token: "fe-state"))
        // The watch works: its initial event, then one for a change.
        XCTAssertEqual(try client.nextEvent(timeout: .seconds(5))?.token, "fe-state")
        try client.write("/local/domain/1/device/vbd/51712/state", "2")
        var tokens: [String] = []
        while let event = try client.nextEvent(timeout: .milliseconds(500)) { tokens.append(event.token) }
        XCTAssertTrue(tokens.contains("fe-state"), "\(tokens)")
    }
}

/// The daemon handed to its serving thread; the test thread only stops it through the StopSignal.
private final class DaemonBox: @unchecked Sendable {
    let daemon: XenstoredProcess
    init(_ daemon: XenstoredProcess) { self.daemon = daemon }
}
