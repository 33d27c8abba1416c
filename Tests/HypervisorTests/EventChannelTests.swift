import Hypervisor
import XCTest
import XenABI

final class EventChannelTests: XCTestCase {
    let d1 = DomID(1), d2 = DomID(2)

    func testPortZeroIsReservedAndAllocationStartsAtOne() throws {
        let m = try TestMachine()
        XCTAssertEqual(try m.channels.status(in: d1, port: 0), .reserved)
        XCTAssertEqual(try m.channels.allocUnbound(in: d1, remote: .dom0), 1)
        XCTAssertEqual(try m.channels.allocUnbound(in: d1, remote: d2), 2)
    }

    func testUnboundThenInterdomainThenCloseLeavesThePeerUnbound() throws {
        let m = try TestMachine()
        let offered = try m.channels.allocUnbound(in: d1, remote: d2)
        XCTAssertEqual(try m.channels.status(in: d1, port: offered), .unbound(remote: d2))
        let local = try m.channels.bindInterdomain(in: d2, remote: d1, remotePort: offered)
        XCTAssertEqual(try m.channels.status(in: d2, port: local), .interdomain(remote: d1, remotePort: offered))
        XCTAssertEqual(try m.channels.status(in: d1, port: offered), .interdomain(remote: d2, remotePort: local))
        try m.channels.close(in: d2, port: local)
        XCTAssertEqual(try m.channels.status(in: d2, port: local), .free)
        XCTAssertEqual(try m.channels.status(in: d1, port: offered), .unbound(remote: d2),
                       "the surviving end waits for a new binding, as after a backend restart")
    }

    func testBindingAPortNotOfferedToYouFails() throws {
        let m = try TestMachine(guests: 3)
        let offered = try m.channels.allocUnbound(in: d1, remote: d2)
        XCTAssertThrowsError(try m.channels.bindInterdomain(in: DomID(3), remote: d1, remotePort: offered)) {
            XCTAssertEqual($0 as? EventChannelError, .notOffered(remote: d1, port: offered, to: DomID(3)))
            XCTAssertEqual(($0 as? EventChannelError)?.errno, .EINVAL)
        }
        _ = try m.channels.bindInterdomain(in: d2, remote: d1, remotePort: offered)
        XCTAssertThrowsError(try m.channels.bindInterdomain(in: d2, remote: d1, remotePort: offered),
                             "a bound port cannot be bound twice")
    }

    func testSendingOnAPortYouDoNotHaveFailsAndChangesNothing() throws {
        let m = try TestMachine()
        let offered = try m.channels.allocUnbound(in: d1, remote: d2)
        let local = try m.channels.bindInterdomain(in: d2, remote: d1, remotePort: offered)
        // d2's port `local` is 1, d1's is 1 too; a port number d1 never allocated is refused.
        XCTAssertThrowsError(try m.channels.send(from: d1, port: local + 5)) {
            XCTAssertEqual($0 as? EventChannelError, .badPort(d1, local + 5))
        }
        XCTAssertTrue(m.kicks.isEmpty)
        XCTAssertFalse(m.channels.deliverPending(to: d2))
    }

    func testSendMarksTheRemotePortPendingWithSelectorAndUpcallAndKicks() throws {
        let m = try TestMachine()
        let offered = try m.channels.allocUnbound(in: d1, remote: d2)
        let local = try m.channels.bindInterdomain(in: d2, remote: d1, remotePort: offered)
        try m.channels.send(from: d1, port: offered)
        XCTAssertEqual(m.kicks, [d2])
        let page = m.channels.sharedInfo(of: d2)!
        XCTAssertFalse(page.isPending(local), "bits reach shared_info only on the vCPU thread")
        XCTAssertTrue(m.channels.hasRaised(d2))
        XCTAssertTrue(m.channels.deliverPending(to: d2))
        XCTAssertTrue(page.isPending(local))
        XCTAssertEqual(page.pendingSelector, 1 << UInt64(local / 64))
        XCTAssertTrue(page.upcallPending)
        XCTAssertFalse(m.channels.hasRaised(d2))
    }

    func testSendOnUnboundPortIsDroppedQuietly() throws {
        let m = try TestMachine()
        let offered = try m.channels.allocUnbound(in: d1, remote: d2)
        XCTAssertNoThrow(try m.channels.send(from: d1, port: offered))
        XCTAssertTrue(m.kicks.isEmpty)
    }

    func testAMaskedPortStaysPendingAndIsSignalledAtUnmask() throws {
        let m = try TestMachine()
        let offered = try m.channels.allocUnbound(in: d1, remote: d2)
        let local = try m.channels.bindInterdomain(in: d2, remote: d1, remotePort: offered)
        let page = m.channels.sharedInfo(of: d2)!
        page.setMasked(local, true)
        try m.channels.send(from: d1, port: offered)
        XCTAssertFalse(m.channels.deliverPending(to: d2))
        XCTAssertTrue(page.isPending(local))
        XCTAssertEqual(page.pendingSelector, 0)
        XCTAssertFalse(page.upcallPending)
        try m.channels.unmask(in: d2, port: local)
        XCTAssertFalse(page.isMasked(local))
        XCTAssertTrue(page.upcallPending)
        XCTAssertEqual(page.pendingSelector, 1)
    }

