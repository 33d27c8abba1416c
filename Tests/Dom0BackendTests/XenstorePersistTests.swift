import Dom0Backend
import Foundation
import XCTest
import XenABI

final class XenstorePersistTests: XCTestCase {
    func testStateRoundTripsThroughSaveAndRestore() throws {
        var s = XenstoreState()
        s.epoch = 9
        s.nodes["/"] = XenstoreNode(value: [], permissions: .owned(by: 0), children: ["a"])
        s.nodes["/a"] = XenstoreNode(value: [0, 1, 2, 255], permissions: XenstorePermissions([
            XenstorePermission(domain: 3, access: .read), XenstorePermission(domain: 4, access: .none)])!)
        s.domains[3] = XenstoreDomain(domain: 3, frame: 0x39000, port: 1)
        s.watches[.zmq(routingID: [1, 2, 3])] = [XenstoreWatch(path: "/a", absolutePath: "/a", token: [0x41, 0xff])]
        s.watches[.ring(domain: 3)] = [XenstoreWatch(path: "data", absolutePath: "/local/domain/3/data", token: [0x74])]
        XCTAssertEqual(try XenstoreState.restore(s.save()), s)
    }

    func testRestoreRefusesAForeignFileAndADamagedRecord() throws {
        XCTAssertThrowsError(try XenstoreState.restore(Array("not a state file".utf8)))
        var s = XenstoreState()
        s.nodes["/"] = XenstoreNode(value: Array("v".utf8), permissions: .owned(by: 0))
        var bytes = s.save()
        bytes[bytes.count - 1] ^= 0xff
        XCTAssertThrowsError(try XenstoreState.restore(bytes))
    }

    func testMutatedSnapshotsNeverTrap() throws {
        var s = XenstoreState()
        s.nodes["/"] = XenstoreNode(value: [], permissions: .owned(by: 0), children: ["x"])
        s.nodes["/x"] = XenstoreNode(value: Array("value".utf8), permissions: .owned(by: 1))
        let valid = s.save()
        var rng = SystemRandomNumberGenerator()
        for _ in 0 ..< 5000 {
            var b = valid
            for _ in 0 ... Int.random(in: 0 ..< 4, using: &rng) {
                b[Int.random(in: 0 ..< b.count, using: &rng)] = UInt8.random(in: 0 ... 255, using: &rng)
            }
            if Bool.random(using: &rng) { b = Array(b.prefix(Int.random(in: 0 ... b.count, using: &rng))) }
            _ = try? XenstoreState.restore(b)
        }
    }

