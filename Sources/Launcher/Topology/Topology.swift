/// The validated model of a topology file (docs/topology.md). `TopologyLoader` builds it from YAML; the
/// supervisor turns it into processes. Every value here has passed validation: sizes fit, references resolve.
public struct Topology: Sendable, Equatable {
    /// The file it was read from, for messages.
    public var sourcePath: String
    /// `name:` or the file's base name without extension.
    public var name: String
    public var machine: MachineSpec
    /// Absent when the topology declares no `xenstored:` section.
    public var xenstored: XenstoredSpec?
    public var domains: [DomainSpec]
    public var devices: [DeviceModelSpec]
    public var backends: [BackendSpec]
    public var workloads: [WorkloadSpec]

    public init(sourcePath: String, name: String, machine: MachineSpec, xenstored: XenstoredSpec? = nil,
                domains: [DomainSpec] = [], devices: [DeviceModelSpec] = [], backends: [BackendSpec] = [],
                workloads: [WorkloadSpec] = []) {
        self.sourcePath = sourcePath; self.name = name; self.machine = machine; self.xenstored = xenstored
        self.domains = domains; self.devices = devices; self.backends = backends; self.workloads = workloads
    }
}

/// The emulated machine: its memory is cut into one block per domain plus the hypervisor reserve.
public struct MachineSpec: Sendable, Equatable {
    public var memoryBytes: UInt64
    public var hypervisorReserveBytes: UInt64
    /// Host threads that run vCPUs; nil means one per host core.
    public var pcpus: Int?
    public init(memoryBytes: UInt64, hypervisorReserveBytes: UInt64, pcpus: Int? = nil) {
        self.memoryBytes = memoryBytes; self.hypervisorReserveBytes = hypervisorReserveBytes; self.pcpus = pcpus
    }
}

/// When a supervised process is restarted, and how often before the launcher gives up on it.
public struct RestartPolicy: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable { case always, onFailure = "on-failure", never }
    public var mode: Mode
    /// More than this many restarts inside `windowMilliseconds` is a crash loop: the process is given up.
    public var maxRestarts: Int
    public var windowMilliseconds: Int
    /// First restart delay; doubled on each restart inside the window, up to `maxBackoffMilliseconds`.
    public var backoffMilliseconds: Int
    public var maxBackoffMilliseconds: Int

    public static let defaultPolicy = RestartPolicy(mode: .onFailure, maxRestarts: 5, windowMilliseconds: 30_000,
                                                    backoffMilliseconds: 100, maxBackoffMilliseconds: 5_000)
    public init(mode: Mode, maxRestarts: Int, windowMilliseconds: Int, backoffMilliseconds: Int,
                maxBackoffMilliseconds: Int) {
        self.mode = mode; self.maxRestarts = maxRestarts; self.windowMilliseconds = windowMilliseconds
        self.backoffMilliseconds = backoffMilliseconds; self.maxBackoffMilliseconds = maxBackoffMilliseconds
    }
}

/// Where a process listens. `ipc` becomes `ipc://RUN_DIR/NAME.ipc` once the run dir is known.
public enum EndpointSpec: Sendable, Equatable {
    case ipc
    case tcp(host: String, port: UInt16)

    /// The ZeroMQ address for a process named `name` in `runDirectory`.
    public func address(name: String, runDirectory: String) -> String {
        switch self {
        case .ipc: return "ipc://\(runDirectory)/\(name).ipc"
        case let .tcp(host, port): return "tcp://\(host):\(port)"
        }
    }
}

public struct XenstoredSpec: Sendable, Equatable {
    public var endpoint: EndpointSpec
    public var restart: RestartPolicy
    public init(endpoint: EndpointSpec = .ipc, restart: RestartPolicy = .defaultPolicy) {
        self.endpoint = endpoint; self.restart = restart
    }
}

/// A guest (DomU). Domain ids are assigned in file order from 1; domain 0 is the toolstack (Dom0 processes).
public struct DomainSpec: Sendable, Equatable {
    public var name: String
    public var memoryBytes: UInt64
    public var vcpus: Int
    /// Path of the guest kernel ELF, resolved against the topology file's directory.
    public var kernel: String
    public var args: String
    /// Credit scheduler weight (relative share) and cap (percent of one pCPU; 0 = no cap), as in Xen's credit.
    public var weight: Int
    public var cap: Int
    public init(name: String, memoryBytes: UInt64, vcpus: Int = 1, kernel: String, args: String = "",
                weight: Int = 256, cap: Int = 0) {
        self.name = name; self.memoryBytes = memoryBytes; self.vcpus = vcpus; self.kernel = kernel
        self.args = args; self.weight = weight; self.cap = cap
    }
}

/// A native device model process: the hardware behind a Dom0 backend's native driver.
public struct DeviceModelSpec: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A raw image file of `sizeBytes`, created (zero-filled) when missing if `create` is set.
        case disk(image: String, sizeBytes: UInt64, create: Bool, readOnly: Bool)
        /// A terminal: console bytes appended to `log`.
        case terminal(log: String)
    }
    public var name: String
    public var kind: Kind
    public var endpoint: EndpointSpec
    public var restart: RestartPolicy
    public init(name: String, kind: Kind, endpoint: EndpointSpec = .ipc, restart: RestartPolicy = .defaultPolicy) {
        self.name = name; self.kind = kind; self.endpoint = endpoint; self.restart = restart
    }
}

/// A Dom0 backend driver process serving one device of one domain.
public struct BackendSpec: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case blk, net, console }
    public var name: String
    public var kind: Kind
    /// The domain it serves (a `domains:` name).
    public var domain: String
    /// The guest-visible device name, e.g. `xvda` or `console`.
    public var device: String
    /// The device model its native driver drives (a `devices:` name).
    public var model: String
    public var endpoint: EndpointSpec
    public var restart: RestartPolicy
    public init(name: String, kind: Kind, domain: String, device: String, model: String,
                endpoint: EndpointSpec = .ipc, restart: RestartPolicy = .defaultPolicy) {
        self.name = name; self.kind = kind; self.domain = domain; self.device = device; self.model = model
        self.endpoint = endpoint; self.restart = restart
    }
}

/// A scripted client that runs to completion (until guests exist, it is what a topology's "work" is).
public struct WorkloadSpec: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case diskExercise = "disk-exercise" }
    public var name: String
    public var kind: Kind
    /// The device model it drives (a `devices:` name).
    public var target: String
    public var requests: Int
    public var seed: UInt64
    public var restart: RestartPolicy
    public init(name: String, kind: Kind, target: String, requests: Int = 1000, seed: UInt64 = 1,
                restart: RestartPolicy = RestartPolicy(mode: .never, maxRestarts: 0, windowMilliseconds: 0,
                                                       backoffMilliseconds: 0, maxBackoffMilliseconds: 0)) {
        self.name = name; self.kind = kind; self.target = target; self.requests = requests; self.seed = seed
        self.restart = restart
    }
}
