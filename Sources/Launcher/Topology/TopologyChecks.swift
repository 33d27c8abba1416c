import Foundation

/// The checks that span entries or reach the file system, run on a draft after every section was read. Each
/// check skips values that are already missing or bad, so one mistake is reported once.
struct TopologyChecks {
    let sink: DiagnosticSink

    func run(_ draft: inout TopologyDraft) {
        checkNames(draft)
        checkMemory(draft)
        checkDomains(draft)
        checkDevices(&draft)
        checkBackends(draft)
        checkWorkloads(draft)
        checkEndpoints(draft)
    }

    // MARK: Names

    /// Every process has a name in one namespace (they name ipc sockets and logs in the run directory).
    private func checkNames(_ draft: TopologyDraft) {
        var named: [(name: Located<String>, what: String)] = []
        named += draft.domains.compactMap { d in d.name.map { ($0, "domain") } }
        named += draft.devices.compactMap { d in d.name.map { ($0, "device") } }
        named += draft.backends.compactMap { b in b.name.map { ($0, "backend") } }
        named += draft.workloads.compactMap { w in w.name.map { ($0, "workload") } }
        var first: [String: (position: Position, what: String)] = [:]
        for (name, what) in named.sorted(by: { $0.name.position < $1.name.position }) {
            if let owner = TopologyKeys.reservedNames[name.value] {
                sink.error(.duplicateName, at: name.position, "name '\(name.value)' is reserved for \(owner)")
            } else if let earlier = first[name.value] {
                sink.error(.duplicateName, at: name.position,
                           "name '\(name.value)' is already used by the \(earlier.what) at \(earlier.position.text)")
            } else {
                first[name.value] = (name.position, what)
            }
        }
    }

    // MARK: Memory

    private func checkMemory(_ draft: TopologyDraft) {
        for d in draft.domains {
            guard let memory = d.memory else { continue }
            let subject = "domain '\(d.name?.value ?? "?")'"
            if memory.value < TopologyLimits.minDomainMemory {
                sink.error(.domainTooSmall, at: memory.position,
                           "\(subject) has \(TopologyUnits.formatSize(memory.value)), less than the minimum "
                               + "\(TopologyUnits.formatSize(TopologyLimits.minDomainMemory))")
            } else if memory.value > TopologyLimits.maxDomainMemory {
                sink.error(.badSize, at: memory.position,
                           "\(subject) has \(TopologyUnits.formatSize(memory.value)), more than the 3 GiB guest RAM "
                               + "window at 0x40000000")
            } else if memory.value % TopologyLimits.pageSize != 0 {
                sink.error(.badSize, at: memory.position,
                           "memory of \(subject) (\(memory.value) bytes) is not a multiple of 4 KiB")
            }
        }
        guard let machine = draft.machine, let memory = machine.memory else { return }
        for (size, key) in [(memory, "memory"), (machine.reserve, "hypervisor_reserve")] {
            if let size, size.value % TopologyLimits.pageSize != 0 {
                sink.error(.badSize, at: size.position,
                           "machine \(key) (\(size.value) bytes) is not a multiple of 4 KiB")
            }
        }
        let reserve = machine.reserveBytes
        guard reserve < memory.value else {
            sink.error(.memoryDoesNotFit, at: machine.reserve?.position ?? memory.position,
                       "hypervisor_reserve (\(TopologyUnits.formatSize(reserve))) leaves nothing of machine memory "
                           + "(\(TopologyUnits.formatSize(memory.value)))")
            return
        }
        // Blocks are handed out in file order: the first domain that does not fit is the one reported.
        var used = reserve
        for d in draft.domains {
            // A domain over the maximum has its own error already.
            guard let size = d.memory, size.value <= TopologyLimits.maxDomainMemory else { continue }
            if size.value > memory.value - used {  // `used` ≤ memory here, so this cannot overflow
                sink.error(.memoryDoesNotFit, at: size.position,
                           "domain '\(d.name?.value ?? "?")' (\(TopologyUnits.formatSize(size.value))) does not fit: "
                               + "machine memory is \(TopologyUnits.formatSize(memory.value)), "
                               + "\(TopologyUnits.formatSize(used)) of it already taken by hypervisor_reserve "
                               + "and the domains before it")
                return
            }
            used += size.value
        }
    }

    // MARK: Domains

