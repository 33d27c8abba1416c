import Foundation
import Wire
import XCTest

final class RequestServerTests: XCTestCase {
    private var context: ZMQContext!
    override func setUpWithError() throws { context = try ZMQContext() }
    override func tearDown() { context = nil }

    private func startDisk(_ endpoint: String = "tcp://127.0.0.1:*", sectors: Int = 64) -> ServerThread {
        let server = ServerThread(context: context, bind: endpoint) { MemoryDisk(sectorCount: sectors) }
        XCTAssertNil(server.startError)
        return server
    }

    /// A raw DEALER, the way a hostile or broken peer talks: any bytes, no framing help.
    private func rawPeer(_ endpoint: String) throws -> ZMQSocket {
        let peer = try context.socket(.dealer)
        // Generous: on a loaded 2-core machine a 2000-frame flood can take seconds; a lost reply still fails.
        try peer.set(.receiveTimeout(milliseconds: 10_000))
        try peer.connect(endpoint)
        return peer
    }

    private func errorReply(to bytes: [UInt8], via peer: ZMQSocket) throws -> (FrameHeader, ErrorReply) {
        try peer.send(bytes)
        let frame = try peer.receive()
        let (header, reply) = try Frame.decode(ErrorReply.self, from: frame)
        XCTAssertEqual(header.flags, [.reply, .error])
        return (header, reply)
    }

    func testClientWritesThenReadsBackThroughTheServer() throws {
        let server = startDisk()
        defer { server.stop() }
        let client = try RequestClient(context: context, connect: server.endpoint)
        let data = (0 ..< 1024).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let written = try client.call(DiskRequest(op: .write, requestID: 1, firstSector: 3, sectorCount: 2, data: data),
                                      expecting: DiskResponse.self)
        XCTAssertEqual(written, DiskResponse(requestID: 1, status: .ok))
        let read = try client.call(DiskRequest(op: .read, requestID: 2, firstSector: 3, sectorCount: 2),
                                   expecting: DiskResponse.self)
        XCTAssertEqual(read, DiskResponse(requestID: 2, status: .ok, data: data))
        let outside = try client.call(DiskRequest(op: .read, requestID: 3, firstSector: 63, sectorCount: 2),
                                      expecting: DiskResponse.self)
        XCTAssertEqual(outside.status, .outOfRange)
        XCTAssertGreaterThanOrEqual(server.counters?.snapshot().replied ?? 0, 2)
    }

    func testServerAnswersGarbageWithErrorReplyAndCountsItWhileServingAGoodClient() throws {
        let server = startDisk(temporaryIPCEndpoint("garbage"))
        defer { server.stop() }
        let good = try RequestClient(context: context, connect: server.endpoint)
        let bad = try rawPeer(server.endpoint)
        let valid = Frame.encode(DiskRequest(op: .read, requestID: 9, firstSector: 0, sectorCount: 1), sequence: 77)

        // Each kind of bad frame, interleaved with good requests that must keep being served.
        var wrongVersion = valid; wrongVersion[8] = 9
        var unknownKind = valid; unknownKind[6] = 0x34; unknownKind[7] = 0x12
        var badProtocol = valid; badProtocol[4] = 3
        let oversized = valid + [UInt8](repeating: 0, count: FrameHeader.maxFrameSize)
        var badPayload = valid; badPayload[FrameHeader.size + 21] = 1 // reserved byte in the DiskRequest
        let cases: [([UInt8], ErrorReply.Code, UInt64)] = [
            (Array("hello, I am not a frame, just some text".utf8), .malformed, 0),
            (Array(valid.prefix(20)), .truncated, 0),
            (Array(valid.dropLast()), .truncated, 77),
            (oversized, .oversized, 77),
            (unknownKind, .unknownKind, 77),
            (wrongVersion, .wrongVersion, 77),
            (badProtocol, .wrongVersion, 77),
            (badPayload, .malformed, 77),
        ]
        for (i, (bytes, code, sequence)) in cases.enumerated() {
            let (header, reply) = try errorReply(to: bytes, via: bad)
            XCTAssertEqual(reply.code, code, "case \(i): \(reply.text)")
            XCTAssertEqual(reply.answering, sequence, "case \(i)")
            XCTAssertEqual(header.sequence, sequence, "case \(i)")
            let served = try good.call(DiskRequest(op: .read, requestID: UInt64(i), firstSector: 0, sectorCount: 1),
                                       expecting: DiskResponse.self)
            XCTAssertEqual(served.status, .ok)
        }
        // A mutation flood from the bad peer, then the good client is still served.
        var mutator = Mutator(rng: SplitMix64(seed: 0xBAD))
        for _ in 0 ..< 2000 {
            try bad.send(mutator.mutate(valid))
        }
        var answered = 0
        while answered < 2000, (try? bad.receive()) != nil { answered += 1 }
        XCTAssertEqual(answered, 2000, "every frame, good or bad, gets one reply")
        XCTAssertEqual(try good.call(DiskRequest(op: .flush, requestID: 99, firstSector: 0, sectorCount: 0),
                                     expecting: DiskResponse.self).status, .ok)

        // The server counts a reply after handing it to libzmq, so the last count may trail the client a moment.
        let counters = try XCTUnwrap(server.counters)
        let expected = UInt64(cases.count * 2 + 2000 + 1)
        let deadline = ContinuousClock.now + .seconds(10)
        while counters.snapshot().replied < expected, ContinuousClock.now < deadline {
            usleep(1000)
        }
        let counts = counters.snapshot()
        XCTAssertEqual(counts.received, expected)
        XCTAssertEqual(counts.replied, counts.received)
        XCTAssertGreaterThanOrEqual(counts.malformed, 2)
        XCTAssertGreaterThanOrEqual(counts.truncated, 2)
        XCTAssertGreaterThanOrEqual(counts.oversized, 1)
        XCTAssertGreaterThanOrEqual(counts.unknownKind, 1)
        XCTAssertGreaterThanOrEqual(counts.wrongVersion, 2)
        XCTAssertGreaterThan(counts.rejected, UInt64(cases.count))
    }

