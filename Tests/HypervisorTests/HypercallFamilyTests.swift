import Hypervisor
import XCTest
import XenABI

/// EventChannelOps and GrantTableOps driven as the dispatcher drives them: argument registers, structures in
/// guest memory, results in r0 and in the structures.
final class HypercallFamilyTests: XCTestCase {
    let d1 = DomID(1), d2 = DomID(2)
    let argument: UInt32 = GuestMemoryLayout.ramBase + 0x1000

    func call(_ m: TestMachine, _ caller: DomID, _ space: FlatAddressSpace, _ r0: UInt32, _ r1: UInt32, _ r2: UInt32 = 0,
              grant: Bool = false) -> Int32 {
        let invocation = HypercallInvocation(caller: caller, arguments: (r0, r1, r2, 0, 0), space: space)
        let r = grant ? GrantTableOps(copier: m.copier).handle(invocation) : EventChannelOps(channels: m.channels).handle(invocation)
        return Int32(bitPattern: r)
    }

    func testAllocBindSendStatusThroughGuestMemory() throws {
        let m = try TestMachine()
        let s1 = FlatAddressSpace(m.memory(of: d1)!), s2 = FlatAddressSpace(m.memory(of: d2)!)
        XCTAssertTrue(s1.copyOut(to: argument, bytes: EvtchnAllocUnbound(dom: 0x7FF0, remoteDom: 2).encoded()))
        XCTAssertEqual(call(m, d1, s1, EventChannelCommand.allocUnbound.rawValue, argument), 0)
        let port = try EvtchnAllocUnbound(bytes: s1.copyIn(from: argument, count: 8)!).port
        XCTAssertEqual(port, 1)

        XCTAssertTrue(s2.copyOut(to: argument, bytes: EvtchnBindInterdomain(remoteDom: 1, remotePort: port).encoded()))
        XCTAssertEqual(call(m, d2, s2, EventChannelCommand.bindInterdomain.rawValue, argument), 0)
        let local = try EvtchnBindInterdomain(bytes: s2.copyIn(from: argument, count: 12)!).localPort

        XCTAssertTrue(s2.copyOut(to: argument, bytes: EvtchnPortArgument(port: local).encoded()))
        XCTAssertEqual(call(m, d2, s2, EventChannelCommand.send.rawValue, argument), 0)
        XCTAssertEqual(m.kicks, [d1])

        XCTAssertTrue(s1.copyOut(to: argument, bytes: EvtchnStatus(dom: 0x7FF0, port: port).encoded()))
        XCTAssertEqual(call(m, d1, s1, EventChannelCommand.status.rawValue, argument), 0)
        let status = try EvtchnStatus(bytes: s1.copyIn(from: argument, count: 24)!)
        XCTAssertEqual(status.status, EventChannelStatusCode.interdomain.rawValue)
        XCTAssertEqual(status.remoteDom, 2)
        XCTAssertEqual(status.remotePort, local)
    }

    func testBadEventChannelArgumentsGetErrnos() throws {
        let m = try TestMachine()
        let s1 = FlatAddressSpace(m.memory(of: d1)!)
        XCTAssertEqual(call(m, d1, s1, EventChannelCommand.send.rawValue, 0x1000), -XenErrno.EFAULT.rawValue, "outside RAM")
        XCTAssertTrue(s1.copyOut(to: argument, bytes: EvtchnAllocUnbound(dom: 2, remoteDom: 0).encoded()))
        XCTAssertEqual(call(m, d1, s1, EventChannelCommand.allocUnbound.rawValue, argument), -XenErrno.EPERM.rawValue,
                       "a guest may not allocate in another domain")
        XCTAssertTrue(s1.copyOut(to: argument, bytes: EvtchnAllocUnbound(dom: 0x7FF0, remoteDom: 77).encoded()))
        XCTAssertEqual(call(m, d1, s1, EventChannelCommand.allocUnbound.rawValue, argument), -XenErrno.ESRCH.rawValue)
        XCTAssertTrue(s1.copyOut(to: argument, bytes: EvtchnPortArgument(port: 9).encoded()))
        XCTAssertEqual(call(m, d1, s1, EventChannelCommand.send.rawValue, argument), -XenErrno.EINVAL.rawValue)
        XCTAssertEqual(call(m, d1, s1, EventChannelCommand.close.rawValue, argument), -XenErrno.EINVAL.rawValue)
        XCTAssertTrue(s1.copyOut(to: argument, bytes: EvtchnBindVirq(virq: 0, vcpu: 1).encoded()))
        XCTAssertEqual(call(m, d1, s1, EventChannelCommand.bindVirq.rawValue, argument), -XenErrno.ENOENT.rawValue)
        XCTAssertEqual(call(m, d1, s1, 99, argument), -XenErrno.ENOSYS.rawValue)
        XCTAssertEqual(m.channels.refusedHypercalls, 7)
    }

