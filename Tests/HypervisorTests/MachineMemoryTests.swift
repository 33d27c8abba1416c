import XCTest
import Hypervisor

final class MachineMemoryTests: XCTestCase {
    func testBlocksFollowTheReserveAndNeverOverlap() throws {
        let m = try MachineMemory(size: 64 << 20, hypervisorReserve: 8 << 20)
        let a = try m.allocateBlock(bytes: 16 << 20)
        let b = try m.allocateBlock(bytes: 16 << 20)
        XCTAssertEqual(a.machineOffset, 8 << 20)
        XCTAssertEqual(b.machineOffset, a.machineOffset + a.size)
        XCTAssertNotNil(a.frame(4095))
        XCTAssertNil(a.frame(4096), "a frame past the block's end must not resolve")
    }

    func testABlockThatDoesNotFitIsRefused() throws {
        let m = try MachineMemory(size: 16 << 20, hypervisorReserve: 8 << 20)
        XCTAssertThrowsError(try m.allocateBlock(bytes: 16 << 20)) { error in
            XCTAssertEqual(error as? MachineMemory.AllocationError, .doesNotFit(requested: 16 << 20, available: 8 << 20))
        }
    }
}
