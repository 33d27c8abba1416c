import Foundation
import Hypervisor
import Wire
import XCTest
import XenABI

/// The bus over real ZeroMQ sockets: the server on its own thread (as in the hypervisor process), Dom0
/// processes as `BusClient`s or raw DEALERs.
final class BusServerTests: XCTestCase {
    let d1 = DomID(1), d2 = DomID(2)
    let secret = BusSecret.generate()

    final class Running: @unchecked Sendable {
        let machine: TestMachine
        let context: ZMQContext
        var endpoint = ""
        var counters: BusCounters?
        var outbox: BusOutbox?
        let stop = StopSignal()
        let ready = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)

        /// The domains' HVM parameters the bus reads for `BusGetParam`, as the hypervisor's domains hold them.
        let parameters: [DomID: HVMParams]

        init(secret: [UInt8], policy: BusPolicy, parameters: [DomID: HVMParams] = [:]) throws {
            self.parameters = parameters
            machine = try TestMachine()
            context = try ZMQContext()
            let endpoint = "ipc://\(FileManager.default.temporaryDirectory.path)/bus-\(UUID().uuidString).ipc"
            Thread { [self] in
                defer { finished.signal() }
                guard let server = try? BusServer(context: context, bind: endpoint, secret: secret, policy: policy,
                                                  channels: machine.channels, copier: machine.copier,
                                                  parameters: { [parameters] id, index in
                                                      guard let p = parameters[id] else { return (false, nil) }
                                                      return (true, p[index])
                                                  }) else {
                    ready.signal(); return
                }
                self.endpoint = server.endpoint
                counters = server.counters
                outbox = server.outbox
                ready.signal()
                try? server.run(until: stop, pollMilliseconds: 10)
            }.start()
            ready.wait()
        }
        func shutdown() { stop.stop(); finished.wait() }
    }

    var running: Running!

    override func setUpWithError() throws {
        var parameters: [DomID: HVMParams] = [:]
        for (d, console, store) in [(d1, UInt64(1), UInt64(2)), (d2, 5, 6)] {
            let p = HVMParams()
            p[HVMCommand.paramConsolePFN] = 0x39000
            p[HVMCommand.paramStorePFN] = 0x39001
            p[HVMCommand.paramConsoleEvtchn] = console
            p[HVMCommand.paramStoreEvtchn] = store
            p[3] = 1  // a parameter no backend needs (HVM_PARAM_PAE_ENABLED's slot)
            parameters[d] = p
        }
        running = try Running(secret: secret, policy: BusPolicy(["blkback-1": [d1], "blkback-2": [d2], "xenstored": [d1, d2],
                                                                 "ghost": [DomID(7)]]),
                              parameters: parameters)
        XCTAssertFalse(running.endpoint.isEmpty)
    }

    override func tearDown() { running.shutdown() }

    func client(_ name: String, secret: [UInt8]? = nil) throws -> BusClient {
        try BusClient(context: running.context, endpoint: running.endpoint, name: name, secret: secret ?? self.secret)
    }

    func testAuthenticatedBackendLearnsItsDomains() throws {
        XCTAssertEqual(try client("blkback-1").domains, [1])
        XCTAssertEqual(try client("xenstored").domains, [1, 2])
        XCTAssertEqual(running.counters!.snapshot().sessions, 2)
    }

    func testAWrongSecretOrUnknownNameIsRefusedAndCounted() throws {
        var bad = secret
        bad[0] ^= 0xFF
        XCTAssertThrowsError(try client("blkback-1", secret: bad)) {
            guard case .wire(.remote(.unauthorized, _)) = $0 as? BusClient.Failure else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try client("netback-9")) {
            guard case .wire(.remote(.unauthorized, _)) = $0 as? BusClient.Failure else { return XCTFail("\($0)") }
        }
        XCTAssertEqual(running.counters!.snapshot().unauthenticated, 2)
        XCTAssertEqual(running.counters!.snapshot().sessions, 0)
    }

    func testRequestsBeforeHelloAreRefusedAndChangeNothing() throws {
        let raw = try running.context.socket(.dealer)
        defer { raw.close() }
        try raw.set(.linger(milliseconds: 0))
        try raw.connect(running.endpoint)
        try raw.send(Frame.encode(BusAllocUnbound(domain: 1, side: .guest), sequence: 1))
        try raw.set(.receiveTimeout(milliseconds: 2000))
        XCTAssertThrowsError(try Frame.decode(BusResult.self, from: raw.receive())) {
            guard case .remote(.unauthorized, _) = $0 as? WireError else { return XCTFail("\($0)") }
        }
        XCTAssertTrue(running.machine.channels.ports(of: d1).isEmpty)
        XCTAssertEqual(running.counters!.snapshot().unauthenticated, 1)
    }

    func testABackendCannotActForAnotherDomain() throws {
        let b1 = try client("blkback-1")
        let guestPort = try running.machine.channels.allocUnbound(in: d2, remote: .dom0)
        XCTAssertThrowsError(try b1.bindInterdomain(domain: 2, remotePort: guestPort))
        XCTAssertThrowsError(try b1.allocUnbound(domain: 2, side: .guest))
        XCTAssertEqual(try running.machine.channels.status(in: d2, port: guestPort), .unbound(remote: .dom0))
        m(running.machine, grantFrom: d2, ref: 4, page: 1)
        let out = try b1.grantCopy([.init(read: 2, ref: 4, offset: 0, length: 8)])
        XCTAssertEqual(out, [.init(status: GrantStatus.permissionDenied.rawValue)])
        XCTAssertEqual(running.counters!.snapshot().unauthorized, 3)
    }

    func testABackendReadsTheRingParametersOfItsOwnDomainOnly() throws {
        let b2 = try client("blkback-2"), xs = try client("xenstored")
        XCTAssertEqual(try b2.hvmParam(domain: 2, index: HVMCommand.paramConsoleEvtchn), 5)
        XCTAssertEqual(try b2.hvmParam(domain: 2, index: HVMCommand.paramConsolePFN), 0x39000)
        XCTAssertEqual(try xs.hvmParam(domain: 1, index: HVMCommand.paramStoreEvtchn), 2)
        XCTAssertEqual(try xs.hvmParam(domain: 2, index: HVMCommand.paramStorePFN), 0x39001)
        // Domain 1 is not blkback-2's: refused and counted, nothing read.
        XCTAssertThrowsError(try b2.hvmParam(domain: 1, index: HVMCommand.paramConsoleEvtchn)) {
            guard case .wire(.remote(.unauthorized, _)) = $0 as? BusClient.Failure else { return XCTFail("\($0)") }
        }
        XCTAssertEqual(running.counters!.snapshot().unauthorized, 1)
        // Its own domain, but a parameter no backend needs: EPERM. A served domain that does not exist: ESRCH.
        XCTAssertThrowsError(try b2.hvmParam(domain: 2, index: 3)) {
            XCTAssertEqual($0 as? BusClient.Failure, .refused(errno: -XenErrno.EPERM.rawValue))
        }
        XCTAssertThrowsError(try client("ghost").hvmParam(domain: 7, index: HVMCommand.paramStoreEvtchn)) {
            XCTAssertEqual($0 as? BusClient.Failure, .refused(errno: -XenErrno.ESRCH.rawValue))
        }
    }

    func testOnlyTheOwnerOfADom0PortMayNotifyOrCloseIt() throws {
        let xs = try client("xenstored")
        let b1 = try client("blkback-1")
        let port = try xs.allocUnbound(domain: 1, side: .dom0)
        XCTAssertThrowsError(try b1.notify(port: port))
        XCTAssertThrowsError(try b1.close(port: port))
        XCTAssertEqual(running.machine.channels.ports(of: .dom0).map(\.0), [port])
        XCTAssertNoThrow(try xs.close(port: port))
        XCTAssertTrue(running.machine.channels.ports(of: .dom0).isEmpty)
    }

    func testReplayedSequencesAreRefused() throws {
        // A raw DEALER that authenticates, then sends the same request frame twice.
        let raw = try running.context.socket(.dealer)
        defer { raw.close() }
        try raw.set(.linger(milliseconds: 0))
        try raw.set(.receiveTimeout(milliseconds: 2000))
        try raw.connect(running.endpoint)
        try raw.send(Frame.encode(BusHello(secret: secret, name: "blkback-1"), sequence: 1))
        _ = try Frame.decode(BusWelcome.self, from: raw.receive())
        let alloc = Frame.encode(BusAllocUnbound(domain: 1, side: .guest), sequence: 2)
        try raw.send(alloc)
        XCTAssertEqual(try Frame.decode(BusResult.self, from: raw.receive()).1.result, 0)
        try raw.send(alloc)
        XCTAssertThrowsError(try Frame.decode(BusResult.self, from: raw.receive()))
        XCTAssertEqual(running.machine.channels.ports(of: d1).count, 1, "the replay allocated nothing")
        XCTAssertEqual(running.counters!.snapshot().replayed, 1)
    }

    func testNotifyRoundTripGuestToDom0ProcessToGuest() throws {
        let backend = try client("blkback-1")
        // The guest offers a port to Dom0 (as a frontend does), the backend binds it.
        let guestPort = try running.machine.channels.allocUnbound(in: d1, remote: .dom0)
        let dom0Port = try backend.bindInterdomain(domain: 1, remotePort: guestPort)
        // Guest → Dom0: the guest's send reaches the backend as a pushed BusEvent.
        try running.machine.channels.send(from: d1, port: guestPort)
        XCTAssertEqual(try backend.nextPush(timeout: .seconds(2)), .event(port: dom0Port))
        // Dom0 → guest: the backend's notify marks the guest port pending and kicks the guest.
        try backend.notify(port: dom0Port)
        XCTAssertTrue(running.machine.kicks.contains(d1))
        XCTAssertTrue(running.machine.channels.deliverPending(to: d1))
        XCTAssertTrue(running.machine.channels.sharedInfo(of: d1)!.isPending(guestPort))
        let stats = try backend.stats()
        XCTAssertEqual(stats.notifications, 1)
        XCTAssertEqual(stats.eventsPushed, 1)
    }

    func testASignalIsOneWayAndARefusedSignalIsCountedByTheClient() throws {
        let backend = try client("blkback-1")
        let other = try client("blkback-2")
        let guestPort = try running.machine.channels.allocUnbound(in: d1, remote: .dom0)
        let dom0Port = try backend.bindInterdomain(domain: 1, remotePort: guestPort)
        // The owner's signal marks the guest port pending; no reply comes back (the next reply is the stats').
        try backend.signal(port: dom0Port)
        XCTAssertEqual(try backend.stats().notifications, 1)
        XCTAssertTrue(running.machine.kicks.contains(d1))
        XCTAssertTrue(running.machine.channels.deliverPending(to: d1))
        XCTAssertTrue(running.machine.channels.sharedInfo(of: d1)!.isPending(guestPort))
        XCTAssertEqual(backend.signalRefusals, 0)
        // Another session's signal on that port is refused, counted on both sides, and changes nothing.
        try other.signal(port: dom0Port)
        let stats = try other.stats()
        XCTAssertEqual(stats.notifications, 1)
        XCTAssertEqual(stats.unauthorized, 1)
        XCTAssertEqual(other.signalRefusals, 1)
        XCTAssertNotNil(other.lastSignalRefusal)
        XCTAssertFalse(running.machine.channels.hasRaised(d1))
    }

    func testARestartedBackendReplacesItsSessionAndCanBindAgain() throws {
        let guestPort = try running.machine.channels.allocUnbound(in: d1, remote: .dom0)
        let first = try client("blkback-1")
        _ = try first.bindInterdomain(domain: 1, remotePort: guestPort)
        let second = try client("blkback-1")
        XCTAssertEqual(try running.machine.channels.status(in: d1, port: guestPort), .unbound(remote: .dom0),
                       "the old session's ports were closed")
        XCTAssertNoThrow(try second.bindInterdomain(domain: 1, remotePort: guestPort))
        XCTAssertThrowsError(try first.stats(), "the replaced connection is no longer authenticated")
    }

    func testBatchedGrantCopiesEachGetTheirStatus() throws {
        let backend = try client("blkback-1")
        m(running.machine, grantFrom: d1, ref: 8, page: 2)
        running.machine.grants.table(of: d1)!.setEntry(9, GrantEntryV1(flags: [.permitAccess, .readOnly], domid: 0,
                                                                      frame: TestMachine.gfn(3)))
        let out = try backend.grantCopy([
            .init(write: 1, ref: 8, offset: 100, data: [1, 2, 3]),
            .init(read: 1, ref: 8, offset: 100, length: 3),
            .init(write: 1, ref: 9, offset: 0, data: [0xFF]),
            .init(read: 1, ref: 8, offset: 4095, length: 2),
            .init(read: 1, ref: 77, offset: 0, length: 1),
        ])
        XCTAssertEqual(out.map(\.status), [0, 0, GrantStatus.generalError.rawValue, GrantStatus.badCopyArg.rawValue,
                                           GrantStatus.generalError.rawValue])
        XCTAssertEqual(out[1].data, [1, 2, 3])
        XCTAssertEqual(running.machine.page(d1, 3).load(as: UInt8.self), 0, "the read-only page was not written")
    }

    func testLifecycleEventsReachOnlyTheProcessesServingTheDomain() throws {
        let b1 = try client("blkback-1"), b2 = try client("blkback-2")
        running.outbox!.domainEvent(d2, .shutdown, reason: 0)
        XCTAssertEqual(try b2.nextPush(timeout: .seconds(2)), .domain(BusDomainEvent(domain: 2, event: .shutdown)))
        XCTAssertNil(try b1.nextPush(timeout: .milliseconds(200)))
    }

    func m(_ machine: TestMachine, grantFrom domain: DomID, ref: GrantRef, page: UInt32) {
        machine.grants.table(of: domain)!.setEntry(ref, GrantEntryV1(flags: .permitAccess, domid: 0, frame: TestMachine.gfn(page)))
    }
}
