import XCTest
import Launcher

final class ProcessPlanTests: XCTestCase {
    private let run = "/tmp/run"

    private func topology() -> Topology {
        Topology(
            sourcePath: "/topo/t.yaml", name: "t",
            machine: MachineSpec(memoryBytes: 64 << 20, hypervisorReserveBytes: 8 << 20),
            xenstored: XenstoredSpec(),
            domains: [DomainSpec(name: "guest1", memoryBytes: 16 << 20, kernel: "/k.elf")],
            devices: [
                DeviceModelSpec(name: "disk0", kind: .disk(image: "disk0.img", sizeBytes: 1 << 20, create: true,
                                                           readOnly: false)),
                DeviceModelSpec(name: "ro", kind: .disk(image: "/images/ro.img", sizeBytes: 4096, create: false,
                                                        readOnly: true), endpoint: .tcp(host: "127.0.0.1", port: 5555)),
                DeviceModelSpec(name: "tty0", kind: .terminal(log: "tty0.log")),
            ],
            backends: [BackendSpec(name: "blk0", kind: .blk, domain: "guest1", device: "xvda", model: "disk0")],
            workloads: [WorkloadSpec(name: "exercise", kind: .diskExercise, target: "disk0", requests: 50, seed: 7)])
    }

    func testProcessesComeInDependencyOrder() {
        let plan = ProcessPlan(topology: topology(), runDirectory: run)
        XCTAssertEqual(plan.processes.map(\.name), ["xenstored", "disk0", "ro", "tty0", "blk0", "hypervisor", "exercise"])
        XCTAssertEqual(plan.processes.map(\.role), [.xenstored, .device, .device, .device, .backend, .hypervisor, .workload])
        XCTAssertEqual(plan.processes.map(\.role), plan.processes.map(\.role).sorted())
    }

    func testEveryProcessGetsItsNameAndTheControlEndpoint() {
        let plan = ProcessPlan(topology: topology(), runDirectory: run)
        XCTAssertEqual(plan.controlEndpoint, "ipc:///tmp/run/control.ipc")
        for p in plan.processes {
            let args = p.arguments
            XCTAssertEqual(args[args.firstIndex(of: "--name")! + 1], p.name)
            XCTAssertEqual(args[args.firstIndex(of: "--control")! + 1], "ipc:///tmp/run/control.ipc")
        }
    }

    func testDiskModelArgumentsFollowTheProcessContract() {
        let plan = ProcessPlan(topology: topology(), runDirectory: run)
        XCTAssertEqual(plan.process(named: "disk0")?.arguments, [
            "device", "disk", "--name", "disk0", "--control", "ipc:///tmp/run/control.ipc",
            "--endpoint", "ipc:///tmp/run/disk0.ipc", "--image", "/tmp/run/disk0.img", "--size", "1048576", "--create",
        ])
        XCTAssertEqual(plan.process(named: "ro")?.arguments, [
            "device", "disk", "--name", "ro", "--control", "ipc:///tmp/run/control.ipc",
            "--endpoint", "tcp://127.0.0.1:5555", "--image", "/images/ro.img", "--size", "4096", "--read-only",
        ])
        XCTAssertEqual(plan.process(named: "tty0")?.arguments, [
            "device", "terminal", "--name", "tty0", "--control", "ipc:///tmp/run/control.ipc",
            "--endpoint", "ipc:///tmp/run/tty0.ipc", "--log", "/tmp/run/tty0.log",
        ])
    }

    func testWorkloadTargetsItsModelsEndpointAndVerifiesItsImage() {
        let plan = ProcessPlan(topology: topology(), runDirectory: run)
        let w = plan.process(named: "exercise")!
        XCTAssertEqual(w.arguments, [
            "device", "disk-exercise", "--name", "exercise", "--control", "ipc:///tmp/run/control.ipc",
            "--target", "ipc:///tmp/run/disk0.ipc", "--requests", "50", "--seed", "7",
            "--verify-image", "/tmp/run/disk0.img",
        ])
        XCTAssertNil(w.endpoint)
        XCTAssertFalse(w.waitsForReady)
        XCTAssertEqual(w.kind, "workload disk-exercise")
    }

    func testBackendDrivesItsModelsEndpoint() {
        let blk = ProcessPlan(topology: topology(), runDirectory: run).process(named: "blk0")!
        XCTAssertEqual(blk.kind, "backend blk")
        XCTAssertEqual(blk.arguments.suffix(8), ["--domain", "guest1", "--device", "xvda", "--model", "ipc:///tmp/run/disk0.ipc",
                                                 "--sectors", "2048"])
        XCTAssertTrue(blk.waitsForReady)
    }

    func testRestartPoliciesComeFromTheTopology() {
        var t = topology()
        let custom = RestartPolicy(mode: .always, maxRestarts: 2, windowMilliseconds: 1_000, backoffMilliseconds: 10,
                                   maxBackoffMilliseconds: 20)
        t.devices[0].restart = custom
        let plan = ProcessPlan(topology: t, runDirectory: run)
        XCTAssertEqual(plan.process(named: "disk0")?.restart, custom)
        XCTAssertEqual(plan.process(named: "tty0")?.restart, .defaultPolicy)
        XCTAssertEqual(plan.process(named: "hypervisor")?.restart.mode, .never)
    }

    func testXenstoredReachesTheGuestsRingsThroughTheHypervisorBusOnlyWhenThereAreDomains() {
        let plan = ProcessPlan(topology: topology(), runDirectory: run)
        XCTAssertEqual(plan.process(named: "xenstored")?.arguments, [
            "xenstored", "--name", "xenstored", "--control", "ipc:///tmp/run/control.ipc",
            "--endpoint", "ipc:///tmp/run/xenstored.ipc", "--socket", "/tmp/run/xenstored.sock",
            "--state-dir", "/tmp/run/xenstored.state", "--topology", "/topo/t.yaml",
            "--bus", "ipc:///tmp/run/hypervisor.ipc", "--bus-secret", "/tmp/run/bus.secret",
        ])
        XCTAssertEqual(plan.process(named: "hypervisor")?.endpoint, "ipc:///tmp/run/hypervisor.ipc")
        var t = topology()
        t.domains = []; t.backends = []
        XCTAssertFalse(ProcessPlan(topology: t, runDirectory: run).process(named: "xenstored")!.arguments.contains("--bus"))
    }

    func testNoDomainsMeansNoHypervisorAndNoXenstoredSectionMeansNoXenstored() {
        var t = topology()
        t.domains = []; t.backends = []; t.xenstored = nil
        XCTAssertEqual(ProcessPlan(topology: t, runDirectory: run).processes.map(\.name), ["disk0", "ro", "tty0", "exercise"])
    }
}
