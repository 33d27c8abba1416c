import Foundation
import XCTest
import Launcher

/// A topology file is input: whatever it holds, the loader returns a model or diagnostics, never traps.
final class TopologyHostileInputTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let path = fixtures.appendingPathComponent("good/full.yaml").path

    /// Loads `yaml` and checks the outcome is well formed; a trap would end the test process, which fails the run.
    private func load(_ yaml: String, _ label: @autoclosure () -> String) {
        do {
            _ = try TopologyLoader.load(yaml: yaml, path: Self.path)
        } catch {
            XCTAssertFalse(error.diagnostics.isEmpty, label())
            for d in error.diagnostics {
                XCTAssertFalse(d.message.isEmpty, label())
                XCTAssertGreaterThanOrEqual(d.line ?? 0, 1, label())
                XCTAssertGreaterThanOrEqual(d.column ?? 0, 1, label())
            }
        }
    }

    static let hostileValues = [
        "-1", "0", "18446744073709551615", "18446744073709551616", "99999999999999999999TiB", "16777216TiB",
        "9223372036854775807", "-9223372036854775808", "\"\"", "~", "[]", "{}", "[[[]]]", "tcp://:0",
        "tcp://[]:1", "tcp://a..b:1", "../../../../../../etc/passwd", "/", "\"\\0\"", "1e308", ".nan", "*undefined",
        "&a x", "!!binary AAAA", "yes", "\"é\"", "- x", "a: b",
    ]

    func testEveryValueReplacedByEachHostileValueNeverTraps() throws {
        let lines = try String(contentsOfFile: Self.path, encoding: .utf8).components(separatedBy: "\n")
        for (i, line) in lines.enumerated() {
            guard let colon = line.range(of: ": "), !line.trimmingCharacters(in: .whitespaces).hasPrefix("#") else {
                continue
            }
            for value in Self.hostileValues {
                var mutated = lines
                mutated[i] = line[..<colon.upperBound] + value
                load(mutated.joined(separator: "\n"), "line \(i + 1) = \(value)")
            }
        }
    }

    func testRandomCharacterEditsNeverTrap() throws {
        let original = Array(try String(contentsOfFile: Self.path, encoding: .utf8).unicodeScalars)
        let alphabet = Array(":-{}[],&*!|>'\"# \n\t0123456789xyzé\u{0}".unicodeScalars)
        var rng = SplitMix64(seed: 0x5EED)
        for round in 0..<1000 {
            var text = original
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let at = Int(rng.next() % UInt64(text.count))
                switch rng.next() % 3 {
                case 0: text.remove(at: at)
                case 1: text.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                default: text[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                }
            }
            var s = String.UnicodeScalarView()
            s.append(contentsOf: text)
            load(String(s), "round \(round)")
        }
    }

    func testLineDeletionsAndDuplicationsNeverTrap() throws {
        let lines = try String(contentsOfFile: Self.path, encoding: .utf8).components(separatedBy: "\n")
        for i in lines.indices {
            var deleted = lines
            deleted.remove(at: i)
            load(deleted.joined(separator: "\n"), "without line \(i + 1)")
            var doubled = lines
            doubled.insert(lines[i], at: i)
            load(doubled.joined(separator: "\n"), "line \(i + 1) twice")
        }
    }

    func testDeepNestingIsASyntaxErrorNotAStackOverflow() {
        let yaml = "machine: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        XCTAssertThrowsError(try TopologyLoader.load(yaml: yaml, path: Self.path)) {
            XCTAssertEqual(($0 as? TopologyError)?.diagnostics.first?.kind, .yamlSyntax)
        }
    }
}

/// A small deterministic generator (SplitMix64), so a failing round can be replayed.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
