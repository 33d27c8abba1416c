import Foundation
import Wire

/// `xenarm status` as a table: one row per process, columns padded to the widest cell.
public enum StatusTable {
    public static let headers = ["NAME", "KIND", "PID", "STATE", "RESTARTS", "UPTIME", "LAST EXIT", "COUNTERS"]
    /// Counters shown first, in this order; any others follow alphabetically.
    static let counterOrder = ["requests", "bytes", "errors", "malformed"]

    public static func render(_ report: StatusReport) -> String {
        var rows = [headers]
        for p in report.processes {
            rows.append([
                p.name, p.kind, p.pid.map(String.init) ?? "-", p.state, String(p.restarts),
                p.uptimeSeconds.map(duration) ?? "-", p.lastExit ?? "-", counters(p.counters),
            ])
        }
        let widths = headers.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var text = "\(report.topology) in \(report.runDirectory), launcher pid \(report.launcherPid), up "
            + duration(report.uptimeSeconds)
            + (report.malformedControlMessages > 0 ? ", \(report.malformedControlMessages) malformed control messages" : "")
            + "\n"
        for row in rows {
            let cells = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            text += cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
        }
        if let domains = report.domains, !domains.isEmpty {
            let width = max(6, domains.map(\.name.count).max() ?? 0)
            let stateWidth = max(5, domains.map(\.state.count).max() ?? 0)
            let consoles = domains.contains { $0.console != nil }
            text += "\n" + "DOMAIN".padding(toLength: width, withPad: " ", startingAt: 0) + "  ID  "
                + (consoles ? "STATE".padding(toLength: stateWidth, withPad: " ", startingAt: 0) + "  CONSOLE" : "STATE")
                + "\n"
            for d in domains {
                var row = d.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                    + String(d.id).padding(toLength: 2, withPad: " ", startingAt: 0) + "  "
                if let console = d.console {
                    row += d.state.padding(toLength: stateWidth, withPad: " ", startingAt: 0) + "  " + console
                } else {
                    row += d.state
                }
                text += row.trimmingCharacters(in: .whitespaces) + "\n"
            }
        }
        return text
    }

    static func counters(_ counters: [String: Int64]) -> String {
        guard !counters.isEmpty else { return "-" }
        let keys = counterOrder.filter { counters[$0] != nil }
            + counters.keys.filter { !counterOrder.contains($0) }.sorted()
        return keys.map { "\($0)=\(counters[$0]!)" }.joined(separator: " ")
    }

    /// 0.4 → "0.4s", 75 → "1m15s", 4000 → "1h06m".
    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let s = Int(seconds)
        if s < 3600 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m"
    }
}
