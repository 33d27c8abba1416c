import XCTest
import Dom0Backend

final class XenstorePathTests: XCTestCase {
    func testWellFormedPathsAreAccepted() {
        XCTAssertNotNil(XenstorePath(validating: "/local/domain/1/device/vbd/51712/state"))
        XCTAssertNotNil(XenstorePath(validating: "device/vbd"))
        XCTAssertNotNil(XenstorePath(validating: "@releaseDomain"))
    }

    func testMalformedPathsAreRefused() {
        XCTAssertNil(XenstorePath(validating: ""))
        XCTAssertNil(XenstorePath(validating: "/local//domain"))
        XCTAssertNil(XenstorePath(validating: "/local/domain/"))
        XCTAssertNil(XenstorePath(validating: "/local/dom ain"))
        XCTAssertNil(XenstorePath(validating: "@nonsense"))
        XCTAssertNil(XenstorePath(validating: "/" + String(repeating: "a", count: 3100)))
    }
}
