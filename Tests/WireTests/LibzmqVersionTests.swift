import XCTest
import Wire

final class LibzmqVersionTests: XCTestCase {
    func testLinkedLibzmqIsVersion4() {
        XCTAssertEqual(LibzmqVersion.linked.major, 4)
    }
}
