import Dom0Backend
import XCTest
import XenABI

final class XenstoreQuotaTests: XCTestCase {
    func harness(_ configure: (inout XenstoreQuota) -> Void) throws -> (XenstoreHarness, Int, Int, Int) {
        var q = XenstoreQuota()
        configure(&q)
        let h = try XenstoreHarness(quota: q)
        let dom0 = h.connect(domain: 0)
        for d in [1, 2] {
            _ = try h.call(dom0, .mkdir, ["/local/domain/\(d)"])
            _ = try h.call(dom0, .setPerms, ["/local/domain/\(d)", "n\(d)"])
        }
        return (h, dom0, h.connect(domain: 1), h.connect(domain: 2))
    }

    func testTheNodeQuotaStopsOneDomainWithoutAffectingAnother() throws {
        let (h, dom0, g1, g2) = try harness { $0.nodesPerDomain = 10 }
        // The home itself (owned by the guest) counts: 9 more fit.
        for i in 0 ..< 9 { XCTAssertEqual(try h.write(g1, "n\(i)", "x"), "OK\0") }
        XCTAssertEqual(try h.write(g1, "one-too-many", "x"), "ERR:ENOSPC")
        XCTAssertEqual(try h.write(g1, "n0", "rewrite is fine"), "OK\0")
        XCTAssertEqual(try h.write(g2, "fresh", "x"), "OK\0")
        XCTAssertEqual(try h.write(dom0, "/by-dom0", "x"), "OK\0")
        _ = try h.call(g1, .rm, ["n0"])
        XCTAssertEqual(try h.write(g1, "now-fits", "x"), "OK\0")
    }

    func testTheNodeSizeQuotaAppliesToDomUsOnly() throws {
        let (h, dom0, g1, _) = try harness { $0.nodeSize = 16 }
        XCTAssertEqual(try h.write(g1, "v", String(repeating: "a", count: 17)), "ERR:ENOSPC")
        XCTAssertEqual(try h.write(g1, "v", String(repeating: "a", count: 16)), "OK\0")
        XCTAssertEqual(try h.write(dom0, "/big", String(repeating: "a", count: 4000)), "OK\0")
    }

    func testTheWatchQuotaIsPerDomain() throws {
        let (h, _, g1, g2) = try harness { $0.watchesPerDomain = 3 }
        let g1b = h.connect(domain: 1)
        for i in 0 ..< 2 { XCTAssertEqual(h.answer(try h.send(g1, .watch, ["w\(i)", "t"])), "OK\0") }
        XCTAssertEqual(h.answer(try h.send(g1b, .watch, ["w2", "t"])), "OK\0")
        XCTAssertEqual(h.answer(try h.send(g1b, .watch, ["w3", "t"])), "ERR:ENOSPC")
        XCTAssertEqual(h.answer(try h.send(g2, .watch, ["w0", "t"])), "OK\0")
    }

    func testTheTransactionQuotaIsPerConnection() throws {
        let (h, _, g1, g2) = try harness { $0.transactionsPerConnection = 2 }
        _ = try h.start(g1)
        _ = try h.start(g1)
        XCTAssertEqual(try h.call(g1, .transactionStart, [""]), "ERR:ENOSPC")
        XCTAssertNoThrow(try h.start(g2))
    }
}
