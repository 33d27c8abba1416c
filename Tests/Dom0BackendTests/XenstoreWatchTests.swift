import Dom0Backend
import XCTest
import XenABI

final class XenstoreWatchTests: XCTestCase {
    func testAWatchFiresOnceAtOnceThenOncePerChangeOfTheNodeOrAChildWithItsToken() throws {
        let h = try XenstoreHarness()
        let w = h.connect(domain: 0), writer = h.connect(domain: 0)
        let reply = try h.send(w, .watch, ["/dev", "tok"])
        XCTAssertEqual(h.answer(reply), "OK\0")
        XCTAssertEqual(reply.count, 2, "the reply, then the initial event")
        XCTAssertEqual(reply[1].payload, Array("/dev\0tok\0".utf8))
        _ = try h.write(writer, "/dev/vbd/768/state", "1")  // creates /dev/vbd, /dev/vbd/768 too: still one event
        _ = try h.write(writer, "/dev", "x")
        _ = try h.write(writer, "/devices/other", "x")       // a sibling with a common prefix is not a child
        let events = try h.events(for: w)
        XCTAssertEqual(events.map(\.path), ["/dev/vbd/768/state", "/dev"])
        XCTAssertEqual(Set(events.map(\.token)), ["tok"])
    }

    func testRmFiresTheParentsWatchOnceAndWatchesSetOnRemovedDescendants() throws {
        let h = try XenstoreHarness()
        let c = h.connect(domain: 0)
        _ = try h.write(c, "/p/q/r", "1")
        let w = h.connect(domain: 0)
        _ = try h.send(w, .watch, ["/p", "top"])
        _ = try h.send(w, .watch, ["/p/q/r", "deep"])
        _ = try h.call(c, .rm, ["/p/q"])
        let events = try h.events(for: w)
        XCTAssertEqual(events.map { "\($0.path) \($0.token)" }.sorted(), ["/p/q top", "/p/q/r deep"])
    }

    func testUnwatchStopsEventsAndAnUnknownWatchIsENOENT() throws {
        let h = try XenstoreHarness()
        let w = h.connect(domain: 0)
        _ = try h.send(w, .watch, ["/u", "t"])
        XCTAssertEqual(try h.call(w, .unwatch, ["/u", "t"]), "OK\0")
        _ = try h.write(w, "/u", "1")
        XCTAssertTrue(try h.events(for: w).isEmpty)
        XCTAssertEqual(try h.call(w, .unwatch, ["/u", "t"]), "ERR:ENOENT")
    }

    func testADomUGetsNoEventsForNodesItCannotRead() throws {
        let h = try XenstoreHarness()
        let dom0 = h.connect(domain: 0)
        _ = try h.write(dom0, "/local/domain/1/x", "v")
        _ = try h.call(dom0, .setPerms, ["/local/domain/1/x", "n1"])
        let spy = h.connect(domain: 2)
        _ = try h.send(spy, .watch, ["/local/domain/1", "spy"])
        _ = try h.events(for: spy)
        _ = try h.write(dom0, "/local/domain/1/x", "changed")
        XCTAssertTrue(try h.events(for: spy).isEmpty)
    }

    func testRelativeWatchesReportRelativePaths() throws {
        let h = try XenstoreHarness()
        let dom0 = h.connect(domain: 0)
        _ = try h.call(dom0, .mkdir, ["/local/domain/4"])
        _ = try h.call(dom0, .setPerms, ["/local/domain/4", "n4"])
        let g = h.connect(domain: 4)
        _ = try h.send(g, .watch, ["device", "d"])
        _ = try h.events(for: g)
        _ = try h.write(dom0, "/local/domain/4/device/vif/0", "1")
        _ = try h.call(dom0, .setPerms, ["/local/domain/4/device/vif/0", "n4"])
        XCTAssertEqual(try h.events(for: g).map(\.path), ["device/vif/0", "device/vif/0"])
    }

    func testSpecialWatchesFireOnIntroduceAndRelease() throws {
        let h = try XenstoreHarness()
        let c = h.connect(domain: 0)
        _ = try h.send(c, .watch, ["@introduceDomain", "i"])
        _ = try h.send(c, .watch, ["@releaseDomain", "r"])
        _ = try h.events(for: c)
        XCTAssertEqual(try h.call(c, .isDomainIntroduced, ["7"]), "F\0")
        let introduced = try h.send(c, .introduce, ["7", "233472", "1"])
        XCTAssertEqual(h.answer(introduced), "OK\0")
        XCTAssertEqual(introduced.dropFirst().map(\.payload), [Array("@introduceDomain\0i\0".utf8)])
        XCTAssertEqual(try h.call(c, .isDomainIntroduced, ["7"]), "T\0")
        let released = try h.send(c, .release, ["7"])
        XCTAssertEqual(h.answer(released), "OK\0")
        XCTAssertEqual(released.dropFirst().map(\.payload), [Array("@releaseDomain\0r\0".utf8)])
        XCTAssertEqual(try h.call(c, .release, ["7"]), "ERR:ENOENT")
    }

    func testResetWatchesDropsEveryWatch() throws {
        let h = try XenstoreHarness()
        let c = h.connect(domain: 0)
        _ = try h.send(c, .watch, ["/a", "1"])
        _ = try h.send(c, .watch, ["/b", "2"])
        XCTAssertEqual(try h.call(c, .resetWatches, [""]), "OK\0")
        _ = try h.write(c, "/a", "x")
        _ = try h.write(c, "/b", "x")
        XCTAssertTrue(try h.events(for: c).isEmpty)
    }
}
