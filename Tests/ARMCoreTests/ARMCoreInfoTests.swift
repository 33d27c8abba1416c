import XCTest
import ARMCore

final class ARMCoreInfoTests: XCTestCase {
    func testArchitectureIsARMv7A() { XCTAssertEqual(ARMCoreInfo.architecture, "ARMv7-A") }
}
