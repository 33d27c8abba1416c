/// Every key a topology file may use, in one table. The loader accepts exactly these keys (anything else is an
/// unknown key, with the nearest one suggested), reads each value by its `type`, and `docs/topology.md` carries
/// the table rendered by `TopologyKeys.markdownTable(for:)` (a test keeps the two identical).
public struct TopologyKey: Sendable, Equatable {
    /// Where a key may appear. The list sections name the entries of their list.
    public enum Section: String, Sendable, CaseIterable {
        case topLevel = "top level", machine, xenstored, domain, disk, device, backend, workload, restart

        /// The YAML heading the docs use for the section.
        public var heading: String {
            switch self {
            case .topLevel: return "Top level"
            case .machine: return "`machine:`"
            case .xenstored: return "`xenstored:`"
            case .domain: return "`domains:` entries"
            case .disk: return "`disks:` entries (in a domain)"
            case .device: return "`devices:` entries"
            case .backend: return "`backends:` entries"
            case .workload: return "`workloads:` entries"
            case .restart: return "`restart:` (in `xenstored:`, devices, backends and disks)"
            }
        }
    }

    public enum ValueType: Sendable, Equatable {
        /// Any string.
        case string
        /// A name: see `TopologyKeys.namePattern`.
        case name
        /// A file path, resolved against the topology file's directory.
        case path
        /// Bytes: an integer or a number with a binary unit (`TopologyUnits`).
        case size
        /// A number with a unit (`TopologyUnits`).
        case duration
        case boolean
        case integer(ClosedRange<Int>)
        /// One of these words.
        case choice([String])
        /// `ipc` or `tcp://HOST:PORT`.
        case endpoint
        /// The name of an entry of another list section.
        case reference(Section)
        case mapping(Section)
        case list(Section)

        /// How the docs and the messages name the type.
        public var summary: String {
            switch self {
            case .string: return "string"
            case .name: return "name"
            case .path: return "path"
            case .size: return "size"
            case .duration: return "duration"
            case .boolean: return "boolean"
            case let .integer(range):
                return range.upperBound == Int.max ? "integer ≥ \(range.lowerBound)"
                    : "integer \(range.lowerBound)–\(range.upperBound)"
            case let .choice(words): return words.map { "`\($0)`" }.joined(separator: " \\| ")
            case .endpoint: return "endpoint"
            case let .reference(section): return "name of a \(section.rawValue)"
            case let .mapping(section): return "mapping (\(section.rawValue))"
            case let .list(section): return "list of \(section.rawValue)s"
            }
        }
    }

    public enum Presence: Sendable, Equatable {
        case required
        /// The default, as the docs show it.
        case optional(default: String)
    }

    public var section: Section
    public var name: String
    public var type: ValueType
    public var presence: Presence
    /// For device keys that belong to one device kind (`image` is for disks): that kind.
    public var onlyFor: String?
    public var meaning: String
}

