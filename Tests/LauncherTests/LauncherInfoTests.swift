import XCTest
import Launcher

final class LauncherInfoTests: XCTestCase {
    func testDefaultTopologyPath() { XCTAssertEqual(LauncherInfo.defaultTopology, "Topologies/default.yaml") }
}
