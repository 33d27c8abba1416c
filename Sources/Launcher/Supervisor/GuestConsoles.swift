import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where one guest's console goes (docs/console.md, "Every guest's console in the run dir"): every guest has one
/// log, `RUN/console/NAME.log`, holding all its console output whatever path it took. A guest whose topology gives
/// it a console backend and a terminal model has its log *in the terminal's log file* (`RUN/console/NAME.log` is a
/// symlink to it), so the file the backend's restart arithmetic relies on stays the one file; the hypervisor adds
/// there only what the guest wrote through `console_io` before the backend bound its console port.
public struct GuestConsole: Codable, Sendable, Equatable {
    /// The domain's name and id (ids are given in topology order, from 1, as the hypervisor builds them).
    public var name: String
    public var id: Int
    /// `RUN/console/NAME.log`.
    public var log: String
    /// The terminal model serving this guest's console backend, its endpoint and its log file; nil when the guest
    /// has no console backend (its console is `console_io` only, output without input).
    public var terminal: String?
    public var terminalEndpoint: String?
    public var terminalLog: String?
    /// The console backend's name.
    public var backend: String?

    public init(name: String, id: Int, log: String, terminal: String? = nil, terminalEndpoint: String? = nil,
                terminalLog: String? = nil, backend: String? = nil) {
        self.name = name; self.id = id; self.log = log; self.terminal = terminal
        self.terminalEndpoint = terminalEndpoint; self.terminalLog = terminalLog; self.backend = backend
    }

    /// What `xenarm status` shows: `terminal term0, log RUN/console/NAME.log` or `log RUN/console/NAME.log (read-only)`.
    public var location: String {
        if let terminal { return "terminal \(terminal), log \(log)" }
        return "log \(log) (read-only)"
    }
}

/// The table of every guest's console for a launch: built from the topology by the process plan, written to
/// `RUN/consoles.json` by the launcher before any process starts, read by the hypervisor (which writes the logs),
/// `xenarm console` and `xenarm status`.
public enum GuestConsoles {
    public static func directory(_ run: String) -> String { "\(run)/console" }
    public static func indexFile(_ run: String) -> String { "\(run)/consoles.json" }

    /// One entry per domain, in id order.
    public static func plan(topology: Topology, runDirectory: String) -> [GuestConsole] {
        topology.domains.enumerated().map { k, domain in
            var entry = GuestConsole(name: domain.name, id: k + 1, log: "\(directory(runDirectory))/\(domain.name).log")
            if let backend = topology.backends.first(where: { $0.kind == .console && $0.domain == domain.name }),
               let model = topology.devices.first(where: { $0.name == backend.model }),
               case let .terminal(log) = model.kind {
                entry.terminal = model.name
                entry.terminalEndpoint = model.endpoint.address(name: model.name, runDirectory: runDirectory)
                entry.terminalLog = RunDirectory.resolve(log, in: runDirectory)
                entry.backend = backend.name
            }
            return entry
        }
    }

    /// Creates `RUN/console/`, makes each terminal-served guest's `NAME.log` a symlink to its terminal's log (the
    /// terminal's directory is created too, so the link is never dangling for long), and writes the index.
    public static func prepare(_ consoles: [GuestConsole], runDirectory: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory(runDirectory), withIntermediateDirectories: true)
        for c in consoles {
            guard let target = c.terminalLog else { continue }
            let targetPath = URL(fileURLWithPath: target).standardizedFileURL.path
            try fm.createDirectory(atPath: (targetPath as NSString).deletingLastPathComponent,
                                   withIntermediateDirectories: true)
            if targetPath == URL(fileURLWithPath: c.log).standardizedFileURL.path { continue }  // the topology put it there
            if (try? fm.destinationOfSymbolicLink(atPath: c.log)) == targetPath { continue }
            _ = unlink(c.log)
            try fm.createSymbolicLink(atPath: c.log, withDestinationPath: targetPath)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(consoles)
        let temp = indexFile(runDirectory) + ".tmp"
        try data.write(to: URL(fileURLWithPath: temp))
        guard rename(temp, indexFile(runDirectory)) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: indexFile(runDirectory)])
        }
    }

    /// The index of a launch; throws when it is missing or unreadable.
    public static func load(runDirectory: String) throws -> [GuestConsole] {
        let data = try Data(contentsOf: URL(fileURLWithPath: indexFile(runDirectory)))
        return try JSONDecoder().decode([GuestConsole].self, from: data)
    }

    /// The entry for `key`: a domain name, or its id in decimal.
    public static func find(_ key: String, in consoles: [GuestConsole]) -> GuestConsole? {
        consoles.first { $0.name == key } ?? Int(key).flatMap { id in consoles.first { $0.id == id } }
    }
}
