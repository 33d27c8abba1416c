import Foundation
import XCTest
import Launcher

/// The isolation battery's pure parts (docs/isolation.md): the verdict rule, who plays which role, the report,
/// and the parsing of the launcher's output. The battery itself runs in
/// Tests/Integration/isolation/test_isolation_command.py.
final class IsolationBatteryTests: XCTestCase {
    func testACheckHoldsOnlyWhenTheAttemptWasRefusedAndTheControlSucceeded() {
        func verdict(_ refused: Bool?, _ control: Bool?) -> IsolationCheck.Verdict {
            IsolationCheck.judge(group: "g", name: "n", attempted: "a", expected: "e", observed: refused.map { "\($0)" },
                                 refused: refused, control: control.map { "\($0)" }, controlSucceeded: control).verdict
        }
        XCTAssertEqual(verdict(true, true), .holds)
        XCTAssertEqual(verdict(false, true), .fails)
        XCTAssertEqual(verdict(true, false), .fails)
        XCTAssertEqual(verdict(true, nil), .fails)   // a control that never ran proves nothing
        XCTAssertEqual(verdict(nil, true), .fails)   // nor an attempt nobody reported
        let silent = IsolationCheck.judge(group: "g", name: "n", attempted: "a", expected: "e", observed: nil,
                                          refused: nil, control: nil, controlSucceeded: nil)
        XCTAssertEqual(silent.observed, "nothing reported")
        XCTAssertEqual(silent.control, "nothing reported")
    }

    func testRolesAreFoundByProgramArgumentsCapAndBackend() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("isolation-roles-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // The loader wants ARM ELF kernels: the fixtures' minimal one under each probe's name.
        let elf = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/kernels/minimal.elf")
        for p in ["probe-mem", "probe-hcall", "probe-evtchn", "probe-grant", "probe-xs", "probe-crash", "compute"] {
            try FileManager.default.copyItem(at: elf, to: dir.appendingPathComponent("\(p).elf"))
        }
        let yaml = """
            machine: {memory: 128MiB}
            xenstored: {}
            domains:
              - {name: m, memory: 8MiB, kernel: probe-mem.elf, args: "addr=0x40c00000"}
              - {name: f, memory: 4MiB, kernel: probe-hcall.elf, args: "seed=1 count=10"}
              - {name: o, memory: 4MiB, kernel: probe-evtchn.elf, args: "role=offer remote=0"}
              - {name: p, memory: 4MiB, kernel: probe-evtchn.elf, args: "peer=3"}
              - {name: e, memory: 4MiB, kernel: probe-evtchn.elf, args: "role=exhaust"}
              - {name: g, memory: 4MiB, kernel: probe-grant.elf, args: "export"}
              - {name: v, memory: 4MiB, kernel: probe-xs.elf, args: "role=victim other=8"}
              - {name: a, memory: 4MiB, kernel: probe-xs.elf, args: "role=attack other=7"}
              - {name: c, memory: 4MiB, kernel: probe-crash.elf}
              - {name: s, memory: 4MiB, kernel: compute.elf, args: "spin=1", cap: 20}
              - {name: w, memory: 4MiB, kernel: compute.elf, args: "spin=1"}
              - {name: q, memory: 4MiB, kernel: compute.elf, args: "spin=1"}
              - {name: fl, memory: 4MiB, kernel: probe-hcall.elf, args: "random-only seed=2"}
            devices:
              - {name: t, kind: terminal, log: t.log}
            backends:
              - {name: cb, kind: console, domain: w, device: console, model: t}
            """
        let roles = IsolationRoles(topology: try TopologyLoader.load(yaml: yaml, path: dir.appendingPathComponent("t.yaml").path))
        XCTAssertEqual(roles.memory?.name, "m")
        XCTAssertEqual(roles.memory?.memoryBytes, 8 << 20)
        XCTAssertEqual(roles.fuzz?.name, "f")
        XCTAssertEqual(roles.flooder?.name, "fl")
        XCTAssertEqual([roles.eventOffer?.name, roles.eventProbe?.name, roles.eventExhaust?.name], ["o", "p", "e"])
        XCTAssertEqual(roles.grant?.id, 6)
        XCTAssertEqual([roles.xenstoreVictim?.id, roles.xenstoreAttacker?.id], [7, 8])
        XCTAssertEqual(roles.crash?.name, "c")
        XCTAssertEqual(roles.spinner?.name, "s")
        XCTAssertEqual(roles.caps["s"], 20)
        XCTAssertEqual(roles.victim?.name, "w")
        XCTAssertEqual(roles.victimBackend, "cb")
        XCTAssertEqual(roles.victimTerminal, "t")
        XCTAssertEqual(roles.victimTerminalLog, dir.appendingPathComponent("t.log").path)
        XCTAssertEqual(roles.quiet?.name, "q")
        XCTAssertNil(roles.block)
    }

