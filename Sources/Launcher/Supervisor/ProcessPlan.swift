/// A topology turned into the processes that run it: for each, its name, kind, the arguments of the one
/// `xenarm` executable, its restart policy, in dependency order (DESIGN.md §2): xenstored, device models,
/// Dom0 backends, the hypervisor, workloads. The supervisor starts them in this order, waiting for each one's
/// `ready` except workloads, and stops them in the reverse order.
public struct ProcessPlan: Sendable, Equatable {
    public var topologyName: String
    public var runDirectory: String
    /// The launcher's control ROUTER: `ipc://RUN_DIR/control.ipc`.
    public var controlEndpoint: String
    public var processes: [PlannedProcess]
    /// Every guest's console: its log in `RUN/console/`, its terminal model if any (GuestConsoles.swift).
    public var consoles: [GuestConsole]

    public init(topology: Topology, runDirectory: String) {
        self.topologyName = topology.name
        self.runDirectory = runDirectory
        let control = RunDirectory.controlEndpoint(runDirectory)
        self.controlEndpoint = control
        func common(_ name: String, _ endpoint: String?) -> [String] {
            ["--name", name, "--control", control] + (endpoint.map { ["--endpoint", $0] } ?? [])
        }
        func path(_ p: String) -> String { RunDirectory.resolve(p, in: runDirectory) }

        var list: [PlannedProcess] = []
        var modelEndpoints: [String: String] = [:]
        var diskImages: [String: String] = [:]
        var diskGeometry: [String: (sectors: UInt64, readOnly: Bool)] = [:]
        var xenstoredEndpoint: String?

        let hypervisorEndpoint = EndpointSpec.ipc.address(name: "hypervisor", runDirectory: runDirectory)
        if let xs = topology.xenstored {
            let name = "xenstored"
            let endpoint = xs.endpoint.address(name: name, runDirectory: runDirectory)
            xenstoredEndpoint = endpoint
            // With domains, xenstored serves their xenstore rings through the hypervisor bus. It still starts
            // first (backends need it) and connects to the bus once the hypervisor is up.
            let bus = topology.domains.isEmpty ? []
                : ["--bus", hypervisorEndpoint, "--bus-secret", "\(runDirectory)/bus.secret"]
            list.append(PlannedProcess(
                name: name, kind: "xenstored", role: .xenstored,
                arguments: ["xenstored"] + common(name, endpoint)
                    + ["--socket", path("xenstored.sock"), "--state-dir", path("xenstored.state"),
                       "--topology", topology.sourcePath] + bus,
                endpoint: endpoint, restart: xs.restart))
        }
        for device in topology.devices {
            let endpoint = device.endpoint.address(name: device.name, runDirectory: runDirectory)
            modelEndpoints[device.name] = endpoint
            switch device.kind {
            case let .disk(image, size, create, readOnly):
                diskImages[device.name] = path(image)
                diskGeometry[device.name] = (size / UInt64(512), readOnly)
                list.append(PlannedProcess(
                    name: device.name, kind: "device disk", role: .device,
                    arguments: ["device", "disk"] + common(device.name, endpoint)
                        + ["--image", path(image), "--size", String(size)]
                        + (create ? ["--create"] : []) + (readOnly ? ["--read-only"] : []),
                    endpoint: endpoint, restart: device.restart))
            case let .terminal(log):
                list.append(PlannedProcess(
                    name: device.name, kind: "device terminal", role: .device,
                    arguments: ["device", "terminal"] + common(device.name, endpoint) + ["--log", path(log)],
                    endpoint: endpoint, restart: device.restart))
            }
        }
        for backend in topology.backends {
            let endpoint = backend.endpoint.address(name: backend.name, runDirectory: runDirectory)
            if backend.kind == .console {
                // A console backend serves no endpoint: it is a client of the hypervisor bus and of its terminal
                // (docs/console.md). The domain goes by name: the bus policy gives the backend exactly that one.
                list.append(PlannedProcess(
                    name: backend.name, kind: "backend console", role: .backend,
                    arguments: ["backend", "console"] + common(backend.name, nil)
                        + ["--bus", hypervisorEndpoint, "--bus-secret", "\(runDirectory)/bus.secret",
                           "--domain", backend.domain, "--device", backend.device,
                           "--terminal", modelEndpoints[backend.model] ?? backend.model],
                    endpoint: nil, restart: backend.restart))
                continue
            }
            if backend.kind == .blk {
                // blkback serves no endpoint either: a client of xenstored, the bus and its disk model
                // (docs/block.md). The disk's size and mode come from its model's entry.
                let geometry = diskGeometry[backend.model]
                list.append(PlannedProcess(
                    name: backend.name, kind: "backend blk", role: .backend,
                    arguments: ["backend", "blk"] + common(backend.name, nil)
                        + ["--bus", hypervisorEndpoint, "--bus-secret", "\(runDirectory)/bus.secret",
                           "--xenstore", xenstoredEndpoint ?? "",
                           "--domain", backend.domain, "--device", backend.device,
                           "--model", modelEndpoints[backend.model] ?? backend.model]
                        + (geometry.map { ["--sectors", String($0.sectors)] } ?? [])
                        + (geometry?.readOnly == true ? ["--read-only"] : []),
                    endpoint: nil, restart: backend.restart))
                continue
            }
            list.append(PlannedProcess(
                name: backend.name, kind: "backend \(backend.kind.rawValue)", role: .backend,
                arguments: ["backend", backend.kind.rawValue] + common(backend.name, endpoint)
                    + ["--domain", backend.domain, "--device", backend.device,
                       "--model", modelEndpoints[backend.model] ?? backend.model],
                endpoint: endpoint, restart: backend.restart))
        }
        if !topology.domains.isEmpty {
            let name = "hypervisor"
            let endpoint = hypervisorEndpoint
            list.append(PlannedProcess(
                name: name, kind: "hypervisor", role: .hypervisor,
                arguments: ["hypervisor"] + common(name, endpoint) + ["--topology", topology.sourcePath,
                                                                     "--bus-secret", "\(runDirectory)/bus.secret",
                                                                     "--consoles", GuestConsoles.indexFile(runDirectory)],
                endpoint: endpoint,
                // The hypervisor holds every guest's state: a restart would lose them, so it is never restarted.
                restart: RestartPolicy(mode: .never, maxRestarts: 0, windowMilliseconds: 0,
                                       backoffMilliseconds: 0, maxBackoffMilliseconds: 0)))
        }
        for workload in topology.workloads {
            switch workload.kind {
            case .diskExercise:
                list.append(PlannedProcess(
                    name: workload.name, kind: "workload \(workload.kind.rawValue)", role: .workload,
                    arguments: ["device", "disk-exercise"] + common(workload.name, nil)
                        + ["--target", modelEndpoints[workload.target] ?? workload.target,
                           "--requests", String(workload.requests), "--seed", String(workload.seed)]
                        + (diskImages[workload.target].map { ["--verify-image", $0] } ?? []),
                    endpoint: nil, restart: workload.restart))
            }
        }
        self.processes = list
        self.consoles = GuestConsoles.plan(topology: topology, runDirectory: runDirectory)
    }

