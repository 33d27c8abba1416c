import XCTest
import Hypervisor

final class DomIDTests: XCTestCase {
    func testSelfReferenceIsXensDOMIDSELF() { XCTAssertEqual(DomID.selfReference.rawValue, 0x7FF0) }
}
