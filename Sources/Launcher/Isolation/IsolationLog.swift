import Foundation
import Synchronization

/// Everything the launcher printed during the battery, line by line, each stamped with the seconds since the
/// battery started (the command's own clock: ordering between domains is what the checks compare).
public final class IsolationLog: Sendable {
    public struct Line: Sendable, Equatable {
        public let at: Double
        public let text: String
    }

    private struct State {
        var lines: [Line] = []
        var partial: [UInt8] = []
    }

    private let state = Mutex(State())
    private let origin: ContinuousClock.Instant

    public init(origin: ContinuousClock.Instant = .now) { self.origin = origin }

    public var now: Double { Self.seconds(ContinuousClock.now - origin) }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// Appends raw output; complete lines become entries.
    public func append(_ bytes: [UInt8]) {
        let at = now
        state.withLock { s in
            s.partial += bytes
            while let nl = s.partial.firstIndex(of: 0x0A) {
                s.lines.append(Line(at: at, text: String(decoding: s.partial[..<nl], as: UTF8.self)))
                s.partial.removeSubrange(...nl)
            }
        }
    }

    public var lines: [Line] { state.withLock { $0.lines } }

    /// A guest's console lines (`[DOMAIN] text` from the launcher), the prefix removed.
    public func console(_ domain: String) -> [Line] {
        let prefix = "[\(domain)] "
        return lines.compactMap { $0.text.hasPrefix(prefix) ? Line(at: $0.at, text: String($0.text.dropFirst(prefix.count))) : nil }
    }

    /// The first console line of `domain` starting with `prefix`.
    public func first(_ domain: String, _ prefix: String) -> Line? {
        console(domain).first { $0.text.hasPrefix(prefix) }
    }

    /// Waits until `condition` holds over the lines (polling every 50 ms), up to `timeout` seconds.
    @discardableResult
    public func wait(_ timeout: Double, until condition: (IsolationLog) -> Bool) -> Bool {
        let deadline = now + timeout
        while now < deadline {
            if condition(self) { return true }
            usleep(50_000)
        }
        return condition(self)
    }

    /// `key=value` fields of a probe line (`CHECK read-other ret=-13 expect=-13` → ret, expect).
    public static func fields(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for word in text.split(separator: " ") {
            guard let eq = word.firstIndex(of: "=") else { continue }
            out[String(word[..<eq])] = String(word[word.index(after: eq)...])
        }
        return out
    }

    /// An integer field, decimal or 0x hex.
    public static func int(_ text: String, _ key: String) -> Int64? {
        guard let v = fields(text)[key] else { return nil }
        if v.hasPrefix("0x") { return Int64(v.dropFirst(2), radix: 16) }
        return Int64(v)
    }
}