    func testUpcallMaskHoldsTheUpcallButNotThePendingBits() throws {
        let m = try TestMachine()
        let port = try m.channels.bindVirq(in: d1, virq: .timer)
        let page = m.channels.sharedInfo(of: d1)!
        page.upcallMask = true
        m.channels.raise(virq: .timer, in: d1)
        XCTAssertFalse(m.channels.deliverPending(to: d1), "masked upcalls are not delivered")
        XCTAssertTrue(page.isPending(port))
        XCTAssertTrue(page.upcallPending)
        page.upcallMask = false
        XCTAssertTrue(page.wantsUpcall)
    }

    func testAPortAlreadyPendingIsNotSignalledTwice() throws {
        let page = SharedInfoPage()
        XCTAssertTrue(page.markPending(70))
        XCTAssertEqual(page.pendingSelector, 1 << 1)
        page.upcallPending = false  // the guest cleared it and has not yet handled port 70
        XCTAssertFalse(page.markPending(70))
        XCTAssertFalse(page.upcallPending)
    }

    func testSharedInfoBitsSitAtTheArmOffsets() {
        let page = SharedInfoPage()
        page.markPending(65)
        page.setMasked(3, true)
        let pendingWord1 = page.host.load(fromByteOffset: SharedInfoLayout.pending + 8, as: UInt64.self)
        XCTAssertEqual(pendingWord1, 1 << 1)
        XCTAssertEqual(page.host.load(fromByteOffset: SharedInfoLayout.mask, as: UInt64.self), 1 << 3)
        XCTAssertEqual(page.host.load(fromByteOffset: 8, as: UInt64.self), 1 << 1, "evtchn_pending_sel")
        XCTAssertEqual(page.host.load(fromByteOffset: 0, as: UInt8.self), 1, "evtchn_upcall_pending")
    }

    func testVirqBindsOnceAndOnlyTheTimer() throws {
        let m = try TestMachine()
        let port = try m.channels.bindVirq(in: d1, virq: .timer)
        XCTAssertEqual(try m.channels.status(in: d1, port: port), .virq(.timer))
        XCTAssertThrowsError(try m.channels.bindVirq(in: d1, virq: .timer)) {
            XCTAssertEqual(($0 as? EventChannelError)?.errno, .EEXIST)
        }
        XCTAssertThrowsError(try m.channels.bindVirq(in: d1, virq: VirtualIRQ(rawValue: 7)))
        XCTAssertThrowsError(try m.channels.send(from: d1, port: port), "a virq is raised by the hypervisor only")
    }

    func testPortsAreBoundedByThe2LevelAbi() throws {
        let m = try TestMachine(guests: 1)
        for _ in 1 ..< EventChannelTable.maxPorts { _ = try m.channels.allocUnbound(in: d1, remote: .dom0) }
        XCTAssertThrowsError(try m.channels.allocUnbound(in: d1, remote: .dom0)) {
            XCTAssertEqual(($0 as? EventChannelError)?.errno, .ENOSPC)
        }
        try m.channels.close(in: d1, port: 100)
        XCTAssertEqual(try m.channels.allocUnbound(in: d1, remote: .dom0), 100, "the lowest free port is reused")
    }

    func testDom0PortsNotifyTheSinkAndGuestPortsOfDom0AreReachable() throws {
        final class Sink: Dom0EventSink, @unchecked Sendable {
            var ports: [EventChannelPort] = []
            func dom0Notified(port: EventChannelPort) { ports.append(port) }
        }
        let m = try TestMachine()
        let sink = Sink()
        m.channels.dom0Sink = sink
        // The toolstack (Dom0) allocates a port in d1 offered to Dom0; the backend binds it.
        let guestPort = try m.channels.allocUnbound(in: d1, remote: .dom0)
        let dom0Port = try m.channels.bindInterdomain(in: .dom0, remote: d1, remotePort: guestPort)
        try m.channels.send(from: d1, port: guestPort)
        XCTAssertEqual(sink.ports, [dom0Port])
        try m.channels.send(from: .dom0, port: dom0Port)
        XCTAssertEqual(m.kicks, [d1])
        XCTAssertTrue(m.channels.deliverPending(to: d1))
        XCTAssertTrue(m.channels.sharedInfo(of: d1)!.isPending(guestPort))
    }

    func testDestroyingADomainUnbindsItsPeers() throws {
        let m = try TestMachine()
        let offered = try m.channels.allocUnbound(in: d1, remote: d2)
        _ = try m.channels.bindInterdomain(in: d2, remote: d1, remotePort: offered)
        m.destroy(d2)
        XCTAssertEqual(try m.channels.status(in: d1, port: offered), .unbound(remote: d2))
        XCTAssertThrowsError(try m.channels.status(in: d2, port: 1)) {
            XCTAssertEqual(($0 as? EventChannelError)?.errno, .ESRCH)
        }
    }

    func testABorrowedSharedInfoPageKeepsWhatTheBuilderSet() {
        var p: UnsafeMutableRawPointer?
        XCTAssertEqual(posix_memalign(&p, 4096, 4096), 0)
        defer { free(p) }
        memset(p!, 0, 4096)
        p!.storeBytes(of: UInt8(1), toByteOffset: 1, as: UInt8.self)  // evtchn_upcall_mask = 1 at boot
        let page = SharedInfoPage(borrowing: p!)
        XCTAssertTrue(page.upcallMask)
    }
}
