import XCTest
import XenABI

final class XenABIStructTests: XCTestCase {
    func roundTrip<T: XenABIStruct>(_ value: T, file: StaticString = #filePath, line: UInt = #line) throws {
        let bytes = value.encoded()
        XCTAssertEqual(bytes.count, T.layout.size, file: file, line: line)
        XCTAssertEqual(try T(bytes: bytes), value, file: file, line: line)
        XCTAssertThrowsError(try T(bytes: Array(bytes.dropLast())), file: file, line: line) { error in
            XCTAssertEqual(error as? XenABIError,
                           .truncated(type: T.layout.cType, needed: T.layout.size, available: T.layout.size - 1))
        }
    }

    func testEveryMirrorRoundTripsAndRejectsShortInput() throws {
        try roundTrip(EvtchnAllocUnbound(dom: 0x7FF0, remoteDom: 0, port: 7))
        try roundTrip(EvtchnBindInterdomain(remoteDom: 3, remotePort: 9, localPort: 11))
        try roundTrip(EvtchnBindVirq(virq: 0, vcpu: 0, port: 5))
        try roundTrip(EvtchnPortArgument(port: 4095))
        try roundTrip(EvtchnStatus(dom: 1, port: 2, status: 2, vcpu: 0, remoteDom: 0, remotePort: 8))
        try roundTrip(EvtchnStatus(dom: 1, port: 3, status: 4, virq: 0))
        try roundTrip(GrantEntryV1(flags: [.permitAccess, .readOnly], domid: 0, frame: 0x40123))
        try roundTrip(GnttabSetupTable(dom: 0x7FF0, nrFrames: 1, status: .badDomain, frameList: 0x4000_1000))
        try roundTrip(GnttabQuerySize(dom: 1, nrFrames: 1, maxNrFrames: 4, status: .okay))
        try roundTrip(GnttabCopy(source: .init(u: 5, domid: 1, offset: 12), dest: .init(u: 0x40010, domid: 0x7FF0, offset: 0),
                                 len: 100, flags: .sourceGref, status: .badCopyArg))
        try roundTrip(XenarmVectors(entry: [1, 2, 3, 4, 5]))
        try roundTrip(XenarmTrapFrame(r: Array(0 ..< 13), sp: 13, lr: 14, pc: 15, cpsr: 0x10, vmode: 1, kind: 4,
                                      faultAddress: 0xdead, faultStatus: 5, upcallMask: 1))
    }

    func testGrantCopyReadsLittleEndianAtTheArmOffsets() throws {
        var bytes = [UInt8](repeating: 0, count: 40)
        bytes[0] = 0x34; bytes[1] = 0x12            // source.u.ref = 0x1234
        bytes[8] = 2                                // source.domid = 2
        bytes[10] = 0x10                            // source.offset = 16
        bytes[24] = 0xF0; bytes[25] = 0x7F          // dest.domid = DOMID_SELF
        bytes[32] = 0x00; bytes[33] = 0x02          // len = 512
        bytes[34] = 1                               // flags = GNTCOPY_source_gref
        let op = try GnttabCopy(bytes: bytes)
        XCTAssertEqual(op.source.ref, 0x1234)
        XCTAssertEqual(op.source.domid, 2)
        XCTAssertEqual(op.source.offset, 16)
        XCTAssertEqual(op.dest.domid, 0x7FF0)
        XCTAssertEqual(op.len, 512)
        XCTAssertEqual(op.flags, .sourceGref)
    }

    func testEventChannelStatusPutsVirqInTheUnion() throws {
        let bytes = EvtchnStatus(dom: 1, port: 3, status: EventChannelStatusCode.virq.rawValue, virq: 0x11).encoded()
        XCTAssertEqual(Array(bytes[16 ..< 20]), [0x11, 0, 0, 0])
    }
}
