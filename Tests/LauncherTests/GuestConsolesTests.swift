import Foundation
import Launcher
import Wire
import XCTest

/// Every guest's console in the run dir (docs/console.md): the plan, the prepared directory and the status column.
final class GuestConsolesTests: XCTestCase {
    func topology() -> Topology {
        Topology(
            sourcePath: "/topo/c.yaml", name: "c",
            machine: MachineSpec(memoryBytes: 64 << 20, hypervisorReserveBytes: 8 << 20),
            xenstored: XenstoredSpec(),
            domains: [DomainSpec(name: "echo", memoryBytes: 4 << 20, kernel: "/k.elf"),
                      DomainSpec(name: "quiet", memoryBytes: 4 << 20, kernel: "/k.elf")],
            devices: [DeviceModelSpec(name: "term0", kind: .terminal(log: "terms/term0.log"))],
            backends: [BackendSpec(name: "cons0", kind: .console, domain: "echo", device: "console", model: "term0")],
            workloads: [])
    }

    func testEveryGuestGetsALogInTheRunDirAndATerminalServedOneNamesItsTerminal() {
        let plan = ProcessPlan(topology: topology(), runDirectory: "/tmp/run")
        XCTAssertEqual(plan.consoles, [
            GuestConsole(name: "echo", id: 1, log: "/tmp/run/console/echo.log", terminal: "term0",
                         terminalEndpoint: "ipc:///tmp/run/term0.ipc", terminalLog: "/tmp/run/terms/term0.log",
                         backend: "cons0"),
            GuestConsole(name: "quiet", id: 2, log: "/tmp/run/console/quiet.log"),
        ])
        let hypervisor = plan.process(named: "hypervisor")!.arguments
        XCTAssertEqual(Array(hypervisor.suffix(2)), ["--consoles", "/tmp/run/consoles.json"])
        XCTAssertEqual(GuestConsoles.find("2", in: plan.consoles)?.name, "quiet")
        XCTAssertEqual(GuestConsoles.find("echo", in: plan.consoles)?.id, 1)
        XCTAssertNil(GuestConsoles.find("nosuch", in: plan.consoles))
    }

    func testPreparingLinksATerminalServedGuestsLogToItsTerminalsLogAndWritesTheIndex() throws {
        let run = NSTemporaryDirectory() + "guest-consoles-\(getpid())-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: run) }
        let consoles = GuestConsoles.plan(topology: topology(), runDirectory: run)
        try GuestConsoles.prepare(consoles, runDirectory: run)
        try GuestConsoles.prepare(consoles, runDirectory: run)  // a second launch in the same dir
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: "\(run)/console/echo.log"),
                       "\(run)/terms/term0.log")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(run)/console/quiet.log"))  // the hypervisor creates it
        XCTAssertEqual(try GuestConsoles.load(runDirectory: run), consoles)
        // What the terminal writes is what the guest's log shows.
        try Data("line\n".utf8).write(to: URL(fileURLWithPath: "\(run)/terms/term0.log"))
        XCTAssertEqual(FileManager.default.contents(atPath: "\(run)/console/echo.log"), Data("line\n".utf8))
    }

    func testTheStatusTableShowsWhereEachGuestsConsoleIs() {
        let report = StatusReport(
            topology: "t", runDirectory: "/r", launcherPid: 1, uptimeSeconds: 1, malformedControlMessages: 0,
            processes: [], domains: [
                DomainStatus(name: "echo", id: 1, state: "running", console: "terminal term0, log /r/console/echo.log"),
                DomainStatus(name: "quiet", id: 2, state: "poweroff", console: "log /r/console/quiet.log (read-only)"),
            ])
        let rows = StatusTable.render(report).split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertTrue(rows.contains(["DOMAIN", "ID", "STATE", "CONSOLE"]), "\(rows)")
        XCTAssertTrue(rows.contains(["echo", "1", "running", "terminal", "term0,", "log", "/r/console/echo.log"]), "\(rows)")
        XCTAssertTrue(rows.contains(["quiet", "2", "poweroff", "log", "/r/console/quiet.log", "(read-only)"]), "\(rows)")
    }
}
