import Foundation
import Wire
import XCTest

final class BusTests: XCTestCase {
    let secret = [UInt8](repeating: 7, count: 32)

    func testEveryBusMessageMeetsTheMessageContract() {
        assertMessageContract([BusHello(secret: secret, name: "blkback-web"), BusHello(secret: secret, name: "x")],
                              mutations: 20_000)
        assertMessageContract([BusWelcome(domains: [1, 2]), BusWelcome(domains: [])], mutations: 20_000)
        assertMessageContract([BusAllocUnbound(domain: 1, side: .dom0), BusAllocUnbound(domain: 9, side: .guest)],
                              mutations: 20_000)
        assertMessageContract([BusBindInterdomain(domain: 1, remotePort: 7)], mutations: 20_000)
        assertMessageContract([BusNotify(port: 3)], mutations: 20_000)
        assertMessageContract([BusClose(port: 3)], mutations: 20_000)
        assertMessageContract([BusResult(result: -22), BusResult(result: 0, value: 5)], mutations: 20_000)
        assertMessageContract([
            BusGrantCopy(ops: [.init(read: 1, ref: 8, offset: 0, length: 4096)]),
            BusGrantCopy(ops: [.init(write: 2, ref: 9, offset: 10, data: [1, 2, 3]), .init(read: 1, ref: 2, offset: 5, length: 7),
                               .init(write: 1, ref: 3, offset: 0, data: [9])]),
        ], mutations: 20_000)
        assertMessageContract([
            BusGrantCopyResult(outcomes: [.init(status: 0, data: [1, 2]), .init(status: -8)]),
        ], mutations: 20_000)
        assertMessageContract([BusEvent(port: 4)], mutations: 20_000)
        assertMessageContract([BusDomainEvent(domain: 1, event: .shutdown, reason: 0),
                               BusDomainEvent(domain: 2, event: .init(rawValue: 99))], mutations: 20_000)
        assertMessageContract([BusGetParam(domain: 3, index: 18), BusGetParam(domain: 0xFFFF, index: 0xFFFF_FFFF)],
                              mutations: 20_000)
        assertMessageContract([BusParam(result: 0, index: 1, value: 0x39001), BusParam(result: -1, index: 3)],
                              mutations: 20_000)
        var stats = BusStats()
        stats.received = 5; stats.sessions = 1
        assertMessageContract([stats], mutations: 20_000)
    }

    func testHelloLayoutAndNameRules() throws {
        let payload = BusHello(secret: secret, name: "xs").encodedPayload()
        XCTAssertEqual(payload.count, BusHello.size + 2)
        XCTAssertEqual(Array(payload[0 ..< 32]), secret)
        XCTAssertEqual(Array(payload[32 ..< 34]), [2, 0])
        XCTAssertEqual(Array(payload[40...]), Array("xs".utf8))
        XCTAssertThrowsError(try BusHello(decodingPayload: BusHello(secret: secret, name: "a b").encodedPayload()))
        XCTAssertThrowsError(try BusHello(decodingPayload: BusHello(secret: secret, name: "").encodedPayload()))
        XCTAssertThrowsError(try BusHello(decodingPayload: BusHello(secret: secret, name: String(repeating: "n", count: 65))
            .encodedPayload())) { XCTAssertEqual($0 as? WireError, .oversized(length: 65, limit: 64)) }
    }

    func testGrantCopyBatchesAreBoundedAndCarryWriteDataInOpOrder() throws {
        let batch = BusGrantCopy(ops: [.init(write: 1, ref: 1, offset: 0, data: [0xA]), .init(read: 1, ref: 2, offset: 0, length: 3),
                                       .init(write: 1, ref: 3, offset: 0, data: [0xB, 0xC])])
        let payload = batch.encodedPayload()
        XCTAssertEqual(payload.count, 8 + 3 * 12 + 3)
        XCTAssertEqual(Array(payload[44...]), [0xA, 0xB, 0xC])
        let tooMany = BusGrantCopy(ops: Array(repeating: .init(read: 1, ref: 1, offset: 0, length: 1), count: 33))
        XCTAssertThrowsError(try BusGrantCopy(decodingPayload: tooMany.encodedPayload())) {
            XCTAssertEqual($0 as? WireError, .oversized(length: 33, limit: 32))
        }
        XCTAssertThrowsError(try BusGrantCopy(decodingPayload: BusGrantCopy(ops: []).encodedPayload()))
        var long = BusGrantCopy(ops: [.init(read: 1, ref: 1, offset: 0, length: 1)]).encodedPayload()
        long[18] = 0x01; long[19] = 0x10  // length 4097
        XCTAssertThrowsError(try BusGrantCopy(decodingPayload: long)) {
            XCTAssertEqual($0 as? WireError, .oversized(length: 4097, limit: 4096))
        }
    }

    func testTheSecretFileIsWrittenPrivateAndRefusedWhenOthersCanReadIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bus-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/bus.secret"
        let s = BusSecret.generate()
        XCTAssertEqual(s.count, 32)
        XCTAssertNotEqual(s, BusSecret.generate())
        try BusSecret.write(s, to: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        XCTAssertEqual(try BusSecret.load(from: path), s)
        chmod(path, 0o644)
        XCTAssertThrowsError(try BusSecret.load(from: path)) {
            XCTAssertEqual($0 as? BusSecret.Failure, .tooOpen(path: path, mode: 0o644))
        }
        chmod(path, 0o600)
        try "not hex at all, not hex at all, not hex at all, not hex at all!!\n".write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o600)
        XCTAssertThrowsError(try BusSecret.load(from: path)) {
            XCTAssertEqual($0 as? BusSecret.Failure, .badContent(path: path))
        }
        symlink(path, dir + "/link")
        XCTAssertThrowsError(try BusSecret.load(from: dir + "/link"), "a symlink is not followed")
    }

    func testSecretsCompareWholly() {
        XCTAssertTrue(BusSecret.matches(secret, secret))
        var other = secret
        other[31] ^= 1
        XCTAssertFalse(BusSecret.matches(secret, other))
        XCTAssertFalse(BusSecret.matches(secret, Array(secret.prefix(31))))
    }
}