public enum TopologyKeys {
    /// Names become ZeroMQ ipc socket files (`RUN_DIR/NAME.ipc`), log names and xenstore path components, so they
    /// hold no `/`, do not start with `.` or `-`, and stay short: letters, digits, `_`, `-`, `.`, 1 to 64 long.
    public static let nameRule = "1 to 64 letters, digits, '_', '-' or '.', starting with a letter or digit"
    public static let maxNameLength = 64

    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= maxNameLength else { return false }
        func plain(_ c: Unicode.Scalar) -> Bool {
            c.isASCII && (("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c))
        }
        return plain(first) && name.unicodeScalars.allSatisfy { plain($0) || $0 == "_" || $0 == "-" || $0 == "." }
    }

    /// Process names the topology may not take: the processes every topology has.
    public static let reservedNames: [String: String] = [
        "xenstored": "the xenstore daemon", "hypervisor": "the hypervisor process",
    ]

    static let restartDefaults = RestartPolicy.defaultPolicy
    static let endpointDefault = "`ipc`"
    static let restartDefault = "see `restart:`"

    public static let all: [TopologyKey] = [
        // Top level
        .init(section: .topLevel, name: "name", type: .name, presence: .optional(default: "file name without extension"),
              meaning: "Name of the topology, shown by status output."),
        .init(section: .topLevel, name: "machine", type: .mapping(.machine), presence: .required,
              meaning: "The emulated machine."),
        .init(section: .topLevel, name: "xenstored", type: .mapping(.xenstored),
              presence: .optional(default: "none; required when there are backends"),
              meaning: "The xenstore daemon (Dom0). `xenstored: {}` or `xenstored:` alone runs it with defaults."),
        .init(section: .topLevel, name: "domains", type: .list(.domain), presence: .optional(default: "`[]`"),
              meaning: "Guests (DomU), given domain ids 1, 2, … in file order."),
        .init(section: .topLevel, name: "devices", type: .list(.device), presence: .optional(default: "`[]`"),
              meaning: "Native device model processes (the hardware behind Dom0's drivers)."),
        .init(section: .topLevel, name: "backends", type: .list(.backend), presence: .optional(default: "`[]`"),
              meaning: "Dom0 backend driver processes, one per served guest device."),
        .init(section: .topLevel, name: "workloads", type: .list(.workload), presence: .optional(default: "`[]`"),
              meaning: "Scripted clients that run to completion against a device model."),
        // machine
        .init(section: .machine, name: "memory", type: .size, presence: .required,
              meaning: "Machine memory: one block per domain plus the hypervisor reserve must fit in it."),
        .init(section: .machine, name: "hypervisor_reserve", type: .size,
              presence: .optional(default: TopologyUnits.formatSize(TopologyLimits.defaultHypervisorReserve)),
              meaning: "Memory kept by the hypervisor for its own tables (frame table, grant and event-channel state)."),
        .init(section: .machine, name: "pcpus", type: .integer(TopologyLimits.pcpus),
              presence: .optional(default: "one per host core"), meaning: "Host threads that run vCPUs."),
        // xenstored
        .init(section: .xenstored, name: "endpoint", type: .endpoint, presence: .optional(default: endpointDefault),
              meaning: "Where xenstored listens."),
        .init(section: .xenstored, name: "restart", type: .mapping(.restart), presence: .optional(default: restartDefault),
              meaning: "Restart policy."),
        // domains
        .init(section: .domain, name: "name", type: .name, presence: .required, meaning: "Process-wide unique name."),
        .init(section: .domain, name: "memory", type: .size, presence: .required,
              meaning: "The domain's memory block: a multiple of 4 KiB, from 1 MiB to 3 GiB."),
        .init(section: .domain, name: "vcpus", type: .integer(TopologyLimits.vcpus), presence: .optional(default: "1"),
              meaning: "Virtual CPUs."),
        .init(section: .domain, name: "kernel", type: .path, presence: .required,
              meaning: "Guest kernel: an existing ARM ELF32 executable."),
        .init(section: .domain, name: "args", type: .string, presence: .optional(default: "`\"\"`"),
              meaning: "Kernel command line."),
        .init(section: .domain, name: "weight", type: .integer(TopologyLimits.weight), presence: .optional(default: "256"),
              meaning: "Credit scheduler weight (relative CPU share)."),
        .init(section: .domain, name: "cap", type: .integer(TopologyLimits.cap), presence: .optional(default: "0"),
              meaning: "Credit scheduler cap in percent of one pCPU, at most 100 × `vcpus`; 0 means no cap."),
        .init(section: .domain, name: "disks", type: .list(.disk), presence: .optional(default: "`[]`"),
              meaning: "Shorthand for the domain's virtual disks: each becomes a disk model `disk.DOMAIN.NAME` and a "
                  + "blk backend `blk.DOMAIN.NAME` (docs/block.md)."),
        // disks (a domain's shorthand)
        .init(section: .disk, name: "name", type: .name, presence: .required,
              meaning: "Guest-visible disk name, `xvda` … `xvdp` (Xen vbd numbering); one per name in a domain."),
        .init(section: .disk, name: "image", type: .path, presence: .required,
              meaning: "Raw disk image file; must exist unless `create: true`."),
        .init(section: .disk, name: "size", type: .size,
              presence: .optional(default: "the image's size; required when the image is to be created"),
              meaning: "Disk size, a multiple of 512 bytes; must match an existing image."),
        .init(section: .disk, name: "read_only", type: .boolean, presence: .optional(default: "`false`"),
              meaning: "A read-only disk: `mode` r, the model and the backend refuse writes."),
        .init(section: .disk, name: "create", type: .boolean, presence: .optional(default: "`false`"),
              meaning: "Create a zero-filled image of `size` at launch if it is missing."),
        .init(section: .disk, name: "restart", type: .mapping(.restart), presence: .optional(default: restartDefault),
              meaning: "Restart policy of both processes."),
        // devices
        .init(section: .device, name: "name", type: .name, presence: .required, meaning: "Process-wide unique name."),
        .init(section: .device, name: "kind", type: .choice(["disk", "terminal"]), presence: .required,
              meaning: "What the model emulates."),
        .init(section: .device, name: "image", type: .path, presence: .required, onlyFor: "disk",
              meaning: "Raw disk image file; must exist unless `create: true`."),
        .init(section: .device, name: "size", type: .size,
              presence: .optional(default: "the image's size; required when the image is to be created"),
              onlyFor: "disk", meaning: "Disk size, a multiple of 512 bytes; must match an existing image."),
        .init(section: .device, name: "create", type: .boolean, presence: .optional(default: "`false`"), onlyFor: "disk",
              meaning: "Create a zero-filled image of `size` (and its directory) at launch if it is missing."),
        .init(section: .device, name: "read_only", type: .boolean, presence: .optional(default: "`false`"),
              onlyFor: "disk", meaning: "Refuse writes."),
        .init(section: .device, name: "log", type: .path, presence: .required, onlyFor: "terminal",
              meaning: "File the terminal appends console output to (created at launch)."),
        .init(section: .device, name: "endpoint", type: .endpoint, presence: .optional(default: endpointDefault),
              meaning: "Where the model listens."),
        .init(section: .device, name: "restart", type: .mapping(.restart), presence: .optional(default: restartDefault),
              meaning: "Restart policy."),
        // backends
        .init(section: .backend, name: "name", type: .name, presence: .required, meaning: "Process-wide unique name."),
        .init(section: .backend, name: "kind", type: .choice(BackendSpec.Kind.allCases.map(\.rawValue)),
              presence: .required, meaning: "`blk` drives a disk, `console` a terminal, `net` a switch."),
        .init(section: .backend, name: "domain", type: .reference(.domain), presence: .required,
              meaning: "The domain it serves."),
        .init(section: .backend, name: "device", type: .name, presence: .required,
              meaning: "Guest-visible device name (`xvda`, `console`); one backend per domain device."),
        .init(section: .backend, name: "model", type: .reference(.device), presence: .required,
              meaning: "The device model its native driver uses."),
        .init(section: .backend, name: "endpoint", type: .endpoint, presence: .optional(default: endpointDefault),
              meaning: "Where the backend listens."),
        .init(section: .backend, name: "restart", type: .mapping(.restart), presence: .optional(default: restartDefault),
              meaning: "Restart policy."),
        // workloads
        .init(section: .workload, name: "name", type: .name, presence: .required, meaning: "Process-wide unique name."),
        .init(section: .workload, name: "kind", type: .choice(WorkloadSpec.Kind.allCases.map(\.rawValue)),
              presence: .required, meaning: "`disk-exercise`: a seeded stream of requests against a disk model."),
        .init(section: .workload, name: "target", type: .reference(.device), presence: .required,
              meaning: "The disk device model it drives."),
        .init(section: .workload, name: "requests", type: .integer(TopologyLimits.requests),
              presence: .optional(default: "1000"), meaning: "Requests to issue."),
        .init(section: .workload, name: "seed", type: .integer(0...Int.max), presence: .optional(default: "1"),
              meaning: "Random seed: the same seed issues the same requests."),
        // restart
        .init(section: .restart, name: "policy", type: .choice(RestartPolicy.Mode.allCases.map(\.rawValue)),
              presence: .optional(default: "`\(restartDefaults.mode.rawValue)`"),
              meaning: "`always`: restart on any exit; `on-failure`: on a non-zero exit or a signal; `never`."),
        .init(section: .restart, name: "max_restarts", type: .integer(TopologyLimits.maxRestarts),
              presence: .optional(default: "\(restartDefaults.maxRestarts)"),
              meaning: "More restarts than this inside `window` is a crash loop: the process is given up."),
        .init(section: .restart, name: "window", type: .duration,
              presence: .optional(default: TopologyUnits.formatDuration(restartDefaults.windowMilliseconds)),
              meaning: "The crash-loop window; more than 0 unless the policy is `never`."),
        .init(section: .restart, name: "backoff", type: .duration,
              presence: .optional(default: TopologyUnits.formatDuration(restartDefaults.backoffMilliseconds)),
              meaning: "First restart delay, doubled on each restart inside the window."),
        .init(section: .restart, name: "max_backoff", type: .duration,
              presence: .optional(default: TopologyUnits.formatDuration(restartDefaults.maxBackoffMilliseconds)),
              meaning: "Longest restart delay; not shorter than `backoff`."),
    ]

    public static func keys(in section: TopologyKey.Section) -> [TopologyKey] { all.filter { $0.section == section } }

    public static func key(_ name: String, in section: TopologyKey.Section) -> TopologyKey? {
        all.first { $0.section == section && $0.name == name }
    }

    /// The section's table as `docs/topology.md` shows it.
    public static func markdownTable(for section: TopologyKey.Section) -> String {
        var lines = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
        for key in keys(in: section) {
            var presence: String
            switch key.presence {
            case .required: presence = "required"
            case let .optional(value): presence = value
            }
            if let kind = key.onlyFor { presence += " (\(kind) only)" }
            lines.append("| `\(key.name)` | \(key.type.summary) | \(presence) | \(key.meaning) |")
        }
        return lines.joined(separator: "\n")
    }
}