    func testGrantSetupQueryAndCopyThroughGuestMemory() throws {
        let m = try TestMachine()
        let s1 = FlatAddressSpace(m.memory(of: d1)!)
        let list = argument + 0x100
        XCTAssertTrue(s1.copyOut(to: argument, bytes: GnttabSetupTable(dom: 0x7FF0, nrFrames: 2, frameList: UInt64(list)).encoded()))
        XCTAssertEqual(call(m, d1, s1, GrantTableCommand.setupTable.rawValue, argument, 1, grant: true), 0)
        XCTAssertEqual(try GnttabSetupTable(bytes: s1.copyIn(from: argument, count: 24)!).status, .okay)
        XCTAssertEqual(s1.copyIn(from: list, count: 16)!, [0x00, 0x80, 0x03, 0, 0, 0, 0, 0, 0x01, 0x80, 0x03, 0, 0, 0, 0, 0])

        XCTAssertTrue(s1.copyOut(to: argument, bytes: GnttabQuerySize(dom: 0x7FF0).encoded()))
        XCTAssertEqual(call(m, d1, s1, GrantTableCommand.querySize.rawValue, argument, 1, grant: true), 0)
        let q = try GnttabQuerySize(bytes: s1.copyIn(from: argument, count: 16)!)
        XCTAssertEqual(q.nrFrames, UInt32(GrantTable.defaultFrameCount))

        // Two copies in one batch, each with its own status: one good, one past the page.
        m.grants.table(of: d2)!.setEntry(3, GrantEntryV1(flags: .permitAccess, domid: 1, frame: TestMachine.gfn(5)))
        m.page(d2, 5).storeBytes(of: 0xC0FFEE, as: UInt32.self)
        let good = GnttabCopy(source: .init(u: 3, domid: 2, offset: 0), dest: .init(u: UInt64(TestMachine.gfn(7)), domid: 0x7FF0, offset: 0),
                              len: 4, flags: .sourceGref)
        var bad = good
        bad.dest.offset = 4094
        XCTAssertTrue(s1.copyOut(to: argument, bytes: good.encoded() + bad.encoded()))
        XCTAssertEqual(call(m, d1, s1, GrantTableCommand.copy.rawValue, argument, 2, grant: true), 0)
        XCTAssertEqual(try GnttabCopy(bytes: s1.copyIn(from: argument, count: 40)!).status, .okay)
        XCTAssertEqual(try GnttabCopy(bytes: s1.copyIn(from: argument + 40, count: 40)!).status, .badCopyArg)
        XCTAssertEqual(m.page(d1, 7).load(as: UInt32.self), 0xC0FFEE)
    }

    func testMapAndUnmapAreNotProvidedAndOtherDomainsTablesAreRefused() throws {
        let m = try TestMachine()
        let s1 = FlatAddressSpace(m.memory(of: d1)!)
        XCTAssertEqual(call(m, d1, s1, GrantTableCommand.mapGrantRef.rawValue, argument, 1, grant: true), -XenErrno.ENOSYS.rawValue)
        XCTAssertEqual(call(m, d1, s1, GrantTableCommand.unmapGrantRef.rawValue, argument, 1, grant: true), -XenErrno.ENOSYS.rawValue)
        XCTAssertTrue(s1.copyOut(to: argument, bytes: GnttabQuerySize(dom: 2).encoded()))
        XCTAssertEqual(call(m, d1, s1, GrantTableCommand.querySize.rawValue, argument, 1, grant: true), 0)
        XCTAssertEqual(try GnttabQuerySize(bytes: s1.copyIn(from: argument, count: 16)!).status, .permissionDenied)
        XCTAssertEqual(call(m, d1, s1, GrantTableCommand.copy.rawValue, argument, GrantTableOps.maxCopyBatch + 1, grant: true),
                       -XenErrno.EINVAL.rawValue)
    }
}
