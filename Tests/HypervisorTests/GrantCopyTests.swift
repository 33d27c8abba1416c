import Hypervisor
import XCTest
import XenABI

final class GrantCopyTests: XCTestCase {
    let d1 = DomID(1), d2 = DomID(2)

    /// d1 grants page `index` of its RAM to `to` as `ref`, filled with `fill`.
    func grant(_ m: TestMachine, ref: GrantRef, page index: UInt32, to: DomID, readOnly: Bool = false, fill: UInt8 = 0xAB) {
        memset(m.page(d1, index), Int32(fill), 4096)
        m.grants.table(of: d1)!.setEntry(ref, GrantEntryV1(flags: readOnly ? [.permitAccess, .readOnly] : .permitAccess,
                                                          domid: to.rawValue, frame: TestMachine.gfn(index)))
    }

    func refusal(_ m: TestMachine, _ read: Result<[UInt8], GrantError>) -> GrantError? {
        if case let .failure(e) = read { return e }
        return nil
    }

    func testAGrantedPageIsReadAndWrittenByItsGrantee() throws {
        let m = try TestMachine()
        grant(m, ref: 8, page: 3, to: .dom0)
        XCTAssertEqual(try m.copier.read(granter: d1, ref: 8, offset: 100, length: 4, copier: .dom0).get(), [0xAB, 0xAB, 0xAB, 0xAB])
        XCTAssertNil(m.copier.write(granter: d1, ref: 8, offset: 4094, bytes: [1, 2], copier: .dom0))
        XCTAssertEqual(m.page(d1, 3).load(fromByteOffset: 4094, as: UInt16.self), 0x0201)
        XCTAssertEqual(m.grants.totalRefusals, 0)
    }

    func testGrantCopyRejectsTheWrongDomain() throws {
        let m = try TestMachine()
        grant(m, ref: 8, page: 3, to: .dom0)
        let e = refusal(m, m.copier.read(granter: d1, ref: 8, offset: 0, length: 16, copier: d2))
        XCTAssertEqual(e, .wrongGrantee(granter: d1, ref: 8, grantedTo: 0, copier: d2))
        XCTAssertEqual(e?.status, .generalError)
        XCTAssertEqual(m.grants.refusals[.generalError], 1)
    }

    func testGrantCopyRejectsWritesThroughAReadOnlyGrantAndLeavesThePageAlone() throws {
        let m = try TestMachine()
        grant(m, ref: 9, page: 4, to: .dom0, readOnly: true, fill: 0x11)
        let e = m.copier.write(granter: d1, ref: 9, offset: 0, bytes: [0xFF], copier: .dom0)
        XCTAssertEqual(e, .readOnly(granter: d1, ref: 9))
        XCTAssertEqual(e?.status, .generalError)
        XCTAssertEqual(m.page(d1, 4).load(as: UInt8.self), 0x11)
        XCTAssertNoThrow(try m.copier.read(granter: d1, ref: 9, offset: 0, length: 1, copier: .dom0).get())
    }

    func testGrantCopyRejectsRangesPastThePage() throws {
        let m = try TestMachine()
        grant(m, ref: 8, page: 3, to: .dom0)
        let e = refusal(m, m.copier.read(granter: d1, ref: 8, offset: 4000, length: 200, copier: .dom0))
        XCTAssertEqual(e?.status, .badCopyArg)
        XCTAssertEqual(m.copier.write(granter: d1, ref: 8, offset: 4096, bytes: [1], copier: .dom0)?.status, .badCopyArg)
        XCTAssertEqual(m.copier.write(granter: d1, ref: 8, offset: -1, bytes: [1], copier: .dom0)?.status, .badCopyArg)
    }

    func testGrantCopyRejectsRevokedAndAbsentGrants() throws {
        let m = try TestMachine()
        grant(m, ref: 8, page: 3, to: .dom0)
        XCTAssertEqual(refusal(m, m.copier.read(granter: d1, ref: 7, offset: 0, length: 1, copier: .dom0)),
                       .notGranted(granter: d1, ref: 7, flags: 0), "never granted")
        m.grants.table(of: d1)!.setEntry(8, GrantEntryV1(flags: [], domid: 0, frame: TestMachine.gfn(3)))
        let e = refusal(m, m.copier.read(granter: d1, ref: 8, offset: 0, length: 1, copier: .dom0))
        XCTAssertEqual(e, .notGranted(granter: d1, ref: 8, flags: 0), "revoked")
        XCTAssertEqual(e?.status, .generalError)
        let past = GrantRef(m.grants.table(of: d1)!.entryCount)
        XCTAssertEqual(refusal(m, m.copier.read(granter: d1, ref: past, offset: 0, length: 1, copier: .dom0))?.status,
                       .badGntref)
    }