    func testAMessageWithTooManyPartsIsMalformed() throws {
        let server = startDisk()
        defer { server.stop() }
        let bad = try rawPeer(server.endpoint)
        try bad.send(multipart: [[1], [2], [3]])
        let (_, reply) = try Frame.decode(ErrorReply.self, from: try bad.receive())
        XCTAssertEqual(reply.code, .malformed)
    }

    func testAReplySentToTheServerIsMalformed() throws {
        let server = startDisk()
        defer { server.stop() }
        let bad = try rawPeer(server.endpoint)
        let frame = Frame.encode(DiskRequest(op: .flush, requestID: 1, firstSector: 0, sectorCount: 0), sequence: 5,
                                 flags: .reply)
        let (_, reply) = try errorReply(to: frame, via: bad)
        XCTAssertEqual(reply.code, .malformed)
    }

    func testARequestSocketGetsItsEnvelopeBack() throws {
        let server = startDisk()
        defer { server.stop() }
        let req = try context.socket(.request)
        try req.set(.receiveTimeout(milliseconds: 2000))
        try req.connect(server.endpoint)
        try req.send(Frame.encode(DiskRequest(op: .read, requestID: 4, firstSector: 0, sectorCount: 1), sequence: 4))
        let (header, response) = try Frame.decode(DiskResponse.self, from: try req.receive())
        XCTAssertEqual(header.sequence, 4)
        XCTAssertEqual(response.requestID, 4)
        XCTAssertEqual(response.data.count, diskSectorSize)
    }

    func testRemoteErrorsAreThrownToTheCaller() throws {
        let server = startDisk()
        defer { server.stop() }
        let client = try RequestClient(context: context, connect: server.endpoint)
        XCTAssertThrowsError(try client.call(DiskResponse(requestID: 1, status: .ok), expecting: DiskResponse.self)) {
            guard case .remote(let code, _)? = $0 as? WireError else { return XCTFail("\($0)") }
            XCTAssertEqual(code, .unknownKind)
        }
    }

    func testHandlerFailureBecomesAnInternalError() throws {
        struct Failing: RequestHandler {
            struct Boom: Error {}
            var acceptedKinds: [MessageKind: UInt16] { [DiskRequest.kind: DiskRequest.version] }
            mutating func handle(_ request: IncomingRequest, reply: inout Reply) throws { throw Boom() }
        }
        let server = ServerThread(context: context, bind: "tcp://127.0.0.1:*") { Failing() }
        defer { server.stop() }
        let client = try RequestClient(context: context, connect: server.endpoint)
        XCTAssertThrowsError(try client.call(DiskRequest(op: .flush, requestID: 1, firstSector: 0, sectorCount: 0),
                                             expecting: DiskResponse.self)) {
            XCTAssertEqual($0 as? WireError, .remote(code: .internal, text: "handler failed"))
        }
        XCTAssertEqual(server.counters?.snapshot().otherRejects, 1)
    }

    func testShuttingDownTheContextEndsTheServingLoop() throws {
        let server = startDisk()
        let start = ContinuousClock.now
        context.shutdown()
        XCTAssertTrue(server.waitUntilFinished(timeout: .now() + 2))
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(2))
    }

    func testClientTimesOutWhenNoServerAnswers() throws {
        let client = try RequestClient(context: context, connect: temporaryIPCEndpoint("nobody"),
                                       timeout: .milliseconds(50), attempts: 2)
        let start = ContinuousClock.now
        XCTAssertThrowsError(try client.call(DiskRequest(op: .flush, requestID: 1, firstSector: 0, sectorCount: 0),
                                             expecting: DiskResponse.self)) {
            guard case .timedOut? = $0 as? WireError else { return XCTFail("\($0)") }
        }
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(2))
        XCTAssertEqual(client.reconnects, 1)
    }

    func testClientSurvivesAServerRestartOnTheSameEndpoint() throws {
        let endpoint = temporaryIPCEndpoint("restart")
        var server = startDisk(endpoint)
        let client = try RequestClient(context: context, connect: endpoint, timeout: .milliseconds(200), attempts: 20)
        _ = try client.call(DiskRequest(op: .write, requestID: 1, firstSector: 0, sectorCount: 1,
                                        data: [UInt8](repeating: 1, count: 512)), expecting: DiskResponse.self)
        server.stop()
        // The new server comes up a little later, while the client is already retrying.
        let restarted = DispatchSemaphore(value: 0)
        let ctx = context!
        let box = ServerBox()
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(500)) {
            box.server = ServerThread(context: ctx, bind: endpoint) { MemoryDisk(sectorCount: 64) }
            restarted.signal()
        }
        let response = try client.call(DiskRequest(op: .read, requestID: 2, firstSector: 0, sectorCount: 1),
                                       expecting: DiskResponse.self)
        XCTAssertEqual(response.requestID, 2)
        XCTAssertEqual(response.data, [UInt8](repeating: 0, count: 512), "a new in-memory disk")
        XCTAssertGreaterThan(client.reconnects, 0)
        restarted.wait()
        server = try XCTUnwrap(box.server)
        server.stop()
    }
}

private final class ServerBox: @unchecked Sendable {
    var server: ServerThread?
}
