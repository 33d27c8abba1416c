import XCTest
import DeviceModels

final class RequestLedgerTests: XCTestCase {
    typealias Ledger = RequestLedger<String>

    private func print(_ sector: UInt64, _ data: [UInt8] = []) -> Ledger.Fingerprint {
        Ledger.Fingerprint(operation: 1, firstSector: sector, sectorCount: 1, data: data)
    }

    func testAnUnknownIdIsNew() {
        let ledger = Ledger()
        guard case .new = ledger.lookup(id: 7, fingerprint: print(0)) else { return XCTFail() }
    }

    func testARetriedIdReplaysItsRecordedReply() {
        var ledger = Ledger()
        ledger.record(id: 7, fingerprint: print(3, [1, 2]), reply: "ok #7")
        guard case .replay(let reply) = ledger.lookup(id: 7, fingerprint: print(3, [1, 2])) else { return XCTFail() }
        XCTAssertEqual(reply, "ok #7")
    }

    func testAReusedIdWithOtherContentIsAConflict() {
        var ledger = Ledger()
        ledger.record(id: 7, fingerprint: print(3, [1, 2]), reply: "ok")
        guard case .conflict = ledger.lookup(id: 7, fingerprint: print(3, [1, 3])) else { return XCTFail("data") }
        guard case .conflict = ledger.lookup(id: 7, fingerprint: print(4, [1, 2])) else { return XCTFail("sector") }
    }

    func testTheOldestRepliesAreForgottenBeyondTheEntryBound() {
        var ledger = Ledger(maxEntries: 3)
        for id in UInt64(1)...5 { ledger.record(id: id, fingerprint: print(id), reply: "r\(id)") }
        XCTAssertEqual(ledger.count, 3)
        XCTAssertEqual(ledger.evictions, 2)
        guard case .new = ledger.lookup(id: 1, fingerprint: print(1)) else { return XCTFail() }
        guard case .new = ledger.lookup(id: 2, fingerprint: print(2)) else { return XCTFail() }
        guard case .replay("r3") = ledger.lookup(id: 3, fingerprint: print(3)) else { return XCTFail() }
        guard case .replay("r5") = ledger.lookup(id: 5, fingerprint: print(5)) else { return XCTFail() }
    }

    func testPayloadBytesAreBoundedToo() {
        var ledger = Ledger(maxEntries: 100, maxPayloadBytes: 1000)
        ledger.record(id: 1, fingerprint: print(1), reply: "a", payload: 600)
        ledger.record(id: 2, fingerprint: print(2), reply: "b", payload: 600)
        XCTAssertEqual(ledger.payloadBytes, 600)
        guard case .new = ledger.lookup(id: 1, fingerprint: print(1)) else { return XCTFail() }
        // A reply bigger than the whole budget is simply not kept.
        ledger.record(id: 3, fingerprint: print(3), reply: "c", payload: 5000)
        guard case .new = ledger.lookup(id: 3, fingerprint: print(3)) else { return XCTFail() }
        guard case .replay("b") = ledger.lookup(id: 2, fingerprint: print(2)) else { return XCTFail() }
    }

    func testALongRunStaysWithinItsBounds() {
        var ledger = Ledger(maxEntries: 64)
        for id in UInt64(0)..<100_000 { ledger.record(id: id, fingerprint: print(id), reply: "") }
        XCTAssertEqual(ledger.count, 64)
        guard case .replay = ledger.lookup(id: 99_999, fingerprint: print(99_999)) else { return XCTFail() }
        guard case .new = ledger.lookup(id: 99_935, fingerprint: print(99_935)) else { return XCTFail() }
    }
}
