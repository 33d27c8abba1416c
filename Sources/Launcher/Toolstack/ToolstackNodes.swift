/// The xenstore nodes a Xen toolstack (libxl) writes when it creates a topology's domains and devices, so that
/// frontends and backends meet through xenstore as on Xen (`docs/misc/xenstore-paths.pandoc`). The launcher is
/// xenarm's toolstack: it decides these nodes; xenstored writes them, as Dom0, the first time it starts for a run
/// (a restarted xenstored keeps what it had, including every `state` a frontend or backend moved on).
///
/// Domain ids follow the topology: the k-th domain (from 0) is domain k + 1, as the hypervisor numbers them.
/// Backends are Dom0 processes, so every backend directory is under `/local/domain/0/backend`.
public struct ToolstackNode: Equatable, Sendable {
    public var path: String
    public var value: String
    /// Xen permission strings, owner first (`n1`, `r0`).
    public var permissions: [String]

    public init(_ path: String, _ value: String, _ permissions: [String]) {
        self.path = path; self.value = value; self.permissions = permissions
    }
}

public enum ToolstackNodes {
    /// XenbusState (xen/io/xenbus.h): both ends start at Initialising (1).
    public static let xenbusStateInitialising = "1"

    /// The guest-visible device number of a virtual disk name (`xvda` → 51712): major 202, 16 minors per disk,
    /// as in Xen's `docs/misc/vbd-interface.txt`, for `xvda` … `xvdp`; nil for other names.
    public static func virtualDiskNumber(_ name: String) -> Int? {
        guard name.count == 4, name.hasPrefix("xvd"), let a = name.last?.asciiValue, a >= 97, a < 97 + 16 else {
            return nil
        }
        return (202 << 8) | (Int(a - 97) << 4)
    }

    public static func nodes(for topology: Topology) -> [ToolstackNode] {
        var out: [ToolstackNode] = [
            ToolstackNode("/local/domain/0/name", "Domain-0", ["n0"]),
            ToolstackNode("/local/domain/0/domid", "0", ["n0"]),
        ]
        var ids: [String: Int] = [:]
        for (k, d) in topology.domains.enumerated() {
            let id = k + 1
            ids[d.name] = id
            let home = "/local/domain/\(id)"
            // The guest reads its home but only writes where it is expected to (libxl's layout).
            let readable = ["n0", "r\(id)"], writable = ["n\(id)"]
            out += [
                ToolstackNode(home, "", readable),
                ToolstackNode(home + "/name", d.name, readable),
                ToolstackNode(home + "/domid", String(id), readable),
                ToolstackNode(home + "/vm", "/vm/\(d.name)", readable),
                ToolstackNode(home + "/memory/target", String(d.memoryBytes / 1024), readable),
                ToolstackNode(home + "/memory/static-max", String(d.memoryBytes / 1024), readable),
                ToolstackNode(home + "/cpu", "", readable),
            ]
            for v in 0 ..< d.vcpus { out.append(ToolstackNode(home + "/cpu/\(v)/availability", "online", readable)) }
            out += [
                ToolstackNode(home + "/device", "", readable),
                ToolstackNode(home + "/control", "", readable),
                ToolstackNode(home + "/control/shutdown", "", writable),
                ToolstackNode(home + "/data", "", writable),
                ToolstackNode("/vm/\(d.name)", "", ["n0", "r\(id)"]),
                ToolstackNode("/vm/\(d.name)/name", d.name, ["n0", "r\(id)"]),
            ]
        }
        var perKind: [String: Int] = [:]
        // A read-only disk model makes a read-only vbd (`mode` r, as libxl writes for `access=ro`).
        let readOnlyModels = Set(topology.devices.compactMap { d -> String? in
            if case let .disk(_, _, _, readOnly) = d.kind, readOnly { return d.name }
            return nil
        })
        for b in topology.backends {
            guard let id = ids[b.domain] else { continue }
            let (kind, devid): (String, Int)
            switch b.kind {
            case .blk: (kind, devid) = ("vbd", virtualDiskNumber(b.device) ?? 51712 + 16 * perKind["vbd", default: 0])
            case .net: (kind, devid) = ("vif", perKind["vif", default: 0])
            case .console: (kind, devid) = ("console", perKind["console", default: 0])
            }
            perKind[kind, default: 0] += 1
            let frontend = "/local/domain/\(id)/device/\(kind)/\(devid)"
            let backend = "/local/domain/0/backend/\(kind)/\(id)/\(devid)"
            // Frontend directory owned by the guest, readable by the backend's domain (0); backend directory
            // owned by Dom0, readable by the guest: each end writes its own `state`, reads the other's.
            let fe = ["n\(id)", "r0"], be = ["n0", "r\(id)"]
            out += [
                ToolstackNode(frontend, "", fe),
                ToolstackNode(frontend + "/backend", backend, fe),
                ToolstackNode(frontend + "/backend-id", "0", fe),
                ToolstackNode(frontend + "/state", xenbusStateInitialising, fe),
                ToolstackNode(backend, "", be),
                ToolstackNode(backend + "/frontend", frontend, be),
                ToolstackNode(backend + "/frontend-id", String(id), be),
                ToolstackNode(backend + "/online", "1", be),
                ToolstackNode(backend + "/state", xenbusStateInitialising, be),
                ToolstackNode(backend + "/xenarm-backend", b.name, be),
            ]
            if b.kind == .blk {
                out += [
                    ToolstackNode(frontend + "/virtual-device", String(devid), fe),
                    ToolstackNode(backend + "/dev", b.device, be),
                    ToolstackNode(backend + "/mode", readOnlyModels.contains(b.model) ? "r" : "w", be),
                ]
            }
        }
        return out
    }
}
