import XCTest
import DeviceModels

final class DeviceModelKindTests: XCTestCase {
    func testKindsParseFromTopologyNames() { XCTAssertEqual(DeviceModelKind(rawValue: "disk"), .disk) }
}
