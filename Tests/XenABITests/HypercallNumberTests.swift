import XCTest
import XenABI

final class HypercallNumberTests: XCTestCase {
    func testArchHypercallIsArch0() { XCTAssertEqual(HypercallNumber.arch0.rawValue, 48) }
}