    func testARestartedDaemonHasTheTreePermissionsDomainsAndZeroMQWatches() throws {
        let dir = XenstoreHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let h = try XenstoreHarness(stateDirectory: dir)
            let c = h.connect(domain: 0)
            _ = try h.write(c, "/keep/me", "yes")
            _ = try h.call(c, .setPerms, ["/keep/me", "r5", "b6"])
            _ = try h.call(c, .introduce, ["5", "4096", "2"])
            _ = try h.write(c, "/gone", "x")
            _ = try h.call(c, .rm, ["/gone"])
            let z = h.daemon.connect(.zmq(routingID: Array("backend-1".utf8)))
            _ = try h.send(z, .watch, ["/keep", "zt"])
            // No clean shutdown: the daemon is simply dropped, as a kill -9 would leave the files.
        }
        let h = try XenstoreHarness(stateDirectory: dir)
        let c = h.connect(domain: 0)
        XCTAssertEqual(try h.read(c, "/keep/me"), "yes")
        XCTAssertEqual(try h.call(c, .getPerms, ["/keep/me"]), "r5\0b6\0")
        XCTAssertEqual(try h.read(c, "/gone"), "ERR:ENOENT")
        XCTAssertEqual(try h.call(c, .isDomainIntroduced, ["5"]), "T\0")
        let z = h.daemon.connect(.zmq(routingID: Array("backend-1".utf8)))
        _ = try h.write(c, "/keep/me", "changed")
        // Once for the restart (the watcher may have missed changes), then for the change.
        XCTAssertEqual(try h.events(for: z).map { "\($0.path) \($0.token)" }, ["/keep zt", "/keep/me zt"])
    }

    func testAGuestsRingWatchesAreBackAfterARestartAndFireWithoutTheGuestWatchingAgain() throws {
        let dir = XenstoreHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let h = try XenstoreHarness(stateDirectory: dir)
            _ = try h.write(h.connect(domain: 0), "/local/domain/4/data/x", "0")
            _ = try h.call(h.connect(domain: 0), .setPerms, ["/local/domain/4/data", "n4"])
            _ = try h.call(h.connect(domain: 0), .setPerms, ["/local/domain/4/data/x", "n4"])
            let guest = h.daemon.connect(.ring(domain: 4))
            XCTAssertEqual(try h.call(guest, .watch, ["data", "gt"]), "OK\0")
            XCTAssertEqual(try h.call(guest, .watch, ["/local/domain/4/data/x", "abs"]), "OK\0")
            XCTAssertEqual(try h.call(guest, .unwatch, ["/local/domain/4/data/x", "abs"]), "OK\0")
            let other = h.daemon.connect(.ring(domain: 5))
            XCTAssertEqual(try h.call(other, .watch, ["/local/domain/5", "gone"]), "OK\0")
            h.daemon.disconnect(other)  // domain 5 ended: its watch goes, durably at the next commit
            try h.daemon.commit()
            // Dropped without a clean shutdown, as a kill -9 leaves the files.
        }
        let h = try XenstoreHarness(stateDirectory: dir)
        // The transport asks for the domain's ring connection when it binds the port again: the same one.
        let guest = h.daemon.connect(.ring(domain: 4))
        XCTAssertEqual(h.daemon.connect(.ring(domain: 4)), guest)
        XCTAssertEqual(Set(h.daemon.ringDomains), [4])
        _ = try h.write(h.connect(domain: 0), "/local/domain/4/data/x", "1")
        // Once for the restart, then for Dom0's change; relative, as the guest asked; not the removed watch.
        XCTAssertEqual(try h.events(for: guest).map { "\($0.path) \($0.token)" }, ["data gt", "data/x gt"])
        XCTAssertEqual(try h.events(for: h.daemon.connect(.ring(domain: 5))).count, 0)
    }

    func testATransactionOpenAcrossARestartEndsWithEAGAIN() throws {
        let dir = XenstoreHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var t: UInt32 = 0
        do {
            let h = try XenstoreHarness(stateDirectory: dir)
            t = try h.start(h.connect(domain: 0))
        }
        let h = try XenstoreHarness(stateDirectory: dir)
        XCTAssertEqual(try h.call(h.connect(domain: 0), .transactionEnd, ["T"], tx: t), "ERR:EAGAIN")
    }

    func testATornJournalTailIsIgnoredAndEverythingBeforeItKept() throws {
        let dir = XenstoreHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let h = try XenstoreHarness(stateDirectory: dir)
            let c = h.connect(domain: 0)
            for i in 0 ..< 20 { _ = try h.write(c, "/n/\(i)", "\(i)") }
        }
        let journal = dir + "/journal"
        var bytes = Array(FileManager.default.contents(atPath: journal)!)
        bytes.removeLast(3)  // a crash in the middle of the last append
        try Data(bytes).write(to: URL(fileURLWithPath: journal))
        let h = try XenstoreHarness(stateDirectory: dir)
        let c = h.connect(domain: 0)
        for i in 0 ..< 19 { XCTAssertEqual(try h.read(c, "/n/\(i)"), "\(i)") }
    }

    func testATenThousandNodeTreeSurvivesASnapshotCycle() throws {
        let dir = XenstoreHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let h = try XenstoreHarness(stateDirectory: dir)
            let c = h.connect(domain: 0)
            // One commit (fsync) for the lot, as the process does for a burst of requests.
            for i in 0 ..< 10_000 {
                h.daemon.handle(connection: c, frame: XsMessage(
                    type: .write, payload: Array("/bulk/\(i / 100)/\(i % 100)\0v\(i)".utf8)).encoded())
            }
            try h.daemon.commit()
        }
        let h = try XenstoreHarness(stateDirectory: dir)
        XCTAssertGreaterThanOrEqual(h.daemon.tree.nodes.count, 10_000 + 100)
        XCTAssertEqual(try h.read(h.connect(domain: 0), "/bulk/99/99"), "v9999")
    }
}
