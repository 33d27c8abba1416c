import Foundation
import Wire
import XCTest

final class ZMQSocketTests: XCTestCase {
    private var context: ZMQContext!

    override func setUpWithError() throws { context = try ZMQContext() }
    override func tearDown() { context = nil }

    private func roundTrip(bindTo endpoint: String) throws {
        let router = try context.socket(.router)
        try router.bind(endpoint)
        let dealer = try context.socket(.dealer)
        try dealer.set(.routingID(Array("client-1".utf8)))
        try dealer.set(.receiveTimeout(milliseconds: 2000))
        try router.set(.receiveTimeout(milliseconds: 2000))
        try dealer.connect(try router.lastEndpoint())

        try dealer.send(Array("ping".utf8))
        let request = try router.receiveMultipart()
        XCTAssertEqual(request, [Array("client-1".utf8), Array("ping".utf8)])
        try router.send(multipart: [request[0], Array("pong".utf8)])
        XCTAssertEqual(try dealer.receive(), Array("pong".utf8))
    }

    func testRouterAndDealerRoundTripOverIPC() throws {
        try roundTrip(bindTo: temporaryIPCEndpoint("rt"))
    }

    func testRouterAndDealerRoundTripOverTCPLoopback() throws {
        try roundTrip(bindTo: "tcp://127.0.0.1:*")
    }

    func testMultipartMessageArrivesWholeWithEmptyParts() throws {
        let pull = try context.socket(.pull)
        try pull.bind("tcp://127.0.0.1:*")
        let push = try context.socket(.push)
        try push.connect(try pull.lastEndpoint())
        let parts: [[UInt8]] = [[1], [], [UInt8](repeating: 7, count: 70_000), [2, 3]]
        try push.send(multipart: parts)
        try pull.set(.receiveTimeout(milliseconds: 2000))
        XCTAssertEqual(try pull.receiveMultipart(), parts)
        XCTAssertFalse(pull.hasMore)
    }

    func testSendAcceptsSlicesAndRawBuffers() throws {
        let pull = try context.socket(.pull)
        try pull.bind(temporaryIPCEndpoint("slice"))
        let push = try context.socket(.push)
        try push.connect(try pull.lastEndpoint())
        let bytes: [UInt8] = [0, 1, 2, 3, 4, 5]
        try push.send(bytes[2 ..< 4])
        try bytes.withUnsafeBytes { raw in try push.send(raw) }
        try pull.set(.receiveTimeout(milliseconds: 2000))
        XCTAssertEqual(try pull.receive(), [2, 3])
        XCTAssertEqual(try pull.receive(), bytes)
    }

