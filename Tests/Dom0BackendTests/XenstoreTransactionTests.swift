import Dom0Backend
import XCTest
import XenABI

final class XenstoreTransactionTests: XCTestCase {
    func testWritesInATransactionAreInvisibleOutsideUntilCommit() throws {
        let h = try XenstoreHarness()
        let a = h.connect(domain: 0), b = h.connect(domain: 0)
        let t = try h.start(a)
        XCTAssertEqual(try h.write(a, "/t/x", "1", tx: t), "OK\0")
        XCTAssertEqual(try h.read(a, "/t/x", tx: t), "1")
        XCTAssertEqual(try h.read(b, "/t/x"), "ERR:ENOENT")
        XCTAssertEqual(try h.call(a, .transactionEnd, ["T"], tx: t), "OK\0")
        XCTAssertEqual(try h.read(b, "/t/x"), "1")
    }

    func testConcurrentWritesToAPathTheTransactionReadMakeItsCommitEAGAIN() throws {
        let h = try XenstoreHarness()
        let a = h.connect(domain: 0), b = h.connect(domain: 0)
        _ = try h.write(a, "/c", "0")
        let t1 = try h.start(a), t2 = try h.start(b)
        XCTAssertEqual(try h.read(a, "/c", tx: t1), "0")
        XCTAssertEqual(try h.read(b, "/c", tx: t2), "0")
        _ = try h.write(a, "/c", "1", tx: t1)
        _ = try h.write(b, "/c", "2", tx: t2)
        XCTAssertEqual(try h.call(a, .transactionEnd, ["T"], tx: t1), "OK\0")
        XCTAssertEqual(try h.call(b, .transactionEnd, ["T"], tx: t2), "ERR:EAGAIN")
        XCTAssertEqual(try h.read(a, "/c"), "1")
        // The transaction is gone after EAGAIN.
        XCTAssertEqual(try h.call(b, .transactionEnd, ["T"], tx: t2), "ERR:ENOENT")
    }

    func testTransactionsOnDisjointPathsBothCommit() throws {
        let h = try XenstoreHarness()
        let a = h.connect(domain: 0), b = h.connect(domain: 0)
        _ = try h.write(a, "/j/x", "0")
        _ = try h.write(a, "/j/y", "0")
        let t1 = try h.start(a), t2 = try h.start(b)
        _ = try h.write(a, "/j/x", "1", tx: t1)
        _ = try h.write(b, "/j/y", "2", tx: t2)
        XCTAssertEqual(try h.call(a, .transactionEnd, ["T"], tx: t1), "OK\0")
        XCTAssertEqual(try h.call(b, .transactionEnd, ["T"], tx: t2), "OK\0")
        XCTAssertEqual(try h.read(a, "/j/x"), "1")
        XCTAssertEqual(try h.read(a, "/j/y"), "2")
    }

    func testAChildCreatedUnderANodeATransactionRemovesIsAConflict() throws {
        let h = try XenstoreHarness()
        let a = h.connect(domain: 0), b = h.connect(domain: 0)
        _ = try h.write(a, "/g/x", "0")
        let t = try h.start(a)
        _ = try h.call(a, .rm, ["/g"], tx: t)
        _ = try h.write(b, "/g/x/new", "1")
        XCTAssertEqual(try h.call(a, .transactionEnd, ["T"], tx: t), "ERR:EAGAIN")
        XCTAssertEqual(try h.read(a, "/g/x/new"), "1")
    }

    func testAbortAppliesNothingAndWatchesFireOnlyAtCommit() throws {
        let h = try XenstoreHarness()
        let a = h.connect(domain: 0), w = h.connect(domain: 0)
        _ = try h.send(w, .watch, ["/q", "t"])
        _ = try h.events(for: w)
        let t1 = try h.start(a)
        _ = try h.write(a, "/q/a", "1", tx: t1)
        XCTAssertTrue(try h.events(for: w).isEmpty)
        XCTAssertEqual(try h.call(a, .transactionEnd, ["F"], tx: t1), "OK\0")
        XCTAssertEqual(try h.read(a, "/q/a"), "ERR:ENOENT")
        let t2 = try h.start(a)
        _ = try h.write(a, "/q/b", "1", tx: t2)
        _ = try h.call(a, .transactionEnd, ["T"], tx: t2)
        XCTAssertEqual(try h.events(for: w).map(\.path), ["/q/b"])
    }

    func testAnUnknownTransactionIsENOENTAndAnotherConnectionsTransactionIsNotUsable() throws {
        let h = try XenstoreHarness()
        let a = h.connect(domain: 0), b = h.connect(domain: 0)
        let t = try h.start(a)
        XCTAssertEqual(try h.read(b, "/", tx: t), "ERR:ENOENT")
        XCTAssertEqual(try h.read(a, "/", tx: t &+ 1), "ERR:ENOENT")
        XCTAssertEqual(try h.call(a, .transactionEnd, ["X"], tx: t), "ERR:EINVAL")
    }
}
