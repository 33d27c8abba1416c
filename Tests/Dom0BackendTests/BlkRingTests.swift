import XCTest
import Dom0Backend
import XenABI

/// blkback's ring index logic (Dom0Backend/Blk/BlkRing.swift): ring.h's BACK_RING rules with free-running
/// indices, wrap-around, overflow from a hostile req_prod, and the notify rule of
/// RING_PUSH_RESPONSES_AND_CHECK_NOTIFY.
final class BlkRingTests: XCTestCase {
    func testAFreshRingHasNothingPendingAtReqProdZero() {
        XCTAssertEqual(BlkRing().pending(reqProd: 0), .none)
    }

    func testNewRequestsAreTheIndicesFromReqConsToReqProd() {
        var ring = BlkRing()
        XCTAssertEqual(ring.pending(reqProd: 3), .requests(start: 0, count: 3))
        ring.consume(3)
        XCTAssertEqual(ring.pending(reqProd: 3), .none)
        XCTAssertEqual(ring.requestConsumer, 3)
    }

    func testAFullRingOfThirtyTwoRequestsIsAcceptedAndThirtyThreeIsOverflow() {
        XCTAssertEqual(BlkRing().pending(reqProd: 32), .requests(start: 0, count: 32))
        XCTAssertEqual(BlkRing().pending(reqProd: 33), .overflow(distance: 33))
    }

    func testOverflowCountsFromTheOldestUnansweredSlotNotFromReqCons() {
        // 32 consumed, none answered: the guest may not produce a 33rd (it would overwrite an unanswered slot).
        var ring = BlkRing()
        ring.consume(32)
        XCTAssertEqual(ring.pending(reqProd: 33), .overflow(distance: 33))
        for _ in 0 ..< 5 { _ = ring.nextResponseSlot() }
        XCTAssertEqual(ring.pending(reqProd: 37), .requests(start: 32, count: 5))
    }

    func testAReqProdFarPastTheRingOrBehindIsOverflowNotATrap() {
        var ring = BlkRing()
        ring.consume(4)
        for _ in 0 ..< 4 { _ = ring.nextResponseSlot() }
        XCTAssertEqual(ring.pending(reqProd: 0xffff_fff0), .overflow(distance: 0xffff_fff0 &- 4))
        XCTAssertEqual(ring.pending(reqProd: 2), .overflow(distance: 2 &- 4))
        XCTAssertEqual(ring.pending(reqProd: UInt32.max), .overflow(distance: UInt32.max &- 4))
    }

    func testSlotsAreMaskedIntoTheThirtyTwoSlotsAfterTheSixtyFourByteHeader() {
        XCTAssertEqual(Blkif.slotOffset(0), 64)
        XCTAssertEqual(Blkif.slotOffset(31), 64 + 31 * 112)
        XCTAssertEqual(Blkif.slotOffset(32), 64)
        XCTAssertEqual(Blkif.slotOffset(UInt32.max), 64 + 31 * 112)
        XCTAssertLessThanOrEqual(Blkif.slotOffset(31) + 112, 4096)
    }

    func testResponsesTakeSlotsInOrderAndPushNotifiesWhenRspEventIsInsideTheNewOnes() {
        var ring = BlkRing()
        ring.consume(3)
        XCTAssertEqual(ring.nextResponseSlot(), 64)
        XCTAssertEqual(ring.nextResponseSlot(), 64 + 112)
        XCTAssertEqual(ring.unpublished, 2)
        // The guest waits for response 1 (rsp_event = rsp_cons + 1 = 1): (2 - 1) < (2 - 0): notify.
        XCTAssertTrue(ring.push(rspEvent: 1))
        XCTAssertEqual(ring.publishedResponses, 2)
        XCTAssertEqual(ring.unpublished, 0)
        _ = ring.nextResponseSlot()
        // rsp_event 10 is beyond the new response 3: no notification (the guest is not waiting for it).
        XCTAssertFalse(ring.push(rspEvent: 10))
    }

    func testPendingAndPushAcrossTheIndexWrap() {
        var ring = BlkRing(startingAt: UInt32.max - 1)
        // Requests max-1, max, 0: three of them although req_prod (1) is numerically below req_cons.
        XCTAssertEqual(BlkRing.indices(from: UInt32.max - 1, count: 3), [UInt32.max - 1, UInt32.max, 0])
        XCTAssertEqual(ring.pending(reqProd: 1), .requests(start: UInt32.max - 1, count: 3))
        ring.consume(3)
        XCTAssertEqual(ring.pending(reqProd: 1), .none)
        for _ in 0 ..< 3 { _ = ring.nextResponseSlot() }
        XCTAssertEqual(ring.responseProducer, 1)
        // The guest waits for response max (rsp_event = max): inside (max-1, 1]: notify.
        XCTAssertTrue(ring.push(rspEvent: UInt32.max))
        XCTAssertEqual(ring.requestEvent, 2)
    }

    func testRequestEventAsksForTheNextRequest() {
        var ring = BlkRing()
        ring.consume(7)
        XCTAssertEqual(ring.requestEvent, 8)
    }
}