    private func checkDomains(_ draft: TopologyDraft) {
        for d in draft.domains {
            let subject = "domain '\(d.name?.value ?? "?")'"
            if let cap = d.cap, cap.value > 100 * d.vcpus {
                sink.error(.badValue, at: cap.position,
                           "cap of \(subject) is \(cap.value)%, more than its \(d.vcpus) vCPU(s) can use "
                               + "(at most \(100 * d.vcpus))")
            }
            if let kernel = d.kernel { checkKernel(kernel, subject: subject) }
        }
    }

    /// The kernel must be an ARM ELF32 executable (the ELF loader's input): checked from its header
    /// (ELF spec: e_ident magic, EI_CLASS 1 = 32-bit, EI_DATA 1 = little-endian; e_type 2 = EXEC at offset 16,
    /// e_machine 40 = EM_ARM at offset 18).
    private func checkKernel(_ kernel: Located<ResolvedPath>, subject: String) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: kernel.value.absolute, isDirectory: &isDirectory) else {
            sink.error(.missingKernel, at: kernel.position, "kernel of \(subject) not found: \(kernel.value.display)")
            return
        }
        guard !isDirectory.boolValue, let handle = FileHandle(forReadingAtPath: kernel.value.absolute) else {
            sink.error(.missingKernel, at: kernel.position,
                       "kernel of \(subject) is not a readable file: \(kernel.value.display)")
            return
        }
        defer { try? handle.close() }
        let header = [UInt8]((try? handle.read(upToCount: 20)) ?? Data())
        let isARMExecutable = header.count == 20 && header[0..<4] == [0x7F, 0x45, 0x4C, 0x46]
            && header[4] == 1 && header[5] == 1 && header[16] == 2 && header[17] == 0
            && header[18] == 40 && header[19] == 0
        if !isARMExecutable {
            sink.error(.badValue, at: kernel.position,
                       "kernel of \(subject) is not an ARM ELF32 executable: \(kernel.value.display)")
        }
    }

    // MARK: Devices

    private func checkDevices(_ draft: inout TopologyDraft) {
        for i in draft.devices.indices {
            let d = draft.devices[i]
            let subject = "device '\(d.name?.value ?? "?")'"
            if let size = d.size, size.value == 0 || size.value % TopologyLimits.sectorSize != 0 {
                sink.error(.badSize, at: size.position,
                           "size of \(subject) (\(size.value) bytes) is not a positive multiple of 512 bytes")
            }
            if let log = d.log, isDirectory(log.value.absolute) {
                sink.error(.badValue, at: log.position, "log of \(subject) is a directory: \(log.value.display)")
            }
            guard let image = d.image else { continue }
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: image.value.absolute, isDirectory: &isDir) {
                guard !isDir.boolValue,
                      let attributes = try? FileManager.default.attributesOfItem(atPath: image.value.absolute),
                      let bytes = (attributes[.size] as? NSNumber)?.uint64Value else {
                    sink.error(.missingDiskImage, at: image.position,
                               "disk image of \(subject) is not a readable file: \(image.value.display)")
                    continue
                }
                draft.devices[i].existingImageSize = bytes
                if let size = d.size, size.value != bytes {
                    sink.error(.badSize, at: size.position,
                               "size of \(subject) is \(TopologyUnits.formatSize(size.value)) but its image "
                                   + "\(image.value.display) has \(TopologyUnits.formatSize(bytes))")
                } else if d.size == nil, bytes == 0 || bytes % TopologyLimits.sectorSize != 0 {
                    sink.error(.badSize, at: image.position,
                               "disk image of \(subject) has \(bytes) bytes, not a positive multiple of 512")
                }
            } else if d.create {
                if d.size == nil {
                    sink.error(.missingKey, at: d.position,
                               "\(subject) creates its image, so it needs 'size'")
                }
            } else {
                sink.error(.missingDiskImage, at: image.position,
                           "disk image of \(subject) not found: \(image.value.display) "
                               + "(add 'create: true' to create it at launch)")
            }
        }
    }

    private func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    // MARK: Backends

    /// The device model kind each backend's native driver talks to. `switch` has no device kind yet, so a
    /// net backend cannot be satisfied until the switch model exists.
    static let modelKindForBackend: [BackendSpec.Kind: String] = [.blk: "disk", .console: "terminal", .net: "switch"]

    private func checkBackends(_ draft: TopologyDraft) {
        if !draft.backends.isEmpty, draft.xenstored == nil {
            sink.error(.missingXenstored, at: draft.backendsKey,
                       "backends need xenstored for the xenbus handshake, but there is no 'xenstored:' section "
                           + "(add 'xenstored: {}')")
        }
        let domains = draft.domains.compactMap { $0.name?.value }
        let deviceKinds = deviceKinds(draft)
        var served: [String: (backend: String, position: Position)] = [:]
        for b in draft.backends {
            let subject = "backend '\(b.name?.value ?? "?")'"
            if let domain = b.domain, !domains.contains(domain.value) {
                sink.error(.danglingReference, at: domain.position,
                           "\(subject) serves domain '\(domain.value)', which is not defined"
                               + candidates(domain.value, domains, plural: "domains"))
            }
            if let model = b.model {
                if let modelKind = deviceKinds[model.value] {
                    if let kind = b.kind, let wanted = Self.modelKindForBackend[kind.value], modelKind != wanted {
                        sink.error(.kindMismatch, at: model.position,
                                   "\(kind.value.rawValue) \(subject) needs a \(wanted) model, but '\(model.value)' "
                                       + "is a \(modelKind)")
                    }
                } else {
                    sink.error(.danglingReference, at: model.position,
                               "\(subject) uses model '\(model.value)', which is not defined"
                                   + candidates(model.value, Array(deviceKinds.keys).sorted(), plural: "devices"))
                }
            }
            if let domain = b.domain, let device = b.device {
                let key = "\(domain.value)\u{0}\(device.value)"
                if let earlier = served[key] {
                    sink.error(.deviceServedTwice, at: device.position,
                               "device '\(device.value)' of domain '\(domain.value)' is already served by backend "
                                   + "'\(earlier.backend)' at \(earlier.position.text)")
                } else {
                    served[key] = (b.name?.value ?? "?", device.position)
                }
            }
        }
    }

    /// Device name → kind, for the devices whose name and kind were readable.
    private func deviceKinds(_ draft: TopologyDraft) -> [String: String] {
        var kinds: [String: String] = [:]
        for d in draft.devices {
            if let name = d.name?.value, let kind = d.kind?.value, kinds[name] == nil { kinds[name] = kind }
        }
        return kinds
    }

    private func candidates(_ name: String, _ defined: [String], plural: String) -> String {
        if defined.isEmpty { return " (there are no \(plural))" }
        return NearestName.hint(for: name, among: defined)
    }

    // MARK: Workloads

    /// The device kind each workload kind drives.
    static let modelKindForWorkload: [WorkloadSpec.Kind: String] = [.diskExercise: "disk"]

    private func checkWorkloads(_ draft: TopologyDraft) {
        let deviceKinds = deviceKinds(draft)
        for w in draft.workloads {
            guard let target = w.target else { continue }
            let subject = "workload '\(w.name?.value ?? "?")'"
            guard let targetKind = deviceKinds[target.value] else {
                sink.error(.danglingReference, at: target.position,
                           "\(subject) targets '\(target.value)', which is not defined"
                               + candidates(target.value, Array(deviceKinds.keys).sorted(), plural: "devices"))
                continue
            }
            if let kind = w.kind, let wanted = Self.modelKindForWorkload[kind.value], wanted != targetKind {
                sink.error(.kindMismatch, at: target.position,
                           "\(kind.value.rawValue) \(subject) needs a \(wanted) target, but '\(target.value)' "
                               + "is a \(targetKind)")
            }
        }
    }

    // MARK: Endpoints

    private func checkEndpoints(_ draft: TopologyDraft) {
        var endpoints: [(owner: String, endpoint: Located<EndpointSpec>)] = []
        if let e = draft.xenstored?.endpoint { endpoints.append(("xenstored", e)) }
        endpoints += draft.devices.compactMap { d in d.endpoint.map { ("device '\(d.name?.value ?? "?")'", $0) } }
        endpoints += draft.backends.compactMap { b in b.endpoint.map { ("backend '\(b.name?.value ?? "?")'", $0) } }
        endpoints.sort { $0.endpoint.position < $1.endpoint.position }
        for (i, e) in endpoints.enumerated() {
            guard case let .tcp(host, port) = e.endpoint.value,
                  let earlier = endpoints[..<i].first(where: { EndpointParser.clash($0.endpoint.value, e.endpoint.value) })
            else { continue }
            sink.error(.endpointInUse, at: e.endpoint.position,
                       "endpoint \(host):\(port) of \(e.owner) is already used by \(earlier.owner) "
                           + "at \(earlier.endpoint.position.text)")
        }
    }
}
