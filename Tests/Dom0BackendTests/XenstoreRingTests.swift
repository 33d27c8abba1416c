import Dom0Backend
import XCTest
import XenABI

/// The ring engine against a guest simulated byte for byte as Linux's xenbus_comms.c writes the page.
final class XenstoreRingTests: XCTestCase {
    typealias F = XenstoreRing.Field

    struct Guest {
        var page = [UInt8](repeating: 0, count: 4096)
        func u32(_ at: Int) -> UInt32 { XenstoreRingTestsSupport.u32(page, at) }
        mutating func set(_ at: Int, _ v: UInt32) { XenstoreRingTestsSupport.set(&page, at, v) }

        /// Writes as much of `bytes` as the request ring has room for; returns how much.
        mutating func send(_ bytes: ArraySlice<UInt8>) -> Int {
            var prod = u32(F.reqProd)
            let room = 1024 - Int(prod &- u32(F.reqCons))
            let n = min(room, bytes.count)
            for b in bytes.prefix(n) { page[Int(prod & 1023)] = b; prod &+= 1 }
            set(F.reqProd, prod)
            return n
        }

        mutating func receive() -> [UInt8] {
            var cons = u32(F.rspCons)
            var out: [UInt8] = []
            while cons != u32(F.rspProd) { out.append(page[1024 + Int(cons & 1023)]); cons &+= 1 }
            set(F.rspCons, cons)
            return out
        }
    }

    func testRequestsAreReadAcrossTheWrapAndLeftInTheRingUntilAnswered() {
        var ring = XenstoreRing()
        var guest = Guest()
        // Start near the top of the 32-bit index space so the indices wrap as well as the ring.
        for f in [F.reqCons, F.reqProd, F.rspCons, F.rspProd] { guest.set(f, 0xFFFF_FF00) }
        for i in 0 ..< 50 {
            let m = XsMessage(type: .read, requestID: UInt32(i), strings: ["/local/domain/1/k\(i)"]).encoded()
            XCTAssertEqual(guest.send(m[...]), m.count)
            let step = ring.read(&guest.page)
            XCTAssertEqual(step.requests, [m])
            XCTAssertEqual(guest.u32(F.reqCons), guest.u32(F.reqProd) &- UInt32(m.count), "not consumed before the answer")
            // Reading again before answering would see it again: the contract is read, then answer.
            let reply = XsMessage(type: .read, requestID: UInt32(i), payload: Array("v\(i)".utf8)).encoded()
            let answered = ring.answer(&guest.page, consumed: step.peekedBytes, replies: [reply])
            XCTAssertTrue(answered.notify)
            XCTAssertEqual(guest.u32(F.reqCons), guest.u32(F.reqProd))
            XCTAssertEqual(guest.receive(), reply)
        }
    }

    func testAPartlyWrittenRequestWaitsForTheRest() {
        var ring = XenstoreRing()
        var guest = Guest()
        let m = XsMessage(type: .write, payload: Array("/a\0value".utf8)).encoded()
        _ = guest.send(m[..<10])
        XCTAssertEqual(ring.read(&guest.page).requests, [])
        _ = ring.answer(&guest.page, consumed: 0, replies: [])
        _ = guest.send(m[10...])
        XCTAssertEqual(ring.read(&guest.page).requests, [m])
    }

    func testARequestLongerThanTheRingIsTakenInPieces() {
        var ring = XenstoreRing()
        var guest = Guest()
        let m = XsMessage(type: .write, payload: Array("/big\0".utf8) + [UInt8](repeating: 0x61, count: 3000)).encoded()
        var sent = 0
        var got: [[UInt8]] = []
        while got.isEmpty {
            sent += guest.send(m[sent...])
            let step = ring.read(&guest.page)
            got += step.requests
            _ = ring.answer(&guest.page, consumed: step.peekedBytes, replies: [])
        }
        XCTAssertEqual(got, [m])
        XCTAssertEqual(sent, m.count)
    }

    func testRepliesLongerThanTheRingAreWrittenAsTheGuestMakesRoom() {
        var ring = XenstoreRing()
        var guest = Guest()
        let reply = XsMessage(type: .read, payload: [UInt8](repeating: 0x62, count: 4000)).encoded()
        _ = ring.answer(&guest.page, consumed: 0, replies: [reply])
        var received = guest.receive()
        while ring.hasPendingOutput {
            _ = ring.answer(&guest.page, consumed: 0, replies: [])
            received += guest.receive()
        }
        XCTAssertEqual(received, reply)
    }

    func testBadIndicesAndOversizedHeadersBreakTheRingWithTheErrorSet() {
        var ring = XenstoreRing()
        var guest = Guest()
        guest.set(F.reqProd, 5000)  // 5000 bytes "available" in a 1024-byte ring
        XCTAssertTrue(ring.read(&guest.page).pageChanged)
        XCTAssertEqual(guest.u32(F.error), XenstoreRing.errorRingIndex)
        XCTAssertEqual(ring.read(&guest.page).requests, [])

        var ring2 = XenstoreRing()
        var guest2 = Guest()
        _ = guest2.send(XsHeader(type: .read, requestID: 1, transactionID: 0, length: 5000).encodedBytes[...])
        _ = ring2.read(&guest2.page)
        XCTAssertEqual(guest2.u32(F.error), XenstoreRing.errorProtocol)
    }

    func testRandomPagesNeverTrap() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0 ..< 400 {
            var ring = XenstoreRing()
            var page = (0 ..< 4096).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
            for _ in 0 ..< 3 {
                let step = ring.read(&page)
                _ = ring.answer(&page, consumed: step.peekedBytes, replies: [[1, 2, 3]])
                for f in [F.reqProd, F.rspCons] where Bool.random(using: &rng) {
                    XenstoreRingTestsSupport.set(&page, f, UInt32.random(in: 0 ... UInt32.max, using: &rng))
                }
            }
        }
    }
}

enum XenstoreRingTestsSupport {
    static func u32(_ page: [UInt8], _ at: Int) -> UInt32 {
        UInt32(page[at]) | UInt32(page[at + 1]) << 8 | UInt32(page[at + 2]) << 16 | UInt32(page[at + 3]) << 24
    }
    static func set(_ page: inout [UInt8], _ at: Int, _ v: UInt32) {
        for i in 0 ..< 4 { page[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
    }
}

extension XsHeader {
    var encodedBytes: [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }
}
