import Foundation

/// One control message: a JSON object in one ZeroMQ frame, `"type"` naming the kind (docs/launcher.md).
///
/// Children send `ready` and `metrics`; the launcher sends `shutdown`; CLI clients send `status`, `kill`,
/// `restart`, `stop` and get one `ControlReply`. Decoding is strict about what a kind needs and lenient about
/// extra fields, so an older launcher can read a newer child's report.
public enum ControlMessage: Sendable, Equatable {
    /// child → launcher, once the child's own sockets are bound.
    case ready(name: String, pid: Int32, endpoint: String)
    /// child → launcher, every `ChildControl.metricsInterval`.
    case metrics(name: String, counters: [String: Int64])
    /// launcher → child: exit cleanly.
    case shutdown
    /// client → launcher: reply carries the status table.
    case status
    /// client → launcher: send `signal` (a name from `SignalName`, e.g. "KILL", or a number) to process `name`.
    case kill(name: String, signal: String)
    /// client → launcher: stop process `name` and start it again (not counted against its crash-loop cap).
    case restart(name: String)
    /// client → launcher: shut everything down in reverse order and exit.
    case stop
    /// hypervisor → launcher: guest `domain` (id `id`) is in `state`: "running" when it starts, then its end
    /// reason once ("poweroff", "reboot", "crash", "watchdog", "crashed: WHY").
    case domain(name: String, domain: String, id: Int, state: String)
    /// hypervisor → launcher: one line of guest `domain`'s console, shown by the launcher as `[DOMAIN] line`.
    case console(name: String, domain: String, line: String)

    /// Control messages are small; a frame larger than this is refused before parsing.
    public static let maximumBytes = 64 * 1024

    /// The `"type"` value of each kind, one row per case.
    public var type: String {
        switch self {
        case .ready: return "ready"
        case .metrics: return "metrics"
        case .shutdown: return "shutdown"
        case .status: return "status"
        case .kill: return "kill"
        case .restart: return "restart"
        case .stop: return "stop"
        case .domain: return "domain"
        case .console: return "console"
        }
    }

    /// The wire form: a JSON object with sorted keys.
    public func encoded() -> Data {
        var raw = Raw(type: type)
        switch self {
        case let .ready(name, pid, endpoint): raw.name = name; raw.pid = pid; raw.endpoint = endpoint
        case let .metrics(name, counters): raw.name = name; raw.counters = counters
        case let .kill(name, signal): raw.name = name; raw.signal = signal
        case let .restart(name): raw.name = name
        case let .domain(name, domain, id, state): raw.name = name; raw.domain = domain; raw.domid = id; raw.state = state
        case let .console(name, domain, line): raw.name = name; raw.domain = domain; raw.line = line
        case .shutdown, .status, .stop: break
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding strings, integers and a string→integer map cannot fail.
        return (try? encoder.encode(raw)) ?? Data("{}".utf8)
    }

    /// Decodes untrusted bytes; every failure is a `ControlError`, never a trap.
    public init(decoding data: Data) throws {
        guard data.count <= Self.maximumBytes else { throw ControlError.oversized(bytes: data.count) }
        let raw: Raw
        do {
            raw = try JSONDecoder().decode(Raw.self, from: data)
        } catch DecodingError.keyNotFound(let key, _) where key.stringValue == "type" {
            throw ControlError.missingField(type: "?", field: "type")
        } catch {
            throw ControlError.malformed(detail: Self.describe(error))
        }
        func need<T>(_ value: T?, _ field: String) throws -> T {
            guard let value else { throw ControlError.missingField(type: raw.type, field: field) }
            return value
        }
        switch raw.type {
        case "ready":
            self = .ready(name: try need(raw.name, "name"), pid: try need(raw.pid, "pid"),
                          endpoint: try need(raw.endpoint, "endpoint"))
        case "metrics": self = .metrics(name: try need(raw.name, "name"), counters: try need(raw.counters, "counters"))
        case "shutdown": self = .shutdown
        case "status": self = .status
        case "kill": self = .kill(name: try need(raw.name, "name"), signal: raw.signal ?? "KILL")
        case "restart": self = .restart(name: try need(raw.name, "name"))
        case "stop": self = .stop
        case "domain":
            self = .domain(name: try need(raw.name, "name"), domain: try need(raw.domain, "domain"),
                           id: try need(raw.domid, "domid"), state: try need(raw.state, "state"))
        case "console":
            self = .console(name: try need(raw.name, "name"), domain: try need(raw.domain, "domain"),
                            line: try need(raw.line, "line"))
        default: throw ControlError.unknownType(String(raw.type.prefix(64)))
        }
    }

    /// The union of every kind's fields; which ones a kind needs is checked in `init(decoding:)`.
    private struct Raw: Codable {
        var type: String
        var name: String?
        var pid: Int32?
        var endpoint: String?
        var counters: [String: Int64]?
        var signal: String?
        var domain: String?
        var domid: Int?
        var state: String?
        var line: String?
        init(type: String) { self.type = type }
    }

    /// A one-line reason for a JSON decoding failure (no payload bytes echoed back, they are untrusted).
    static func describe(_ error: Error) -> String {
        switch error {
        case let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "not a JSON object" : "field \"\(path)\" has the wrong type"
        case let DecodingError.keyNotFound(key, _): return "missing field \"\(key.stringValue)\""
        case DecodingError.dataCorrupted: return "not valid JSON"
        default: return "not valid JSON"
        }
    }
}
