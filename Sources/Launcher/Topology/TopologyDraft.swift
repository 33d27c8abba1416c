/// A topology as read, before the cross-entry checks: every value keeps its position and may be missing
/// (because it was absent or bad, which has already been reported). `TopologyChecks` works on this;
/// `build()` turns a clean draft into the model.
struct TopologyDraft {
    var name: String
    var machine: MachineDraft?
    var xenstored: XenstoredDraft?
    var domains: [DomainDraft] = []
    var devices: [DeviceDraft] = []
    var backends: [BackendDraft] = []
    var workloads: [WorkloadDraft] = []
    /// Where `backends:` was written, for "backends need xenstored".
    var backendsKey: Position?

    struct MachineDraft {
        var position: Position
        var memory: Located<UInt64>?
        var reserve: Located<UInt64>?
        var pcpus: Int?
        var reserveBytes: UInt64 { reserve?.value ?? TopologyLimits.defaultHypervisorReserve }
    }

    struct XenstoredDraft {
        var endpoint: Located<EndpointSpec>?
        var restart: RestartPolicy
    }

    struct DomainDraft {
        var position: Position
        var name: Located<String>?
        var memory: Located<UInt64>?
        var vcpus = 1
        var kernel: Located<ResolvedPath>?
        var args = ""
        var weight = 256
        var cap: Located<Int>?
    }

    struct DeviceDraft {
        var position: Position
        var name: Located<String>?
        var kind: Located<String>?
        var image: Located<ResolvedPath>?
        var size: Located<UInt64>?
        /// The size of an existing image, found by the file checks.
        var existingImageSize: UInt64?
        var create = false
        var readOnly = false
        var log: Located<ResolvedPath>?
        var endpoint: Located<EndpointSpec>?
        var restart = RestartPolicy.defaultPolicy
    }

    struct BackendDraft {
        var position: Position
        var name: Located<String>?
        var kind: Located<BackendSpec.Kind>?
        var domain: Located<String>?
        var device: Located<String>?
        var model: Located<String>?
        var endpoint: Located<EndpointSpec>?
        var restart = RestartPolicy.defaultPolicy
    }

    struct WorkloadDraft {
        var position: Position
        var name: Located<String>?
        var kind: Located<WorkloadSpec.Kind>?
        var target: Located<String>?
        var requests = 1000
        var seed: UInt64 = 1
    }

    /// The model, or nil if a value the model needs is missing (which the checks have reported).
    func build(sourcePath: String) -> Topology? {
        guard let machine, let memory = machine.memory?.value else { return nil }
        var domains: [DomainSpec] = []
        for d in self.domains {
            guard let name = d.name?.value, let mem = d.memory?.value, let kernel = d.kernel?.value.absolute else {
                return nil
            }
            domains.append(DomainSpec(name: name, memoryBytes: mem, vcpus: d.vcpus, kernel: kernel, args: d.args,
                                      weight: d.weight, cap: d.cap?.value ?? 0))
        }
        var devices: [DeviceModelSpec] = []
        for d in self.devices {
            guard let name = d.name?.value, let kind = d.kind?.value else { return nil }
            let modelKind: DeviceModelSpec.Kind
            switch kind {
            case "disk":
                guard let image = d.image?.value.absolute,
                      let size = d.size?.value ?? d.existingImageSize else { return nil }
                modelKind = .disk(image: image, sizeBytes: size, create: d.create, readOnly: d.readOnly)
            case "terminal":
                guard let log = d.log?.value.absolute else { return nil }
                modelKind = .terminal(log: log)
            default: return nil
            }
            devices.append(DeviceModelSpec(name: name, kind: modelKind, endpoint: d.endpoint?.value ?? .ipc,
                                           restart: d.restart))
        }
        var backends: [BackendSpec] = []
        for b in self.backends {
            guard let name = b.name?.value, let kind = b.kind?.value, let domain = b.domain?.value,
                  let device = b.device?.value, let model = b.model?.value else { return nil }
            backends.append(BackendSpec(name: name, kind: kind, domain: domain, device: device, model: model,
                                        endpoint: b.endpoint?.value ?? .ipc, restart: b.restart))
        }
        var workloads: [WorkloadSpec] = []
        for w in self.workloads {
            guard let name = w.name?.value, let kind = w.kind?.value, let target = w.target?.value else { return nil }
            workloads.append(WorkloadSpec(name: name, kind: kind, target: target, requests: w.requests, seed: w.seed))
        }
        return Topology(
            sourcePath: sourcePath, name: name,
            machine: MachineSpec(memoryBytes: memory, hypervisorReserveBytes: machine.reserveBytes, pcpus: machine.pcpus),
            xenstored: xenstored.map { XenstoredSpec(endpoint: $0.endpoint?.value ?? .ipc, restart: $0.restart) },
            domains: domains, devices: devices, backends: backends, workloads: workloads)
    }
}
