import Foundation
import XCTest
import DeviceModels
import Wire

/// The disk model behind a real ROUTER on an ipc socket, driven by the real `RequestClient`.
final class DiskModelTests: XCTestCase {
    private var directory = ""
    private var endpoint = ""
    private var imagePath = ""
    private let stop = StopSignal()
    private var serverThread: Thread?
    private let finished = DispatchSemaphore(value: 0)
    private var context: ZMQContext!
    /// Set by the server thread once bound; read after `ready` is signalled (the semaphore orders the two).
    private final class CountersSlot: @unchecked Sendable { var read: (@Sendable () -> [String: Int64])? }
    private let slot = CountersSlot()
    private var counters: (@Sendable () -> [String: Int64])? { slot.read }

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "xenarm-diskmodel-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        endpoint = "ipc://\(directory)/disk.ipc"
        imagePath = "\(directory)/disk.img"
        context = try ZMQContext()
    }

    override func tearDown() {
        stop.stop()
        if serverThread != nil { finished.wait() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func startModel(size: UInt64 = 1 << 20, readOnly: Bool = false) throws {
        if readOnly { _ = try DiskImage(path: imagePath, size: size, create: true) }
        let ready = DispatchSemaphore(value: 0)
        let configuration = DiskModelProcess.Configuration(
            name: "disk-test", endpoint: endpoint, imagePath: imagePath, size: size, create: true, readOnly: readOnly)
        nonisolated(unsafe) var startError: Error?
        let thread = Thread { [context, stop, finished, slot] in
            do {
                let model = try DiskModelProcess(configuration, context: context!, stopSignal: stop)
                slot.read = model.counters
                ready.signal()
                try model.run()
            } catch {
                startError = error
                ready.signal()
            }
            finished.signal()
        }
        serverThread = thread
        thread.start()
        ready.wait()
        if let startError { throw startError }
    }

    private func client() throws -> RequestClient {
        try RequestClient(context: context, connect: endpoint, timeout: .seconds(2), attempts: 1)
    }

    private func sectors(_ count: Int, _ byte: UInt8) -> [UInt8] { [UInt8](repeating: byte, count: count * 512) }

    func testReadWriteFlushAndDiscardAreServedOverIpc() throws {
        try startModel()
        let client = try client()
        let write = try client.call(DiskRequest(op: .write, requestID: 1, firstSector: 8, sectorCount: 2,
                                                data: sectors(2, 0xC3)), expecting: DiskResponse.self)
        XCTAssertEqual(write, DiskResponse(requestID: 1, status: .ok))
        let read = try client.call(DiskRequest(op: .read, requestID: 2, firstSector: 8, sectorCount: 3),
                                   expecting: DiskResponse.self)
        XCTAssertEqual(read.status, .ok)
        XCTAssertEqual(read.data, sectors(2, 0xC3) + sectors(1, 0))
        let flush = try client.call(DiskRequest(op: .flush, requestID: 3, firstSector: 0, sectorCount: 0),
                                    expecting: DiskResponse.self)
        XCTAssertEqual(flush.status, .ok)
        let discard = try client.call(DiskRequest(op: .discard, requestID: 4, firstSector: 9, sectorCount: 1),
                                      expecting: DiskResponse.self)
        XCTAssertEqual(discard.status, .ok)
        let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: imagePath)))
        XCTAssertEqual(Array(file[(8 * 512)..<(9 * 512)]), sectors(1, 0xC3))
        XCTAssertEqual(Array(file[(9 * 512)..<(10 * 512)]), sectors(1, 0))
        let counters = try XCTUnwrap(self.counters?())
        XCTAssertEqual(counters["requests"], 4)
        XCTAssertEqual(counters["bytesWritten"], 1024)
        XCTAssertEqual(counters["bytesRead"], 1536)
        XCTAssertEqual(counters["errors"], 0)
    }

    func testARetriedRequestIdIsAnsweredFromTheLedgerNotExecutedAgain() throws {
        try startModel()
        let client = try client()
        let first = DiskRequest(op: .write, requestID: 50, firstSector: 0, sectorCount: 1, data: sectors(1, 0xAA))
        XCTAssertEqual(try client.call(first, expecting: DiskResponse.self).status, .ok)
        // Another request overwrites the sector; then the first one is "retried" (its reply was lost).
        let second = DiskRequest(op: .write, requestID: 51, firstSector: 0, sectorCount: 1, data: sectors(1, 0xBB))
        XCTAssertEqual(try client.call(second, expecting: DiskResponse.self).status, .ok)
        XCTAssertEqual(try client.call(first, expecting: DiskResponse.self), DiskResponse(requestID: 50, status: .ok))
        let read = try client.call(DiskRequest(op: .read, requestID: 52, firstSector: 0, sectorCount: 1),
                                   expecting: DiskResponse.self)
        XCTAssertEqual(read.data, sectors(1, 0xBB), "a replayed write must not be executed again")
        XCTAssertEqual(self.counters?()["replays"], 1)
        XCTAssertEqual(self.counters?()["writes"], 2)
    }

    func testAReplayedReadReturnsTheRecordedData() throws {
        try startModel()
        let client = try client()
        _ = try client.call(DiskRequest(op: .write, requestID: 1, firstSector: 4, sectorCount: 1,
                                        data: sectors(1, 0x11)), expecting: DiskResponse.self)
        let read = DiskRequest(op: .read, requestID: 2, firstSector: 4, sectorCount: 1)
        XCTAssertEqual(try client.call(read, expecting: DiskResponse.self).data, sectors(1, 0x11))
        _ = try client.call(DiskRequest(op: .write, requestID: 3, firstSector: 4, sectorCount: 1,
                                        data: sectors(1, 0x22)), expecting: DiskResponse.self)
        XCTAssertEqual(try client.call(read, expecting: DiskResponse.self).data, sectors(1, 0x11))
    }

    func testAnIdReusedForAnotherRequestIsRefused() throws {
        try startModel()
        let client = try client()
        _ = try client.call(DiskRequest(op: .write, requestID: 9, firstSector: 1, sectorCount: 1,
                                        data: sectors(1, 1)), expecting: DiskResponse.self)
        let reused = try client.call(DiskRequest(op: .write, requestID: 9, firstSector: 1, sectorCount: 1,
                                                 data: sectors(1, 2)), expecting: DiskResponse.self)
        XCTAssertEqual(reused.status, .badRequest)
        XCTAssertEqual(self.counters?()["idConflicts"], 1)
        let read = try client.call(DiskRequest(op: .read, requestID: 10, firstSector: 1, sectorCount: 1),
                                   expecting: DiskResponse.self)
        XCTAssertEqual(read.data, sectors(1, 1))
    }

    func testBadRequestsGetTheirStatus() throws {
        try startModel(size: 64 * 512)
        let client = try client()
        func status(_ request: DiskRequest) throws -> DiskResponse.Status {
            try client.call(request, expecting: DiskResponse.self).status
        }
        XCTAssertEqual(try status(DiskRequest(op: .read, requestID: 1, firstSector: 63, sectorCount: 2)), .outOfRange)
        XCTAssertEqual(try status(DiskRequest(op: .read, requestID: 2, firstSector: .max, sectorCount: 2)), .outOfRange)
        XCTAssertEqual(try status(DiskRequest(op: .write, requestID: 3, firstSector: 0, sectorCount: 2,
                                              data: sectors(1, 1))), .misaligned)
        XCTAssertEqual(try status(DiskRequest(op: .init(rawValue: 77), requestID: 4, firstSector: 0, sectorCount: 1)),
                       .badRequest)
        XCTAssertEqual(try status(DiskRequest(op: .flush, requestID: 5, firstSector: 0, sectorCount: 3)), .badRequest)
        XCTAssertEqual(self.counters?()["errors"], 5)
    }

    func testAReadOnlyModelRefusesWritesAndDiscards() throws {
        try startModel(readOnly: true)
        let client = try client()
        let write = try client.call(DiskRequest(op: .write, requestID: 1, firstSector: 0, sectorCount: 1,
                                                data: sectors(1, 1)), expecting: DiskResponse.self)
        XCTAssertEqual(write.status, .readOnly)
        let discard = try client.call(DiskRequest(op: .discard, requestID: 2, firstSector: 0, sectorCount: 1),
                                      expecting: DiskResponse.self)
        XCTAssertEqual(discard.status, .readOnly)
        let read = try client.call(DiskRequest(op: .read, requestID: 3, firstSector: 0, sectorCount: 1),
                                   expecting: DiskResponse.self)
        XCTAssertEqual(read.status, .ok)
    }

    func testGarbageGetsAnErrorReplyIsCountedAndTheModelKeepsServing() throws {
        try startModel()
        let raw = try context.socket(.dealer)
        try raw.connect(endpoint)
        try raw.send([UInt8]("this is not a frame at all, but long enough to have a header".utf8))
        let answer = try raw.receive()
        XCTAssertThrowsError(try Frame.decode(DiskResponse.self, from: answer)) { error in
            guard case .remote(let code, _) = error as? WireError else { return XCTFail("\(error)") }
            XCTAssertEqual(code, .malformed)
        }
        // A DiskRequest frame whose payload is cut short.
        var frame = Frame.encode(DiskRequest(op: .read, requestID: 1, firstSector: 0, sectorCount: 1), sequence: 9)
        frame.removeLast(8)
        frame.replaceSubrange(12..<16, with: [UInt8(frame.count - 32), 0, 0, 0])
        try raw.send(frame)
        XCTAssertThrowsError(try Frame.decode(DiskResponse.self, from: try raw.receive()))
        raw.close()
        let client = try client()
        let read = try client.call(DiskRequest(op: .read, requestID: 2, firstSector: 0, sectorCount: 1),
                                   expecting: DiskResponse.self)
        XCTAssertEqual(read.status, .ok)
        XCTAssertEqual(self.counters?()["malformed"], 2)
    }

    func testAMissingImageFailsToStartWithItsName() {
        let configuration = DiskModelProcess.Configuration(
            name: "d", endpoint: endpoint, imagePath: imagePath, size: 4096)
        XCTAssertThrowsError(try DiskModelProcess(configuration, context: context)) { error in
            XCTAssertEqual(error as? DiskError, .imageMissing(path: imagePath))
        }
    }

    func testRandomRequestsNeverTrapNorTouchOutsideTheImage() throws {
        let size: UInt64 = 64 * 512
        let image = try DiskImage(path: imagePath, size: size, create: true)
        var model = DiskModel(image: image, ledger: RequestLedger(maxEntries: 16))
        var random = SeededGenerator(seed: 2026)
        let interesting: [UInt64] = [0, 1, 63, 64, 65, .max, .max - 1, 1 << 55, UInt64(Int64.max)]
        for index in 0..<4_000 {
            let first = random.next() % 2 == 0 ? interesting[Int(random.next() % 9)] : random.next() % 80
            let count = UInt32(truncatingIfNeeded: random.next() % 3 == 0 ? random.next() : random.next() % 300)
            let dataLength = [0, 512, Int(count % 300) * 512, 100][Int(random.next() % 4)]
            let request = DiskRequest(op: .init(rawValue: UInt8(random.next() % 6)),
                                      requestID: random.next() % 40, firstSector: first, sectorCount: count,
                                      data: [UInt8](repeating: UInt8(index & 0xFF), count: dataLength))
            let response = model.execute(request)
            XCTAssertEqual(response.requestID, request.requestID)
            if response.status == .ok && request.op == .read {
                XCTAssertEqual(response.data.count, Int(count) * 512)
            }
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: imagePath)
        XCTAssertEqual((attributes[.size] as? NSNumber)?.uint64Value, size)
    }
}
