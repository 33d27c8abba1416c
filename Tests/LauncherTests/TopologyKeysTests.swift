import Foundation
import XCTest
import Launcher

final class TopologyKeysTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// docs/topology.md carries the key table verbatim, so the docs cannot drift from what the loader accepts.
    func testDocsCarryEverySectionsKeyTableVerbatim() throws {
        let docs = try String(contentsOf: Self.repository.appendingPathComponent("docs/topology.md"), encoding: .utf8)
        for section in TopologyKey.Section.allCases {
            XCTAssertTrue(docs.contains(TopologyKeys.markdownTable(for: section)),
                          "docs/topology.md lacks the table for \(section):\n\(TopologyKeys.markdownTable(for: section))")
        }
    }

    /// The full good fixture uses every key of the table, so the loader is shown to accept each one.
    func testFullFixtureUsesEveryKeyInTheTable() throws {
        let text = try String(contentsOf: Self.repository.appendingPathComponent(
            "Tests/LauncherTests/Fixtures/good/full.yaml"), encoding: .utf8)
        for key in TopologyKeys.all {
            XCTAssertTrue(text.contains("\(key.name):"), "good/full.yaml never uses '\(key.name)'")
        }
    }

    func testKeysAreSnakeCaseAndUniquePerSection() {
        for section in TopologyKey.Section.allCases {
            let names = TopologyKeys.keys(in: section).map(\.name)
            XCTAssertEqual(Set(names).count, names.count, "\(section)")
            for name in names {
                XCTAssertTrue(name.allSatisfy { $0.isLowercase || $0 == "_" }, name)
            }
        }
    }

    func testDefaultsInTheTableMatchTheModelDefaults() {
        XCTAssertEqual(TopologyKeys.key("max_restarts", in: .restart)?.presence,
                       .optional(default: "\(RestartPolicy.defaultPolicy.maxRestarts)"))
        XCTAssertEqual(TopologyKeys.key("window", in: .restart)?.presence, .optional(default: "30s"))
        XCTAssertEqual(TopologyKeys.key("backoff", in: .restart)?.presence, .optional(default: "100ms"))
        XCTAssertEqual(TopologyKeys.key("max_backoff", in: .restart)?.presence, .optional(default: "5s"))
        let domain = DomainSpec(name: "d", memoryBytes: 1 << 20, kernel: "k")
        XCTAssertEqual(TopologyKeys.key("weight", in: .domain)?.presence, .optional(default: "\(domain.weight)"))
        XCTAssertEqual(TopologyKeys.key("vcpus", in: .domain)?.presence, .optional(default: "\(domain.vcpus)"))
    }

    func testNamesFollowTheSocketFileRule() {
        for good in ["a", "disk0", "blk-web.1", "A_b", String(repeating: "x", count: 64)] {
            XCTAssertTrue(TopologyKeys.isValidName(good), good)
        }
        for bad in ["", "-a", ".a", "a/b", "a b", "é", String(repeating: "x", count: 65)] {
            XCTAssertFalse(TopologyKeys.isValidName(bad), bad)
        }
    }
}
