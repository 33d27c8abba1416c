import Foundation
import Synchronization
import Wire
import XCTest

/// ChildControl against a real ROUTER on an ipc endpoint, in this process (no launcher pid in the environment,
/// so the parent-death guard is inactive).
final class ChildControlTests: XCTestCase {
    func testAChildReportsReadyThenMetricsAndObeysShutdown() throws {
        let endpoint = "ipc://\(NSTemporaryDirectory())/xenarm-childcontrol-\(getpid()).ipc"
        let router = try ControlSocket.router(binding: endpoint)
        let requests = Atomic<Int64>(0)
        let shutdowns = Atomic<Int>(0)
        let child = try XCTUnwrap(ChildControl.start(
            name: "disk7", control: endpoint, endpoint: "ipc:///x/disk7.ipc",
            counters: { ["requests": requests.load(ordering: .relaxed), "malformed": 0] },
            onShutdown: { shutdowns.add(1, ordering: .relaxed) }))
        defer { child.stop() }

        let first = try XCTUnwrap(router.receive(timeoutMilliseconds: 5_000))
        XCTAssertEqual(first.count, 2)
        XCTAssertEqual(String(decoding: first[0], as: UTF8.self), "disk7", "routing id is the process name")
        XCTAssertEqual(try ControlMessage(decoding: first[1]), .ready(name: "disk7", pid: getpid(), endpoint: "ipc:///x/disk7.ipc"))

        requests.store(42, ordering: .relaxed)
        var metrics: ControlMessage?
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, metrics == nil {
            if let frames = router.receive(timeoutMilliseconds: 1_000),
               case let .metrics(_, counters)? = try? ControlMessage(decoding: frames[1]), counters["requests"] == 42 {
                metrics = .metrics(name: "disk7", counters: counters)
            }
        }
        XCTAssertEqual(metrics, .metrics(name: "disk7", counters: ["requests": 42, "malformed": 0]))

        XCTAssertTrue(router.send([Data("disk7".utf8), ControlMessage.shutdown.encoded()]))
        let shutdownDeadline = Date().addingTimeInterval(5)
        while Date() < shutdownDeadline, shutdowns.load(ordering: .relaxed) == 0 { usleep(10_000) }
        XCTAssertEqual(shutdowns.load(ordering: .relaxed), 1)
    }

    func testNoControlEndpointMeansRunByHand() throws {
        XCTAssertNil(try ChildControl.start(name: "x", control: nil, endpoint: "e", counters: { [:] }))
    }

    func testARouterRefusesToSendToAnUnknownPeer() throws {
        let router = try ControlSocket.router(binding: "ipc://\(NSTemporaryDirectory())/xenarm-cc-unknown-\(getpid()).ipc")
        XCTAssertFalse(router.send([Data("nobody".utf8), ControlMessage.shutdown.encoded()]))
    }
}
