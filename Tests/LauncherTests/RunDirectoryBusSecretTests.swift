import Foundation
import Launcher
import XCTest

final class RunDirectoryBusSecretTests: XCTestCase {
    func testEveryLaunchWritesAFreshPrivateBusSecret() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = RunDirectory(path: path)
        try run.create()
        let first = try String(contentsOfFile: run.busSecretFile, encoding: .utf8)
        XCTAssertEqual(first.count, 65, "64 hex digits and a newline")
        XCTAssertTrue(first.dropLast().allSatisfy(\.isHexDigit))
        let mode = try FileManager.default.attributesOfItem(atPath: run.busSecretFile)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        try run.create()
        XCTAssertNotEqual(try String(contentsOfFile: run.busSecretFile, encoding: .utf8), first)
    }
}
