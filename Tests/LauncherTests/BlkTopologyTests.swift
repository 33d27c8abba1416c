import Foundation
import XCTest
import Launcher

/// The block path in the launcher (docs/block.md, docs/topology.md): a domain's `disks:` shorthand, the blk
/// backend's arguments, and the toolstack's `mode` node.
final class BlkTopologyTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    var path: String { Self.fixtures.appendingPathComponent("good/blk-inline.yaml").path }

    func yaml(_ disks: String, xenstored: Bool = true) -> String {
        """
        machine: {memory: 64MiB}
        \(xenstored ? "xenstored: {}\n" : "")domains:
          - name: web
            memory: 4MiB
            kernel: ../kernels/minimal.elf
            disks:
        \(disks)
        """
    }

    func testADisksEntryExpandsIntoADiskModelAndABlkBackend() throws {
        let t = try TopologyLoader.load(yaml: yaml("""
                  - {name: xvda, image: ../images/new/web.img, size: 1MiB, create: true}
                  - {name: xvdb, image: ../images/new/ro.img, size: 2MiB, create: true, read_only: true,
                     restart: {policy: always}}
            """), path: path)
        XCTAssertEqual(t.devices.map(\.name), ["disk.web.xvda", "disk.web.xvdb"])
        XCTAssertEqual(t.backends.map(\.name), ["blk.web.xvda", "blk.web.xvdb"])
        XCTAssertEqual(t.backends[1], BackendSpec(name: "blk.web.xvdb", kind: .blk, domain: "web", device: "xvdb",
                                                  model: "disk.web.xvdb",
                                                  restart: RestartPolicy(mode: .always, maxRestarts: 5,
                                                                         windowMilliseconds: 30_000,
                                                                         backoffMilliseconds: 100,
                                                                         maxBackoffMilliseconds: 5_000)))
        guard case let .disk(image, size, create, readOnly) = t.devices[1].kind else { return XCTFail("not a disk") }
        XCTAssertTrue(image.hasSuffix("/images/new/ro.img"))
        XCTAssertEqual(size, 2 << 20)
        XCTAssertTrue(create)
        XCTAssertTrue(readOnly)
        XCTAssertEqual(t.devices[1].restart.mode, .always)
    }

    func testDisksNeedXenstoredAndAXvdNameAndUniqueNames() {
        XCTAssertThrowsError(try TopologyLoader.load(yaml: yaml("      - {name: xvda, image: a.img, size: 1MiB, create: true}",
                                                           xenstored: false), path: path)) {
            XCTAssertTrue("\($0)".contains("xenstored"), "\($0)")
        }
        XCTAssertThrowsError(try TopologyLoader.load(yaml: yaml("      - {name: sda, image: a.img, size: 1MiB, create: true}"),
                                                 path: path)) {
            XCTAssertTrue("\($0)".contains("is not xvda"), "\($0)")
        }
        XCTAssertThrowsError(try TopologyLoader.load(yaml: yaml("""
                  - {name: xvda, image: a.img, size: 1MiB, create: true}
                  - {name: xvda, image: b.img, size: 1MiB, create: true}
            """), path: path)) {
            XCTAssertTrue("\($0)".contains("disk.web.xvda"), "\($0)")
        }
    }

    func testTheBlkBackendGetsBusXenstoreDomainDeviceModelAndTheDisksGeometry() throws {
        let t = try TopologyLoader.load(yaml: yaml("      - {name: xvda, image: ../images/new/ro.img, size: 1MiB, create: true, read_only: true}"),
                                        path: path)
        let plan = ProcessPlan(topology: t, runDirectory: "/tmp/run")
        let blk = plan.process(named: "blk.web.xvda")!
        XCTAssertEqual(blk.arguments, [
            "backend", "blk", "--name", "blk.web.xvda", "--control", "ipc:///tmp/run/control.ipc",
            "--bus", "ipc:///tmp/run/hypervisor.ipc", "--bus-secret", "/tmp/run/bus.secret",
            "--xenstore", "ipc:///tmp/run/xenstored.ipc", "--domain", "web", "--device", "xvda",
            "--model", "ipc:///tmp/run/disk.web.xvda.ipc", "--sectors", "2048", "--read-only",
        ])
        XCTAssertNil(blk.endpoint)
        XCTAssertEqual(blk.kind, "backend blk")
        // Started after its model and xenstored, before the hypervisor.
        let order = plan.processes.map(\.name)
        XCTAssertLessThan(order.firstIndex(of: "xenstored")!, order.firstIndex(of: "blk.web.xvda")!)
        XCTAssertLessThan(order.firstIndex(of: "disk.web.xvda")!, order.firstIndex(of: "blk.web.xvda")!)
        XCTAssertLessThan(order.firstIndex(of: "blk.web.xvda")!, order.firstIndex(of: "hypervisor")!)
    }

    func testTheToolstackWritesModeROnlyForAReadOnlyDisk() throws {
        let t = try TopologyLoader.load(yaml: yaml("""
                  - {name: xvda, image: ../images/new/rw.img, size: 1MiB, create: true}
                  - {name: xvdb, image: ../images/new/ro.img, size: 1MiB, create: true, read_only: true}
            """), path: path)
        let nodes = Dictionary(ToolstackNodes.nodes(for: t).map { ($0.path, $0.value) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(nodes["/local/domain/0/backend/vbd/1/51712/mode"], "w")
        XCTAssertEqual(nodes["/local/domain/0/backend/vbd/1/51728/mode"], "r")
        XCTAssertEqual(nodes["/local/domain/1/device/vbd/51728/backend"], "/local/domain/0/backend/vbd/1/51728")
    }
}
