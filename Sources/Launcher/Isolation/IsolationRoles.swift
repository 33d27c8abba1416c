/// Which domain of the topology plays which part in the battery, read from its kernel and arguments
/// (docs/isolation.md, "The topology"): the probes are recognised by their program, the neighbours by what they
/// run and how they are configured. A role nobody plays leaves its checks failing with "no such probe".
public struct IsolationRoles: Sendable, Equatable {
    public struct Domain: Sendable, Equatable {
        public let name: String
        public let id: UInt16
        public let args: String
        public let memoryBytes: UInt64
    }

    public var memory: Domain?
    public var fuzz: Domain?
    /// probe-hcall with `random-only`: floods random hypercalls for the CPU checks.
    public var flooder: Domain?
    public var eventOffer: Domain?
    public var eventProbe: Domain?
    public var eventExhaust: Domain?
    public var grant: Domain?
    public var xenstoreVictim: Domain?
    public var xenstoreAttacker: Domain?
    public var crash: Domain?
    /// probe-blk: a hostile block frontend on its own disk (the block path's contract, issue 7).
    public var block: Domain?
    /// A compute guest with a cap: spins inside it.
    public var spinner: Domain?
    /// A compute guest whose console has a backend and terminal (the crash-containment target).
    public var victim: Domain?
    /// A compute guest with neither: the neighbour that must never notice anything.
    public var quiet: Domain?
    /// The victim's console backend and terminal model.
    public var victimBackend: String?
    public var victimTerminal: String?
    public var victimTerminalLog: String?
    /// Every domain by name.
    public var all: [Domain] = []
    /// Caps from the topology (0 = none).
    public var caps: [String: Int] = [:]

    public init(topology: Topology) {
        for (k, spec) in topology.domains.enumerated() {
            let d = Domain(name: spec.name, id: UInt16(k + 1), args: spec.args, memoryBytes: spec.memoryBytes)
            all.append(d)
            caps[spec.name] = spec.cap
            let program = spec.kernel.split(separator: "/").last.map(String.init) ?? spec.kernel
            let words = Set(spec.args.split(separator: " ").map(String.init))
            switch program {
            case "probe-mem.elf": memory = memory ?? d
            case "probe-hcall.elf":
                if words.contains("random-only") { flooder = flooder ?? d } else { fuzz = fuzz ?? d }
            case "probe-evtchn.elf":
                if words.contains("role=offer") { eventOffer = eventOffer ?? d }
                else if words.contains("role=exhaust") { eventExhaust = eventExhaust ?? d }
                else { eventProbe = eventProbe ?? d }
            case "probe-grant.elf": grant = grant ?? d
            case "probe-xs.elf":
                if words.contains("role=victim") { xenstoreVictim = xenstoreVictim ?? d }
                else { xenstoreAttacker = xenstoreAttacker ?? d }
            case "probe-crash.elf": crash = crash ?? d
            case "probe-blk.elf": block = block ?? d
            case "compute.elf":
                if spec.cap > 0 {
                    spinner = spinner ?? d
                } else if let b = topology.backends.first(where: { $0.domain == spec.name && $0.kind == .console }) {
                    if victim == nil {
                        victim = d
                        victimBackend = b.name
                        victimTerminal = b.model
                        if let m = topology.devices.first(where: { $0.name == b.model }), case let .terminal(log) = m.kind {
                            victimTerminalLog = log
                        }
                    }
                } else {
                    quiet = quiet ?? d
                }
            default: break
            }
        }
    }

    public func named(_ name: String) -> Domain? { all.first { $0.name == name } }
}
