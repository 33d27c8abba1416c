import Foundation
import XCTest
import Launcher

/// Walks `Fixtures/broken/`: every `NAME.yaml` must produce exactly the lines of `NAME.expected`. Paths are shown
/// relative to `Fixtures/` (the display path is `broken/NAME.yaml`), the same form `xenarm check` prints when run
/// from that directory, which is how the pytest `test_check.py` runs the same fixtures.
final class TopologyFixtureTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    private func brokenFixtures() throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.appendingPathComponent("broken").path)
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }

    private func diagnostics(of name: String) -> [TopologyDiagnostic] {
        let path = Self.fixtures.appendingPathComponent("broken/\(name)").path
        do {
            let topology = try TopologyLoader.load(path: path, displayPath: "broken/\(name)")
            XCTFail("\(name) loaded without error: \(topology)")
            return []
        } catch {
            return error.diagnostics
        }
    }

    func testEveryBrokenFixturePrintsExactlyItsExpectedLines() throws {
        let names = try brokenFixtures()
        XCTAssertGreaterThan(names.count, 20)
        for name in names {
            let expectedURL = Self.fixtures.appendingPathComponent("broken/\(name.dropLast(5)).expected")
            let expected = try String(contentsOf: expectedURL, encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            XCTAssertFalse(expected.isEmpty, "\(name): empty .expected")
            XCTAssertEqual(diagnostics(of: name).map(\.description), expected, name)
        }
    }

    func testEveryExpectedFileHasItsFixture() throws {
        let dir = Self.fixtures.appendingPathComponent("broken").path
        for file in try FileManager.default.contentsOfDirectory(atPath: dir) where file.hasSuffix(".expected") {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/\(file.dropLast(9)).yaml"), file)
        }
    }

    /// The fixtures are the error catalogue: each class of problem the loader knows has at least one.
    func testBrokenFixturesCoverEveryDiagnosticKind() throws {
        var seen = Set<TopologyDiagnostic.Kind>()
        for name in try brokenFixtures() { seen.formUnion(diagnostics(of: name).map(\.kind)) }
        let missing = TopologyDiagnostic.Kind.allCases.filter { !seen.contains($0) }
        XCTAssertEqual(missing, [], "diagnostic kinds without a fixture")
    }

    func testEveryDiagnosticHasAOneBasedPositionExceptUnreadableFiles() throws {
        for name in try brokenFixtures() {
            for d in diagnostics(of: name) where d.kind != .unreadableFile {
                XCTAssertGreaterThanOrEqual(d.line ?? 0, 1, "\(name): \(d)")
                XCTAssertGreaterThanOrEqual(d.column ?? 0, 1, "\(name): \(d)")
            }
        }
    }
}
