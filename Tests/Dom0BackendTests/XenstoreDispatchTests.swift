import Dom0Backend
import XCTest
import XenABI

final class XenstoreDispatchTests: XCTestCase {
    func testAFrameShorterThanAHeaderIsEINVAL() throws {
        let h = try XenstoreHarness()
        XCTAssertEqual(h.answer(try h.sendRaw(h.connect(domain: 0), [1, 2, 3])), "ERR:EINVAL")
    }

    func testALengthThatDisagreesWithTheFrameIsEINVAL() throws {
        let h = try XenstoreHarness()
        var frame = XsMessage(type: .read, requestID: 5, strings: ["/"]).encoded()
        frame.append(0)
        let reply = try h.sendRaw(h.connect(domain: 0), frame)
        XCTAssertEqual(h.answer(reply), "ERR:EINVAL")
        XCTAssertEqual(reply[0].requestID, 5)
    }

    func testAnOversizedPayloadIsE2BIG() throws {
        let h = try XenstoreHarness()
        let frame = XsMessage(type: .write, payload: Array("/x\0".utf8) + [UInt8](repeating: 65, count: 4100)).encoded()
        XCTAssertEqual(h.answer(try h.sendRaw(h.connect(domain: 0), frame)), "ERR:E2BIG")
    }

    func testUnknownTypesAreENOSYSAndDaemonOnlyTypesAreRefused() throws {
        let h = try XenstoreHarness()
        let c = h.connect(domain: 0)
        for t: UInt32 in [20, 23, 0xffff, 0xdead_beef] {
            XCTAssertEqual(try h.call(c, XsMessageType(rawValue: t), ["/"]), "ERR:ENOSYS", "type \(t)")
        }
        XCTAssertEqual(try h.call(c, .watchEvent, ["/", "t"]), "ERR:EINVAL")
        XCTAssertEqual(try h.call(c, .error, ["EINVAL"]), "ERR:EINVAL")
    }

    func testRepliesEchoTheRequestIDAndType() throws {
        let h = try XenstoreHarness()
        let c = h.connect(domain: 0)
        let reply = try h.sendRaw(c, XsMessage(type: .getDomainPath, requestID: 0xabcd, strings: ["3"]).encoded())
        XCTAssertEqual(reply[0].type, .getDomainPath)
        XCTAssertEqual(reply[0].requestID, 0xabcd)
    }

    func testEveryRequestTypeOfTheHeaderIsInTheNamesTable() {
        for raw in 0 ..< XsMessageType.typeCount where raw != 20 {
            XCTAssertNotNil(XsMessageType.names[raw], "type \(raw)")
        }
        XCTAssertEqual(XsError.allCases.count, 16)
        XCTAssertEqual(XsError(name: "EAGAIN"), .EAGAIN)
    }

    /// 30 000 mutated frames of every request kind: each is answered with exactly one reply or error, and
    /// the daemon keeps working.
    func testMutatedFramesAreEachAnsweredAndNeverTrap() throws {
        let h = try XenstoreHarness(quota: XenstoreQuota())
        let c = h.connect(domain: 0), g = h.connect(domain: 1)
        let seeds: [XsMessage] = [
            XsMessage(type: .read, strings: ["/local"]), XsMessage(type: .write, payload: Array("/f/x\0v".utf8)),
            XsMessage(type: .mkdir, strings: ["/f/m"]), XsMessage(type: .rm, strings: ["/f/m"]),
            XsMessage(type: .directory, strings: ["/"]), XsMessage(type: .directoryPart, strings: ["/", "0"]),
            XsMessage(type: .getPerms, strings: ["/"]), XsMessage(type: .setPerms, strings: ["/f", "b0", "r1"]),
            XsMessage(type: .watch, strings: ["/f", "t"]), XsMessage(type: .unwatch, strings: ["/f", "t"]),
            XsMessage(type: .transactionStart, strings: [""]), XsMessage(type: .transactionEnd, strings: ["T"]),
            XsMessage(type: .introduce, strings: ["3", "100", "2"]), XsMessage(type: .release, strings: ["3"]),
            XsMessage(type: .getDomainPath, strings: ["3"]), XsMessage(type: .isDomainIntroduced, strings: ["3"]),
            XsMessage(type: .resetWatches, strings: [""]),
        ]
        var rng = SystemRandomNumberGenerator()
        for i in 0 ..< 30_000 {
            var frame = seeds[i % seeds.count].encoded()
            switch Int.random(in: 0 ..< 5, using: &rng) {
            case 0: frame[Int.random(in: 0 ..< frame.count, using: &rng)] ^= UInt8(1 << Int.random(in: 0 ..< 8, using: &rng))
            case 1: frame = Array(frame.prefix(Int.random(in: 0 ... frame.count, using: &rng)))
            case 2: frame += (0 ..< Int.random(in: 1 ..< 40, using: &rng)).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
            case 3:
                let at = Int.random(in: 16 ..< max(17, frame.count), using: &rng)
                if at < frame.count { frame[at] = [0, 0x2f, 0x40, 0xff][Int.random(in: 0 ..< 4, using: &rng)] }
            default: frame = (0 ..< Int.random(in: 0 ..< 64, using: &rng)).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
            }
            let who = i % 3 == 0 ? g : c
            let out = try h.sendRaw(who, frame).filter { $0.type != .watchEvent }
            XCTAssertEqual(out.count, 1, "frame \(frame)")
        }
        XCTAssertEqual(try h.read(c, "/local/domain"), "")
    }
}
