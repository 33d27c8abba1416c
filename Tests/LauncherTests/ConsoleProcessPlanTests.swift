import XCTest
import Launcher

/// The launcher's plan for a `console` backend (docs/console.md): a bus client and a terminal client, no endpoint.
final class ConsoleProcessPlanTests: XCTestCase {
    func testAConsoleBackendGetsTheBusTheSecretItsDomainAndItsTerminal() {
        let topology = Topology(
            sourcePath: "/topo/c.yaml", name: "c",
            machine: MachineSpec(memoryBytes: 64 << 20, hypervisorReserveBytes: 8 << 20),
            xenstored: XenstoredSpec(),
            domains: [DomainSpec(name: "echo", memoryBytes: 4 << 20, kernel: "/k.elf")],
            devices: [DeviceModelSpec(name: "term0", kind: .terminal(log: "term0.log"))],
            backends: [BackendSpec(name: "cons0", kind: .console, domain: "echo", device: "console", model: "term0")],
            workloads: [])
        let plan = ProcessPlan(topology: topology, runDirectory: "/tmp/run")
        let cons = plan.process(named: "cons0")!
        XCTAssertEqual(cons.arguments, [
            "backend", "console", "--name", "cons0", "--control", "ipc:///tmp/run/control.ipc",
            "--bus", "ipc:///tmp/run/hypervisor.ipc", "--bus-secret", "/tmp/run/bus.secret",
            "--domain", "echo", "--device", "console", "--terminal", "ipc:///tmp/run/term0.ipc",
        ])
        XCTAssertNil(cons.endpoint)
        XCTAssertEqual(cons.role, .backend)
        XCTAssertEqual(plan.process(named: "hypervisor")?.endpoint, "ipc:///tmp/run/hypervisor.ipc")
    }
}