    func testPollTimesOutWhenNothingArrives() throws {
        let pull = try context.socket(.pull)
        try pull.bind("tcp://127.0.0.1:*")
        var poller = Poller()
        poller.add(pull)
        let start = ContinuousClock.now
        XCTAssertEqual(try poller.poll(timeoutMilliseconds: 100), [[]])
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - start, .milliseconds(90))
    }

    func testPollReportsWhichSocketIsReadable() throws {
        let a = try context.socket(.pull), b = try context.socket(.pull)
        try a.bind(temporaryIPCEndpoint("a"))
        try b.bind(temporaryIPCEndpoint("b"))
        let push = try context.socket(.push)
        try push.connect(try b.lastEndpoint())
        try push.send([9])
        var poller = Poller()
        poller.add(a)
        poller.add(b)
        XCTAssertEqual(try poller.poll(timeoutMilliseconds: 2000), [[], .readable])
    }

    func testReceiveTimeoutThrowsTimedOut() throws {
        let dealer = try context.socket(.dealer)
        try dealer.set(.receiveTimeout(milliseconds: 30))
        XCTAssertThrowsError(try dealer.receive()) {
            XCTAssertEqual($0 as? WireError, .timedOut(operation: "zmq_msg_recv"))
        }
        XCTAssertNil(try dealer.tryReceive())
    }

    func testMonitorSeesAPeerConnectAndGoAway() throws {
        let router = try context.socket(.router)
        let monitor = try SocketMonitor(router)
        try router.bind("tcp://127.0.0.1:*")
        let dealer = try context.socket(.dealer)
        try dealer.connect(try router.lastEndpoint())
        let accepted = try monitor.next(timeoutMilliseconds: 2000)
        XCTAssertEqual(accepted?.kind, .accepted)
        dealer.close()
        var seen: MonitorEvent?
        while let event = try monitor.next(timeoutMilliseconds: 2000) {
            if event.kind == .disconnected { seen = event; break }
        }
        XCTAssertEqual(seen?.kind, .disconnected)
        XCTAssertEqual(seen?.endpoint.hasPrefix("tcp://127.0.0.1:"), true)
    }

    func testMonitorSeesTheConnectingSideConnect() throws {
        let router = try context.socket(.router)
        try router.bind(temporaryIPCEndpoint("mon"))
        let dealer = try context.socket(.dealer)
        let monitor = try SocketMonitor(dealer)
        try dealer.connect(try router.lastEndpoint())
        XCTAssertEqual(try monitor.next(timeoutMilliseconds: 2000)?.kind, .connected)
    }

    func testRouterMandatoryReportsAnUnknownPeer() throws {
        let router = try context.socket(.router)
        try router.set(.routerMandatory(true))
        try router.bind("tcp://127.0.0.1:*")
        XCTAssertThrowsError(try router.send(multipart: [Array("nobody".utf8), [1]])) {
            XCTAssertEqual($0 as? WireError, .peerUnreachable)
        }
    }

    func testSubscriberGetsOnlyItsPrefix() throws {
        let publisher = try context.socket(.publisher)
        try publisher.bind(temporaryIPCEndpoint("pub"))
        let subscriber = try context.socket(.subscriber)
        try subscriber.set(.subscribe(Array("dom1".utf8)))
        try subscriber.set(.receiveTimeout(milliseconds: 100))
        try subscriber.connect(try publisher.lastEndpoint())
        // A subscription takes a moment to reach the publisher: publish until one arrives.
        var got: [UInt8]?
        for _ in 0 ..< 50 where got == nil {
            try publisher.send(Array("dom2 no".utf8))
            try publisher.send(Array("dom1 yes".utf8))
            got = try? subscriber.receive()
        }
        XCTAssertEqual(got, Array("dom1 yes".utf8))
    }

    func testRequestAndReplySocketsWork() throws {
        let rep = try context.socket(.reply)
        try rep.bind(temporaryIPCEndpoint("rep"))
        let req = try context.socket(.request)
        try req.connect(try rep.lastEndpoint())
        try rep.set(.receiveTimeout(milliseconds: 2000))
        try req.set(.receiveTimeout(milliseconds: 2000))
        try req.send([1])
        XCTAssertEqual(try rep.receive(), [1])
        try rep.send([2])
        XCTAssertEqual(try req.receive(), [2])
    }

    func testPairSocketsUnbindAndDisconnect() throws {
        let a = try context.socket(.pair), b = try context.socket(.pair)
        let endpoint = temporaryIPCEndpoint("pair")
        try a.bind(endpoint)
        try b.connect(endpoint)
        try b.send([5])
        try a.set(.receiveTimeout(milliseconds: 2000))
        XCTAssertEqual(try a.receive(), [5])
        try b.disconnect(endpoint)
        try a.unbind(endpoint)
        XCTAssertThrowsError(try a.unbind(endpoint)) {
            guard case .zmq(let op, let errno, let message)? = $0 as? WireError else { return XCTFail("\($0)") }
            XCTAssertTrue(op.hasPrefix("zmq_unbind"))
            XCTAssertEqual(errno, ENOENT)
            XCTAssertFalse(message.isEmpty)
        }
    }

    func testBadEndpointIsAnErrorWithErrnoAndText() throws {
        let s = try context.socket(.dealer)
        XCTAssertThrowsError(try s.bind("nonsense://x")) {
            guard case .zmq(_, let errno, let message)? = $0 as? WireError else { return XCTFail("\($0)") }
            XCTAssertEqual(errno, EPROTONOSUPPORT)
            XCTAssertEqual(message, "Protocol not supported")
        }
    }

    func testLibzmqDropsAPeerAboveMaxMessageSize() throws {
        let pull = try context.socket(.pull)
        try pull.set(.maxMessageSize(1000))
        try pull.set(.receiveTimeout(milliseconds: 300))
        try pull.bind("tcp://127.0.0.1:*")
        let push = try context.socket(.push)
        try push.connect(try pull.lastEndpoint())
        try push.send([UInt8](repeating: 1, count: 2000))
        XCTAssertThrowsError(try pull.receive())
    }

    func testClosingWithUnsentMessagesDoesNotHangTermination() throws {
        let push = try context.socket(.push)
        try push.connect("tcp://127.0.0.1:1") // nobody listens
        try push.send([1], dontWait: true)
        let start = ContinuousClock.now
        push.close()
        context = nil // zmq_ctx_term: bounded by the socket's linger
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(2))
    }
}

final class ZMQBorrowedReceiveTests: XCTestCase {
    func testBorrowedReceiveSeesTheBytesWithoutCopyingThem() throws {
        let context = try ZMQContext()
        let pull = try context.socket(.pull)
        try pull.bind(temporaryIPCEndpoint("borrow"))
        let push = try context.socket(.push)
        try push.connect(try pull.lastEndpoint())
        try push.send(multipart: [[1, 2, 3], [4]])
        let sum = try pull.receive(borrowing: { $0.reduce(0) { $0 + Int($1) } })
        XCTAssertEqual(sum, 6)
        XCTAssertTrue(pull.hasMore)
        XCTAssertEqual(try pull.receive(borrowing: { Array($0) }), [4])
        XCTAssertFalse(pull.hasMore)
    }
}
