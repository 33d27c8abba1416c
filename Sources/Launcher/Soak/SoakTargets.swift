/// The processes a soak may kill and, for each, what "recovered" means: which guest lines show that the I/O it
/// carries flows again (docs/restart.md, "Recovery"). Never the hypervisor (its death ends the machine, as Xen's
/// would) and never a workload (it is the measuring side).
public struct SoakTarget: Sendable, Equatable {
    /// The process name in the plan (`xenstored`, `disk0`, `blk0`, ...).
    public var name: String
    /// The short kind the report groups by: `xenstored`, `disk`, `terminal`, `console`, `blk`, `net`.
    public var kind: String
    /// The guest lines that prove recovery: the first one that arrives after the kill ends the outage.
    public var probe: SoakProbe
}

/// Which guest lines show that a killed process's service works again.
public enum SoakProbe: Sendable, Equatable {
    /// A completed I/O of the domain's block device: an `ACK ` or `READ ok` line of that domain.
    case blockIO(domain: String)
    /// Any console line of the domain that arrives through the killed console path.
    case consoleLine(domain: String)
    /// A guest's xenstore progress (`XS ` lines of any domain; xenstored serves every guest).
    case xenstoreLine
    /// No guest line depends on it (a disk model driven by a host workload): only the restart time is measured.
    case none

    /// True when `line` (of `domain`) shows the service working.
    func matches(domain: String, text: String) -> Bool {
        switch self {
        case let .blockIO(d): return d == domain && (text.hasPrefix("ACK ") || text.hasPrefix("READ ok"))
        case let .consoleLine(d): return d == domain
        case .xenstoreLine: return text.hasPrefix("XS ")
        case .none: return false
        }
    }

    /// The one domain whose service it is; nil for xenstored (every guest's) and a model no guest uses.
    public var domain: String? {
        switch self {
        case let .blockIO(d), let .consoleLine(d): return d
        case .xenstoreLine, .none: return nil
        }
    }

    var label: String {
        switch self {
        case let .blockIO(d): return "next ACK/READ ok of \(d)"
        case let .consoleLine(d): return "next console line of \(d)"
        case .xenstoreLine: return "next XS line of any guest"
        case .none: return "restarted process ready"
        }
    }
}

public enum SoakTargets {
    /// Every killable process of `plan`, with its probe from `topology`'s wiring (which backend serves which
    /// domain through which model).
    public static func all(topology: Topology, plan: ProcessPlan) -> [SoakTarget] {
        var result: [SoakTarget] = []
        for process in plan.processes {
            switch process.role {
            case .hypervisor, .workload: continue
            case .xenstored:
                result.append(SoakTarget(name: process.name, kind: "xenstored", probe: .xenstoreLine))
            case .backend:
                guard let backend = topology.backends.first(where: { $0.name == process.name }) else { continue }
                result.append(SoakTarget(name: process.name, kind: backend.kind.rawValue,
                                         probe: probe(for: backend)))
            case .device:
                guard let device = topology.devices.first(where: { $0.name == process.name }) else { continue }
                let kind: String
                switch device.kind {
                case .disk: kind = "disk"
                case .terminal: kind = "terminal"
                }
                // A model serves the domain of the backend that drives it; a model driven only by a host workload
                // has no guest line to watch.
                let probe = topology.backends.first(where: { $0.model == device.name }).map(probe(for:)) ?? SoakProbe.none
                result.append(SoakTarget(name: process.name, kind: kind, probe: probe))
            }
        }
        return result
    }

    static func probe(for backend: BackendSpec) -> SoakProbe {
        switch backend.kind {
        case .blk: return .blockIO(domain: backend.domain)
        case .console: return .consoleLine(domain: backend.domain)
        case .net: return .none
        }
    }

    /// Keeps the targets of `kinds` (all when nil); throws when a kind is absent or nothing is left.
    public static func select(_ targets: [SoakTarget], kinds: Set<String>?) throws(SoakError) -> [SoakTarget] {
        let available = Array(Set(targets.map(\.kind))).sorted()
        if let kinds {
            for kind in kinds.sorted() where !available.contains(kind) {
                throw .unknownKind(kind, available: available)
            }
        }
        let chosen = targets.filter { kinds?.contains($0.kind) ?? true }
        guard !chosen.isEmpty else { throw .nothingToKill(kinds: (kinds.map { Array($0) } ?? available).sorted()) }
        return chosen
    }
}