    func testGrantCopyRejectsFramesOutsideTheGrantersRam() throws {
        let m = try TestMachine()
        let table = m.grants.table(of: d1)!
        let lastGfn = TestMachine.gfn(UInt32(m.memory(of: d1)!.size / 4096))
        for frame in [lastGfn, GuestMemoryLayout.ramBase / 4096 - 1, GuestMemoryLayout.grantTableBase / 4096, 0, UInt32.max] {
            table.setEntry(5, GrantEntryV1(flags: .permitAccess, domid: 0, frame: frame))
            let e = refusal(m, m.copier.read(granter: d1, ref: 5, offset: 0, length: 1, copier: .dom0))
            XCTAssertEqual(e, .frameOutsideRAM(domain: d1, frame: UInt64(frame)))
            XCTAssertEqual(e?.status, .badPage)
        }
    }

    func testGrantCopyRejectsUnknownDomains() throws {
        let m = try TestMachine()
        let e = refusal(m, m.copier.read(granter: DomID(9), ref: 0, offset: 0, length: 1, copier: .dom0))
        XCTAssertEqual(e?.status, .badDomain)
    }

    func testTheHypercallFormCopiesBetweenAGrantAndTheCallersOwnFrame() throws {
        let m = try TestMachine()
        grant(m, ref: 8, page: 3, to: d2, fill: 0x5A)
        let op = GnttabCopy(source: .init(u: 8, domid: 1, offset: 16), dest: .init(u: UInt64(TestMachine.gfn(2)), domid: 0x7FF0, offset: 32),
                            len: 64, flags: .sourceGref)
        XCTAssertEqual(m.copier.copy(op, copier: d2), .okay)
        XCTAssertEqual(m.page(d2, 2).load(fromByteOffset: 32, as: UInt8.self), 0x5A)
        XCTAssertEqual(m.page(d2, 2).load(fromByteOffset: 31, as: UInt8.self), 0)
        // A frame side must be the copier's own.
        var foreign = op
        foreign.dest.domid = 1
        XCTAssertEqual(m.copier.copy(foreign, copier: d2), .permissionDenied)
        var flags = op
        flags.flags = GrantCopyFlags(rawValue: 4)
        XCTAssertEqual(m.copier.copy(flags, copier: d2), .badCopyArg)
        var ro = op
        ro.flags = .destGref
        ro.dest = .init(u: 8, domid: 1, offset: 0)
        ro.source = .init(u: UInt64(TestMachine.gfn(2)), domid: 0x7FF0, offset: 0)
        grant(m, ref: 8, page: 3, to: d2, readOnly: true, fill: 0x5A)
        XCTAssertEqual(m.copier.copy(ro, copier: d2), .generalError)
    }

    func testEveryRefusalIsCountedByStatus() throws {
        let m = try TestMachine()
        _ = m.copier.read(granter: DomID(9), ref: 0, offset: 0, length: 1, copier: .dom0)
        _ = m.copier.read(granter: d1, ref: 0, offset: 4095, length: 2, copier: .dom0)
        _ = m.copier.read(granter: d1, ref: 0, offset: 0, length: 1, copier: .dom0)
        XCTAssertEqual(m.grants.refusals, [.badDomain: 1, .badCopyArg: 1, .generalError: 1])
    }

    func testEntriesTheGuestWritesIntoItsMappedFrameAreHonoured() throws {
        let m = try TestMachine()
        var p: UnsafeMutableRawPointer?
        XCTAssertEqual(posix_memalign(&p, 4096, 2 * 4096), 0)
        defer { free(p) }
        let table = GrantTable(domain: DomID(3), borrowing: [p!, p! + 4096])
        XCTAssertEqual(table.entryCount, 1024)
        XCTAssertEqual(table.frame(1), p! + 4096)
        // The guest writes grant_entry_v1 {flags, domid, frame} for ref 513 = frame 1, slot 1, as clang lays it out.
        let slot = p! + 4096 + 8
        slot.storeBytes(of: UInt16(1 | 4), toByteOffset: 0, as: UInt16.self)
        slot.storeBytes(of: UInt16(0), toByteOffset: 2, as: UInt16.self)
        slot.storeBytes(of: UInt32(0x40007), toByteOffset: 4, as: UInt32.self)
        XCTAssertEqual(table.entry(513), GrantEntryV1(flags: [.permitAccess, .readOnly], domid: 0, frame: 0x40007))
        _ = m
    }

    func testReservedEntriesGrantTheConsoleAndXenstoreRingsToDom0() {
        let table = GrantTable(domain: d1)
        table.fillReserved(consoleFrame: 0x39000, xenstoreFrame: 0x39001)
        XCTAssertEqual(table.entry(ReservedGrantRef.console), GrantEntryV1(flags: .permitAccess, domid: 0, frame: 0x39000))
        XCTAssertEqual(table.entry(ReservedGrantRef.xenstore), GrantEntryV1(flags: .permitAccess, domid: 0, frame: 0x39001))
    }
}
