import Launcher
import XCTest

final class ToolstackNodesTests: XCTestCase {
    func testVirtualDiskNumbersFollowTheXenVbdScheme() {
        XCTAssertEqual(ToolstackNodes.virtualDiskNumber("xvda"), 51712)
        XCTAssertEqual(ToolstackNodes.virtualDiskNumber("xvdb"), 51728)
        XCTAssertNil(ToolstackNodes.virtualDiskNumber("sda"))
        XCTAssertNil(ToolstackNodes.virtualDiskNumber("xvdz"))
    }

    func testDomainsAreNumberedInTopologyOrderAndDevicesMeetThroughStateNodes() {
        let topology = Topology(
            sourcePath: "/t.yaml", name: "t", machine: MachineSpec(memoryBytes: 256 << 20, hypervisorReserveBytes: 16 << 20),
            xenstored: XenstoredSpec(endpoint: .ipc, restart: .defaultPolicy),
            domains: [DomainSpec(name: "a", memoryBytes: 32 << 20, kernel: "/k"),
                      DomainSpec(name: "b", memoryBytes: 16 << 20, vcpus: 2, kernel: "/k")],
            backends: [BackendSpec(name: "blk-b", kind: .blk, domain: "b", device: "xvda", model: "disk0")])
        let nodes = Dictionary(uniqueKeysWithValues: ToolstackNodes.nodes(for: topology).map { ($0.path, $0) })
        XCTAssertEqual(nodes["/local/domain/1/name"]?.value, "a")
        XCTAssertEqual(nodes["/local/domain/2/name"]?.value, "b")
        XCTAssertEqual(nodes["/local/domain/2/cpu/1/availability"]?.value, "online")
        XCTAssertEqual(nodes["/local/domain/2/memory/target"]?.value, "16384")
        XCTAssertEqual(nodes["/local/domain/2/device/vbd/51712/backend"]?.value, "/local/domain/0/backend/vbd/2/51712")
        XCTAssertEqual(nodes["/local/domain/2/device/vbd/51712/state"]?.value, "1")
        XCTAssertEqual(nodes["/local/domain/2/device/vbd/51712/state"]?.permissions, ["n2", "r0"])
        XCTAssertEqual(nodes["/local/domain/0/backend/vbd/2/51712/frontend-id"]?.value, "2")
        XCTAssertEqual(nodes["/local/domain/0/backend/vbd/2/51712/state"]?.permissions, ["n0", "r2"])
    }
}
