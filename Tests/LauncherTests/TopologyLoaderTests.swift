import Foundation
import XCTest
import Launcher

final class TopologyLoaderTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    private func fixture(_ relative: String) -> String {
        Self.fixtures.appendingPathComponent(relative).standardizedFileURL.path
    }

    func testFullFileLoadsIntoTheExpectedModel() throws {
        let path = fixture("good/full.yaml")
        let topology = try TopologyLoader.load(path: path)
        let kernel = fixture("kernels/minimal.elf")
        let expected = Topology(
            sourcePath: path, name: "full",
            machine: MachineSpec(memoryBytes: 1 << 30, hypervisorReserveBytes: 32 << 20, pcpus: 2),
            xenstored: XenstoredSpec(endpoint: .ipc, restart: RestartPolicy(
                mode: .always, maxRestarts: 10, windowMilliseconds: 60_000, backoffMilliseconds: 50,
                maxBackoffMilliseconds: 2_000)),
            domains: [
                DomainSpec(name: "web", memoryBytes: 128 << 20, vcpus: 2, kernel: kernel, args: "console=hvc0 quiet",
                           weight: 512, cap: 150),
                DomainSpec(name: "db", memoryBytes: 64 << 20, vcpus: 1, kernel: kernel, args: "", weight: 256, cap: 0),
            ],
            devices: [
                DeviceModelSpec(name: "disk.db.xvdb", kind: .disk(image: fixture("good/scratch/db-b.img"),
                                                                  sizeBytes: 1 << 20, create: true, readOnly: false),
                                restart: RestartPolicy(mode: .always, maxRestarts: 5, windowMilliseconds: 30_000,
                                                       backoffMilliseconds: 100, maxBackoffMilliseconds: 5_000)),
                DeviceModelSpec(name: "disk-web", kind: .disk(image: fixture("images/disk-4k.img"), sizeBytes: 4096,
                                                              create: false, readOnly: true)),
                DeviceModelSpec(name: "disk-db", kind: .disk(image: fixture("good/scratch/db.img"), sizeBytes: 8 << 20,
                                                             create: true, readOnly: false),
                                endpoint: .tcp(host: "127.0.0.1", port: 47201),
                                restart: RestartPolicy(mode: .never, maxRestarts: 5, windowMilliseconds: 30_000,
                                                       backoffMilliseconds: 100, maxBackoffMilliseconds: 5_000)),
                DeviceModelSpec(name: "console-web", kind: .terminal(log: "/tmp/xenarm-fixture-console-web.log")),
            ],
            backends: [
                BackendSpec(name: "blk.db.xvdb", kind: .blk, domain: "db", device: "xvdb", model: "disk.db.xvdb",
                            restart: RestartPolicy(mode: .always, maxRestarts: 5, windowMilliseconds: 30_000,
                                                   backoffMilliseconds: 100, maxBackoffMilliseconds: 5_000)),
                BackendSpec(name: "blkback-web", kind: .blk, domain: "web", device: "xvda", model: "disk-web"),
                BackendSpec(name: "blkback-db", kind: .blk, domain: "db", device: "xvda", model: "disk-db",
                            endpoint: .tcp(host: "localhost", port: 47202),
                            restart: RestartPolicy(mode: .onFailure, maxRestarts: 5, windowMilliseconds: 30_000,
                                                   backoffMilliseconds: 200, maxBackoffMilliseconds: 5_000)),
                BackendSpec(name: "consback-web", kind: .console, domain: "web", device: "console", model: "console-web"),
            ],
            workloads: [WorkloadSpec(name: "soak", kind: .diskExercise, target: "disk-db", requests: 50_000, seed: 42)])
        XCTAssertEqual(topology, expected)
    }

    func testMinimalFileTakesEveryDefault() throws {
        let path = fixture("good/minimal-defaults.yaml")
        let yaml = "machine:\n  memory: 64MiB\nxenstored: {}\n"
        let topology = try TopologyLoader.load(yaml: yaml, path: path)
        XCTAssertEqual(topology.name, "minimal-defaults")
        XCTAssertEqual(topology.machine, MachineSpec(memoryBytes: 64 << 20, hypervisorReserveBytes: 16 << 20, pcpus: nil))
        XCTAssertEqual(topology.xenstored, XenstoredSpec(endpoint: .ipc, restart: .defaultPolicy))
        XCTAssertEqual(topology.domains, [])
        XCTAssertEqual(topology.devices, [])
    }

    func testAbsentXenstoredSectionMeansNoXenstored() throws {
        let topology = try TopologyLoader.load(yaml: "machine: {memory: 64MiB}\n", path: "/tmp/x.yaml")
        XCTAssertNil(topology.xenstored)
    }

    func testDiskSizeDefaultsToTheExistingImageSize() throws {
        let yaml = "machine: {memory: 64MiB}\ndevices:\n  - {name: d, kind: disk, image: ../images/disk-4k.img}\n"
        let topology = try TopologyLoader.load(yaml: yaml, path: fixture("good/inline.yaml"))
        XCTAssertEqual(topology.devices.first?.kind,
                       .disk(image: fixture("images/disk-4k.img"), sizeBytes: 4096, create: false, readOnly: false))
    }

    func testRelativePathsResolveAgainstTheTopologyFilesDirectoryNotTheWorkingDirectory() throws {
        let yaml = "machine: {memory: 64MiB}\ndevices:\n  - {name: t, kind: terminal, log: logs/../t.log}\n"
        let topology = try TopologyLoader.load(yaml: yaml, path: "/srv/topologies/a.yaml")
        XCTAssertEqual(topology.devices.first?.kind, .terminal(log: "/srv/topologies/t.log"))
    }

    func testAFileNameThatIsNoValidNameNeedsAnExplicitName() throws {
        let yaml = "machine: {memory: 64MiB}\n"
        XCTAssertThrowsError(try TopologyLoader.load(yaml: yaml, path: "/tmp/my topology.yaml", displayPath: "t.yaml")) {
            XCTAssertEqual(($0 as? TopologyError)?.diagnostics.map(\.description), [
                "t.yaml:1:1: error: the file name 'my topology' is not a valid topology name "
                    + "(\(TopologyKeys.nameRule)): add 'name:'",
            ])
        }
        XCTAssertEqual(try TopologyLoader.load(yaml: "name: mine\n" + yaml, path: "/tmp/my topology.yaml").name, "mine")
    }

    func testAMissingFileIsOneDiagnosticWithoutAPosition() {
        XCTAssertThrowsError(try TopologyLoader.load(path: "/nonexistent/topology.yaml", displayPath: "t.yaml")) {
            let diagnostics = ($0 as? TopologyError)?.diagnostics ?? []
            XCTAssertEqual(diagnostics.map(\.description), ["t.yaml: error: no such file"])
            XCTAssertEqual(diagnostics.first?.kind, .unreadableFile)
        }
    }

    func testDevicesAndOversizedFilesAreRefusedWithoutReadingThem() throws {
        XCTAssertThrowsError(try TopologyLoader.load(path: "/dev/zero")) {
            XCTAssertEqual(($0 as? TopologyError)?.description, "/dev/zero: error: is not a regular file")
        }
        let big = FileManager.default.temporaryDirectory.appendingPathComponent("xenarm-big-\(getpid()).yaml")
        defer { try? FileManager.default.removeItem(at: big) }
        XCTAssertTrue(FileManager.default.createFile(atPath: big.path, contents: Data(count: 5 << 20)))
        XCTAssertThrowsError(try TopologyLoader.load(path: big.path, displayPath: "big.yaml")) {
            XCTAssertEqual(($0 as? TopologyError)?.description,
                           "big.yaml: error: is 5 MiB, more than the 4 MiB a topology file may have")
        }
    }

    func testErrorsComeSortedByPositionWhateverOrderTheChecksRan() {
        // The duplicate name (found by a late check) sits before the bad vcpus (found while reading).
        let yaml = """
            machine: {memory: 64MiB}
            devices:
              - {name: a, kind: terminal, log: a.log}
              - {name: a, kind: terminal, log: b.log, endpoint: bad}
            """
        XCTAssertThrowsError(try TopologyLoader.load(yaml: yaml, path: "/tmp/t.yaml", displayPath: "t.yaml")) {
            XCTAssertEqual(($0 as? TopologyError)?.diagnostics.map(\.description), [
                "t.yaml:4:12: error: name 'a' is already used by the device at 3:12",
                "t.yaml:4:53: error: bad endpoint 'bad' in device 'a': expected ipc or tcp://HOST:PORT",
            ])
        }
    }

    /// Every file in Topologies/ is valid (DESIGN: every Topologies/ file is used by a test).
    func testEveryShippedTopologyLoads() throws {
        let dir = Self.repository.appendingPathComponent("Topologies")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }
        XCTAssertTrue(files.contains("default.yaml"))
        XCTAssertTrue(files.contains("devices-tcp.yaml"))
        for file in files {
            XCTAssertNoThrow(try TopologyLoader.load(path: dir.appendingPathComponent(file).path), file)
        }
    }

    func testDevicesTcpIsDefaultWithTcpEndpoints() throws {
        let dir = Self.repository.appendingPathComponent("Topologies")
        let ipc = try TopologyLoader.load(path: dir.appendingPathComponent("default.yaml").path)
        let tcp = try TopologyLoader.load(path: dir.appendingPathComponent("devices-tcp.yaml").path)
        XCTAssertEqual(ipc.devices.map(\.name), tcp.devices.map(\.name))
        XCTAssertEqual(ipc.workloads.map(\.target), tcp.workloads.map(\.target))
        XCTAssertTrue(ipc.devices.allSatisfy { $0.endpoint == .ipc })
        for device in tcp.devices {
            guard case let .tcp(host, _) = device.endpoint else { return XCTFail("\(device.name) is not on tcp") }
            XCTAssertEqual(host, "127.0.0.1")
        }
    }
}