    /// The plan's processes by name.
    public func process(named name: String) -> PlannedProcess? { processes.first { $0.name == name } }
}

/// One process of a plan.
public struct PlannedProcess: Sendable, Equatable {
    /// Dependency rank: a process is started after every process of a lower rank is ready.
    public enum Role: Int, Sendable, Comparable, CaseIterable {
        case xenstored, device, backend, hypervisor, workload
        public static func < (a: Role, b: Role) -> Bool { a.rawValue < b.rawValue }
    }

    public var name: String
    /// Shown in `xenarm status`: "device disk", "backend blk", "workload disk-exercise", ...
    public var kind: String
    public var role: Role
    /// The arguments after the executable, e.g. `["device", "disk", "--name", "disk0", ...]`.
    public var arguments: [String]
    /// The address it serves on (nil for a workload, which serves nothing).
    public var endpoint: String?
    public var restart: RestartPolicy

    /// The launcher waits for `ready` before starting the next process; a workload is a client that may finish
    /// before anyone would look, so nothing waits for it.
    public var waitsForReady: Bool { role != .workload }

    public init(name: String, kind: String, role: Role, arguments: [String], endpoint: String?,
                restart: RestartPolicy) {
        self.name = name; self.kind = kind; self.role = role; self.arguments = arguments
        self.endpoint = endpoint; self.restart = restart
    }
}
