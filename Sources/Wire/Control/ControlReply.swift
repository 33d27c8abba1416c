import Foundation

/// The one reply a CLI client gets to each request: `{"ok":true,...}` or `{"ok":false,"error":"..."}`.
/// A `status` reply carries the whole status table (the same document as `RUN/state.json`).
public struct ControlReply: Codable, Sendable, Equatable {
    public var ok: Bool
    public var error: String?
    /// A human sentence for `kill`, `restart`, `stop` ("sent KILL to disk0 (pid 1234)").
    public var message: String?
    /// Present in `status` replies.
    public var status: StatusReport?

    public init(ok: Bool, error: String? = nil, message: String? = nil, status: StatusReport? = nil) {
        self.ok = ok; self.error = error; self.message = message; self.status = status
    }

    public static func failure(_ error: String) -> ControlReply { ControlReply(ok: false, error: error) }

    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data(#"{"ok":false,"error":"unencodable reply"}"#.utf8)
    }

    public init(decoding data: Data) throws {
        guard data.count <= ControlSocket.maximumFrameBytes else { throw ControlError.oversized(bytes: data.count) }
        do {
            self = try JSONDecoder().decode(ControlReply.self, from: data)
        } catch {
            throw ControlError.malformed(detail: ControlMessage.describe(error))
        }
    }
}

/// The launcher's status table: what `xenarm status` prints and `RUN/state.json` holds.
public struct StatusReport: Codable, Sendable, Equatable {
    public var topology: String
    public var runDirectory: String
    public var launcherPid: Int32
    /// Seconds since the launcher started.
    public var uptimeSeconds: Double
    /// Control frames the launcher could not decode (each also got an error reply and a log line).
    public var malformedControlMessages: Int64
    public var processes: [ProcessStatus]
    /// The guests, as the hypervisor reported them; absent in a topology without domains.
    public var domains: [DomainStatus]?

    public init(topology: String, runDirectory: String, launcherPid: Int32, uptimeSeconds: Double,
                malformedControlMessages: Int64, processes: [ProcessStatus], domains: [DomainStatus]? = nil) {
        self.topology = topology; self.runDirectory = runDirectory; self.launcherPid = launcherPid
        self.uptimeSeconds = uptimeSeconds; self.malformedControlMessages = malformedControlMessages
        self.processes = processes; self.domains = domains
    }
}

/// One guest in the status table.
public struct DomainStatus: Codable, Sendable, Equatable {
    public var name: String
    public var id: Int
    /// "running", then the end reason: "poweroff", "reboot", "crash", "crashed: WHY".
    public var state: String
    /// Where its console is: `terminal MODEL, log RUN/console/NAME.log` or `log RUN/console/NAME.log (read-only)`.
    public var console: String?
    public init(name: String, id: Int, state: String, console: String? = nil) {
        self.name = name; self.id = id; self.state = state; self.console = console
    }
}

/// One row of the status table.
public struct ProcessStatus: Codable, Sendable, Equatable {
    public var name: String
    /// "xenstored", "device disk", "backend blk", "workload disk-exercise", ...
    public var kind: String
    public var pid: Int32?
    /// One of `starting`, `ready`, `exited`, `backoff`, `given-up`, `stopping`, `stopped`, `pending`.
    public var state: String
    public var restarts: Int
    /// Seconds since the current incarnation was started; absent when not running.
    public var uptimeSeconds: Double?
    /// "exit 3", "signal KILL"; absent before the first exit.
    public var lastExit: String?
    public var endpoint: String?
    /// The last `metrics` report of the current incarnation: requests, bytes, errors, malformed, ...
    public var counters: [String: Int64]

    public init(name: String, kind: String, pid: Int32?, state: String, restarts: Int, uptimeSeconds: Double?,
                lastExit: String?, endpoint: String?, counters: [String: Int64]) {
        self.name = name; self.kind = kind; self.pid = pid; self.state = state; self.restarts = restarts
        self.uptimeSeconds = uptimeSeconds; self.lastExit = lastExit; self.endpoint = endpoint
        self.counters = counters
    }
}
