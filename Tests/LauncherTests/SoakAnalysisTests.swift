import Foundation
import XCTest
import Launcher

/// The soak's judges (docs/restart.md, "The report"): the image check, the guest line parser, percentiles, the
/// neighbour throughput, and which processes may be killed with what probe.
final class SoakAnalysisTests: XCTestCase {
    /// One self-describing sector as Guests/lib/blkpattern.h writes it.
    static func sector(seq: UInt64, sector: UInt64) -> [UInt8] {
        let stamp = (seq << 32) | (sector & 0xFFFF_FFFF)
        var bytes: [UInt8] = []
        for j in 0..<64 {
            let word = stamp ^ (UInt64(j) &* 0x9E37_79B9_7F4A_7C15)
            for b in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: word >> (8 * UInt64(b)))) }
        }
        return bytes
    }

    func image(_ sectors: [[UInt8]]) throws -> String {
        let path = NSTemporaryDirectory() + "soak-image-\(UUID().uuidString).img"
        try Data(sectors.flatMap { $0 }).write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testAnImageHoldingEveryLastAcknowledgedWriteLosesNothing() throws {
        // Write 1 covers 0..3, write 2 covers 2..5 later: sectors 2, 3 must hold 2.
        let path = try image([Self.sector(seq: 1, sector: 0), Self.sector(seq: 1, sector: 1),
                              Self.sector(seq: 2, sector: 2), Self.sector(seq: 2, sector: 3),
                              Self.sector(seq: 2, sector: 4), Self.sector(seq: 2, sector: 5),
                              [UInt8](repeating: 0, count: 512)])
        let check = SoakImageCheck(image: path, acks: [.init(seq: 1, sector: 0, count: 4), .init(seq: 2, sector: 2, count: 4)],
                                   failed: [])
        XCTAssertEqual(check.sectorsChecked, 6)  // sector 6 was never acknowledged: not judged
        XCTAssertEqual(check.sectorsLost, 0)
        XCTAssertEqual(check.writesLost, 0)
    }

    func testASectorStillHoldingAnOlderWriteIsAnAcknowledgedWriteLost() throws {
        let path = try image([Self.sector(seq: 1, sector: 0), Self.sector(seq: 1, sector: 1)])
        let check = SoakImageCheck(image: path, acks: [.init(seq: 1, sector: 0, count: 2), .init(seq: 2, sector: 1, count: 1)],
                                   failed: [])
        XCTAssertEqual(check.sectorsLost, 1)
        XCTAssertEqual(check.writesLost, 1)
        XCTAssertEqual(check.details, ["sector 1: want seq 2, image holds seq 1"])
    }

    func testATornOrMisplacedSectorIsLostAndAFailedLaterWriteMayHaveLanded() throws {
        var torn = Self.sector(seq: 3, sector: 0)
        torn[300] ^= 1
        let path = try image([torn, Self.sector(seq: 3, sector: 2), Self.sector(seq: 4, sector: 2)])
        let check = SoakImageCheck(image: path, acks: [.init(seq: 3, sector: 0, count: 3)],
                                   failed: [.init(seq: 4, sector: 2, count: 1)])
        // Sector 0 is torn, sector 1 holds sector 2's stamp, sector 2 holds the failed write 4: accepted.
        XCTAssertEqual(check.sectorsLost, 2)
        XCTAssertEqual(check.writesLost, 1)
        XCTAssertEqual(check.details, ["sector 0: want seq 3, image holds not a stamp",
                                       "sector 1: want seq 3, image holds not a stamp"])
    }

    func testAMissingImageLosesEveryAcknowledgedWrite() {
        let check = SoakImageCheck(image: "/nonexistent/soak.img", acks: [.init(seq: 1, sector: 0, count: 2)], failed: [])
        XCTAssertEqual(check.sectorsLost, 2)
        XCTAssertEqual(check.writesLost, 1)
    }

    func testGuestLinesAreReadPerDomain() {
        let lines = [
            "ACK seq=1 sector=10 count=2", "READ ok sector=10 count=2", "WRONG sector=11 want=1 got=0",
            "ERR op=write seq=2 sector=5 count=1 rc=-5", "ERR op=flush sector=0 count=0 rc=-5",
            "PROGRESS 20 t=150 writes=14 reads=6", "BLKFRONT vbd=51712 connected", "RESULT fail status=1",
        ].enumerated().map { SoakLine(time: Double($0.offset), domain: "a", text: $0.element) }
            + [SoakLine(time: 9, domain: "b", text: "ACK seq=9 sector=0 count=1")]
        let log = SoakGuestLog(domain: "a", lines: lines)
        XCTAssertEqual(log.acks, [.init(seq: 1, sector: 10, count: 2)])
        XCTAssertEqual(log.failedWrites, [.init(seq: 2, sector: 5, count: 1)])
        XCTAssertEqual(log.readsOK, 1)
        XCTAssertEqual(log.wrong.count, 1)
        XCTAssertEqual(log.errors.count, 2)
        XCTAssertEqual(log.progress, [.init(arrival: 5, counter: 20, guestMilliseconds: 150)])
        XCTAssertEqual(log.result, "RESULT fail status=1")
    }

    func testNumberedConsoleLinesCountMissingAndRepeated() {
        let texts = ["line 000001 x", "line 000002 x", "line 000002 x", "line 000004 x", "LINES done count=5"]
        let log = SoakGuestLog(domain: "e", lines: texts.map { SoakLine(time: 0, domain: "e", text: $0) })
        XCTAssertEqual(log.numberedDefects.expected, 5)
        XCTAssertEqual(log.numberedDefects.missing, 2)   // 3 and 5
        XCTAssertEqual(log.numberedDefects.repeated, 1)  // the second 2
    }

    func testPercentilesAreNearestRank() throws {
        let stats = try XCTUnwrap(SoakStats((1...100).map(Double.init).reversed()))
        XCTAssertEqual(stats.count, 100)
        XCTAssertEqual(stats.p50, 50)
        XCTAssertEqual(stats.p99, 99)
        XCTAssertEqual(stats.max, 100)
        XCTAssertEqual(SoakStats([7])?.p99, 7)
        XCTAssertNil(SoakStats([]))
    }

    func testANeighbourHalvedDuringRestartsIsAtHalfItsUndisturbedRate() throws {
        // 1 unit/ms, except 0.5 unit/ms inside [1000, 2000): counters every 100 ms, lines arriving late.
        var samples: [SoakGuestLog.Sample] = []
        var counter = 0.0
        for t in stride(from: 0.0, through: 3000, by: 100) {
            samples.append(.init(arrival: 10_000 + t + (t >= 1000 && t < 2000 ? 400 : 5), counter: counter, guestMilliseconds: t))
            counter += (t >= 1000 && t < 2000) ? 50 : 100
        }
        // Guest time t maps to host time 10 005 + t (the smallest arrival - t).
        let n = SoakThroughput.measure(domain: "n", samples: samples, windows: [(start: 11_005, end: 12_005)])
        XCTAssertEqual(try XCTUnwrap(n.fraction), 0.5, accuracy: 0.001)
        XCTAssertEqual(try XCTUnwrap(n.undisturbedPerSecond), 1000, accuracy: 0.1)
        XCTAssertEqual(n.windowSeconds, 1, accuracy: 0.001)
        // No window: nothing to compare.
        XCTAssertNil(SoakThroughput.measure(domain: "n", samples: samples, windows: []).fraction)
    }

    func testTargetsAreEveryDom0ProcessWithTheProbeOfTheDomainItServes() throws {
        let topology = Topology(
            sourcePath: "/t/soak.yaml", name: "soak",
            machine: MachineSpec(memoryBytes: 64 << 20, hypervisorReserveBytes: 8 << 20), xenstored: XenstoredSpec(),
            domains: [DomainSpec(name: "a", memoryBytes: 8 << 20, kernel: "/k.elf"),
                      DomainSpec(name: "b", memoryBytes: 8 << 20, kernel: "/k.elf")],
            devices: [DeviceModelSpec(name: "disk0", kind: .disk(image: "d0.img", sizeBytes: 1 << 20, create: true, readOnly: false)),
                      DeviceModelSpec(name: "term0", kind: .terminal(log: "t.log")),
                      DeviceModelSpec(name: "disk9", kind: .disk(image: "d9.img", sizeBytes: 1 << 20, create: true, readOnly: false))],
            backends: [BackendSpec(name: "blk0", kind: .blk, domain: "a", device: "xvda", model: "disk0"),
                       BackendSpec(name: "cons0", kind: .console, domain: "b", device: "console", model: "term0")],
            workloads: [WorkloadSpec(name: "w", kind: .diskExercise, target: "disk9")])
        let plan = ProcessPlan(topology: topology, runDirectory: "/tmp/run")
        let targets = SoakTargets.all(topology: topology, plan: plan)
        XCTAssertEqual(targets.map(\.name), ["xenstored", "disk0", "term0", "disk9", "blk0", "cons0"])
        XCTAssertEqual(targets.map(\.kind), ["xenstored", "disk", "terminal", "disk", "blk", "console"])
        XCTAssertEqual(targets.map(\.probe), [.xenstoreLine, .blockIO(domain: "a"), .consoleLine(domain: "b"), .none,
                                              .blockIO(domain: "a"), .consoleLine(domain: "b")])
        XCTAssertEqual(try SoakTargets.select(targets, kinds: ["disk"]).map(\.name), ["disk0", "disk9"])
        XCTAssertThrowsError(try SoakTargets.select(targets, kinds: ["net"])) { error in
            XCTAssertEqual(error as? SoakError, .unknownKind("net", available: ["blk", "console", "disk", "terminal", "xenstored"]))
        }
    }
}