    func testTheReportSaysIsolationHoldsOnlyWhenEveryCheckHoldsAndThereIsOne() {
        let good = IsolationCheck(group: "memory", name: "a", attempted: "x", expected: "y", observed: "z",
                                  control: "c", verdict: .holds)
        var bad = good
        bad.name = "b"
        bad.verdict = .fails
        XCTAssertTrue(IsolationReport(topology: "t", runDirectory: "r", seconds: 1, checks: [good], missing: []).allHold)
        XCTAssertFalse(IsolationReport(topology: "t", runDirectory: "r", seconds: 1, checks: [], missing: []).allHold)
        let report = IsolationReport(topology: "t", runDirectory: "r", seconds: 1, checks: [good, bad], missing: ["m"])
        XCTAssertFalse(report.allHold)
        let summary = report.summary()
        XCTAssertTrue(summary.hasPrefix("1 of 2 checks hold"), summary)
        XCTAssertTrue(summary.contains("FAILS memory/b: observed z; control c"), summary)
        XCTAssertTrue(summary.contains("not checked: m"), summary)
        XCTAssertTrue(summary.hasSuffix("ISOLATION NOT SHOWN\n"), summary)
        let table = report.table().split(separator: "\n").map(String.init)
        XCTAssertTrue(table[0].hasPrefix("check "), table[0])
        XCTAssertTrue(table[2].hasPrefix("memory/a ") && table[2].hasSuffix("| HOLDS"), table[2])
        XCTAssertTrue(table[3].hasSuffix("| FAILS"), table[3])
    }

    func testLongCellsWrapInsideTheirColumn() {
        let check = IsolationCheck(group: "g", name: "n", attempted: String(repeating: "word ", count: 30),
                                   expected: "e", observed: "o", control: "c", verdict: .holds)
        let rows = IsolationReport(topology: "t", runDirectory: "r", seconds: 0, checks: [check], missing: [])
            .table().split(separator: "\n").dropFirst(2)
        XCTAssertGreaterThan(rows.count, 1)
        XCTAssertTrue(rows.allSatisfy { $0.split(separator: "|", omittingEmptySubsequences: false)[1].count <= 46 })
    }

    func testTheLogSplitsLinesAcrossChunksAndFindsEachGuestsLines() {
        let log = IsolationLog()
        log.append(Array("[mem] PROBE raw-read target=0x3ffffffc res".utf8))
        XCTAssertTrue(log.lines.isEmpty)
        log.append(Array("ult=fault\n[   1.000] mem domain 1 ended: poweroff\n[quiet] PROGRESS 1\n".utf8))
        XCTAssertEqual(log.lines.count, 3)
        XCTAssertEqual(log.console("mem").map(\.text), ["PROBE raw-read target=0x3ffffffc result=fault"])
        XCTAssertEqual(log.first("quiet", "PROGRESS")?.text, "PROGRESS 1")
        let text = log.console("mem")[0].text
        XCTAssertEqual(IsolationLog.int(text, "target"), 0x3fff_fffc)
        XCTAssertEqual(IsolationLog.fields(text)["result"], "fault")
        XCTAssertEqual(IsolationLog.int("CHECK x ret=-13 expect=-13", "ret"), -13)
    }
}
