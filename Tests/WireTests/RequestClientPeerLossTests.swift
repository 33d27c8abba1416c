import Foundation
import Wire
import XCTest

/// RequestClient's prompt resend (`resendOnPeerLoss`): a server that dies with the request in flight closes the
/// connection, and the client sends the same frame to the restarted server at once instead of after `timeout`.
final class RequestClientPeerLossTests: XCTestCase {
    private var context: ZMQContext!
    override func setUpWithError() throws { context = try ZMQContext() }
    override func tearDown() { context = nil }

    /// A server that takes one request, dies without answering (its socket closes, as a SIGKILL closes it), and is
    /// replaced by a real disk server on the same endpoint `gap` later. Returns when the first request arrived.
    private final class DyingServer: @unchecked Sendable {
        let taken = DispatchSemaphore(value: 0)
        let replaced = DispatchSemaphore(value: 0)
        var replacement: ServerThread?
        var replacedAt = ContinuousClock.now
        var firstRequest: [UInt8] = []

        init(context: ZMQContext, endpoint: String, gap: Duration) {
            let bound = DispatchSemaphore(value: 0)
            Thread.detachNewThread { [self] in
                // Made in the thread that uses it (sockets are one-thread objects).
                guard let router = try? context.socket(.router), (try? router.set(.linger(milliseconds: 0))) != nil,
                      (try? router.bind(endpoint)) != nil else {
                    bound.signal()
                    return
                }
                bound.signal()
                firstRequest = (try? router.receiveMultipart())?.last ?? []
                taken.signal()
                router.close()
                Thread.sleep(forTimeInterval: Double(gap.components.attoseconds) / 1e18 + Double(gap.components.seconds))
                replacement = ServerThread(context: context, bind: endpoint) { MemoryDisk(sectorCount: 8) }
                replacedAt = ContinuousClock.now
                replaced.signal()
            }
            bound.wait()
        }
    }

    func testARequestWhoseServerDiesInFlightIsResentAsSoonAsTheNewServerIsUp() throws {
        let endpoint = temporaryIPCEndpoint("peerloss")
        let server = DyingServer(context: context, endpoint: endpoint, gap: .milliseconds(150))
        let client = try RequestClient(context: context, connect: endpoint, timeout: .seconds(3), attempts: 2,
                                       resendOnPeerLoss: true)
        let started = ContinuousClock.now
        let response = try client.call(DiskRequest(op: .read, requestID: 42, firstSector: 1, sectorCount: 1),
                                       expecting: DiskResponse.self)
        let answered = ContinuousClock.now
        XCTAssertEqual(server.replaced.wait(timeout: .now() + 5), .success)
        defer { server.replacement?.stop() }
        XCTAssertEqual(response.requestID, 42)
        XCTAssertEqual(response.status, .ok)
        XCTAssertEqual(client.peerLosses, 1)
        XCTAssertFalse(server.firstRequest.isEmpty, "the first server took the request")
        // Without the prompt resend the first attempt runs its whole 3 s timeout.
        XCTAssertLessThan(answered - started, .milliseconds(1500), "answered \(answered - started) after the call")
        XCTAssertLessThan(answered - server.replacedAt, .milliseconds(500),
                          "answered \(answered - server.replacedAt) after the new server was up")
    }

    func testWithoutPromptResendTheSameDeathCostsTheWholeTimeout() throws {
        let endpoint = temporaryIPCEndpoint("peerloss-off")
        let server = DyingServer(context: context, endpoint: endpoint, gap: .milliseconds(50))
        let client = try RequestClient(context: context, connect: endpoint, timeout: .milliseconds(800), attempts: 2)
        let started = ContinuousClock.now
        let response = try client.call(DiskRequest(op: .read, requestID: 7, firstSector: 0, sectorCount: 1),
                                       expecting: DiskResponse.self)
        XCTAssertEqual(server.replaced.wait(timeout: .now() + 5), .success)
        defer { server.replacement?.stop() }
        XCTAssertEqual(response.requestID, 7)
        XCTAssertEqual(client.peerLosses, 0)
        // The whole 800 ms attempt (libzmq rounds its receive timeout to the poll tick: 799.8 ms was seen), not a prompt resend.
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(700))
    }

    func testAnIdleServerRestartDoesNotCutTheNextRequestShort() throws {
        let endpoint = temporaryIPCEndpoint("peerloss-idle")
        var server: ServerThread? = ServerThread(context: context, bind: endpoint) { MemoryDisk(sectorCount: 8) }
        let client = try RequestClient(context: context, connect: endpoint, timeout: .seconds(2), attempts: 1,
                                       resendOnPeerLoss: true)
        _ = try client.call(DiskRequest(op: .read, requestID: 1, firstSector: 0, sectorCount: 1), expecting: DiskResponse.self)
        server?.stop()
        server = nil
        Thread.sleep(forTimeInterval: 0.2)  // the disconnection is reported while no request waits
        let again = ServerThread(context: context, bind: endpoint) { MemoryDisk(sectorCount: 8) }
        defer { again.stop() }
        Thread.sleep(forTimeInterval: 0.2)  // libzmq reconnects the same socket meanwhile
        let response = try client.call(DiskRequest(op: .read, requestID: 2, firstSector: 0, sectorCount: 1),
                                       expecting: DiskResponse.self)
        XCTAssertEqual(response.requestID, 2)
        XCTAssertEqual(client.peerLosses, 0, "the old disconnection was cleared before sending")
        XCTAssertEqual(client.reconnects, 0)
    }
}
