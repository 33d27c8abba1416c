import Foundation

/// The battery's result: every check, rendered as a table and a summary, or as JSON (`--json FILE`).
public struct IsolationReport: Codable, Sendable {
    public var topology: String
    public var runDirectory: String
    public var seconds: Double
    public var checks: [IsolationCheck]
    /// Checks the issue asks for that this battery cannot run yet, with the reason.
    public var missing: [String]

    public init(topology: String, runDirectory: String, seconds: Double, checks: [IsolationCheck],
                missing: [String]) {
        self.topology = topology; self.runDirectory = runDirectory; self.seconds = seconds
        self.checks = checks; self.missing = missing
    }

    public var failed: [IsolationCheck] { checks.filter { $0.verdict == .fails } }
    public var allHold: Bool { !checks.isEmpty && failed.isEmpty }

    /// Columns: check, attempted, expected, observed, control, verdict; long cells wrap inside their column.
    public func table() -> String {
        let headers = ["check", "attempted", "expected", "observed", "positive control", "verdict"]
        let widths = [30, 44, 26, 40, 36, 7]
        var out = row(headers, widths) + "\n" + widths.map { String(repeating: "-", count: $0) }
            .joined(separator: "-+-") + "\n"
        for c in checks {
            out += row(["\(c.group)/\(c.name)", c.attempted, c.expected, c.observed, c.control, c.verdict.rawValue],
                       widths) + "\n"
        }
        return out
    }

    public func summary() -> String {
        let groups = Dictionary(grouping: checks, by: \.group)
        var lines = ["\(checks.count - failed.count) of \(checks.count) checks hold "
            + "(\(groups.count) groups, \(String(format: "%.1f", seconds)) s, topology \(topology))"]
        for c in failed { lines.append("FAILS \(c.group)/\(c.name): observed \(c.observed); control \(c.control)") }
        for m in missing { lines.append("not checked: \(m)") }
        lines.append(allHold ? "isolation holds" : "ISOLATION NOT SHOWN")
        return lines.joined(separator: "\n") + "\n"
    }

    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }

    private func row(_ cells: [String], _ widths: [Int]) -> String {
        let wrapped = zip(cells, widths).map { Self.wrap($0, $1) }
        let height = wrapped.map(\.count).max() ?? 1
        var lines: [String] = []
        for i in 0 ..< height {
            lines.append(zip(wrapped, widths).map { cell, w in
                let text = i < cell.count ? cell[i] : ""
                return text.padding(toLength: w, withPad: " ", startingAt: 0)
            }.joined(separator: " | "))
        }
        return lines.map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
            .joined(separator: "\n")
    }

    /// Splits at spaces to fit `width`; a word longer than the column is cut.
    static func wrap(_ text: String, _ width: Int) -> [String] {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            var w = String(word)
            while w.count > width {
                if !line.isEmpty { lines.append(line); line = "" }
                lines.append(String(w.prefix(width)))
                w = String(w.dropFirst(width))
            }
            if line.isEmpty { line = w } else if line.count + 1 + w.count <= width { line += " " + w } else {
                lines.append(line); line = w
            }
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }
}
