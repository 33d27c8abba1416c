import Foundation
import Yams

/// Reads a topology file (docs/topology.md) into a `Topology`, or reports everything wrong with it at once.
///
/// Reading is three passes: YAML to `Node`s (a syntax error stops here, with its position); each section
/// against the key table (`TopologyKeys`) into a `TopologyDraft`; then the checks that span entries and the
/// file system (`TopologyChecks`). Diagnostics come back sorted by position.
///
/// It never starts processes or creates files (images and logs are made at launch by their owners), never traps on
/// any file content, and never returns a model it could not fully validate. Adding a key means one row in
/// `TopologyKeys.all`, reading it here, a use in `Fixtures/good/full.yaml`, and `xenarm check --keys` in the docs.
public enum TopologyLoader {
    /// A topology of a thousand processes is under 200 KiB; 4 MiB leaves room and bounds what is read.
    public static let maxFileBytes: UInt64 = 4 << 20

    /// Loads the file at `path`. Messages name it `displayPath` (default: `path` as given), and show paths
    /// inside it the same way, so `xenarm check Topologies/x.yaml` prints paths the user can open.
    public static func load(path: String, displayPath: String? = nil) throws(TopologyError) -> Topology {
        let display = displayPath ?? path
        var isDirectory: ObjCBool = false
        let reason: String?
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            reason = "no such file"
        } else if isDirectory.boolValue {
            reason = "is a directory"
        } else {
            reason = nil
        }
        if let reason { throw unreadable(display, reason) }
        // A FIFO or a device (`/dev/zero`) would be read forever: only regular files, and not huge ones.
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard attributes?[.type] as? FileAttributeType == .typeRegular else {
            throw unreadable(display, "is not a regular file")
        }
        if let size = (attributes?[.size] as? NSNumber)?.uint64Value, size > maxFileBytes {
            throw unreadable(display, "is \(TopologyUnits.formatSize(size)), more than the "
                                 + "\(TopologyUnits.formatSize(maxFileBytes)) a topology file may have")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw unreadable(display, "cannot read file") }
        guard let text = String(data: data, encoding: .utf8) else { throw unreadable(display, "file is not UTF-8 text") }
        return try load(yaml: text, path: path, displayPath: display)
    }

    /// Loads `yaml` as if read from `path`: relative paths in it resolve against `path`'s directory.
    public static func load(yaml: String, path: String, displayPath: String? = nil) throws(TopologyError) -> Topology {
        let display = displayPath ?? path
        let sink = DiagnosticSink(file: display)
        let absoluteDirectory = URL(fileURLWithPath: path).deletingLastPathComponent()
        let displayDirectory = (display as NSString).deletingLastPathComponent
        let paths = PathBase(absolute: absoluteDirectory, display: displayDirectory)

        guard let root = compose(yaml, sink: sink) else { throw TopologyError(diagnostics: sink.sorted) }
        let defaultName = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        var draft = readTopology(root, defaultName: defaultName, sink: sink, paths: paths)
        TopologyChecks(sink: sink).run(&draft)
        if !sink.diagnostics.isEmpty { throw TopologyError(diagnostics: sink.sorted) }
        guard let topology = draft.build(sourcePath: path) else {
            // Every missing value has a diagnostic; reaching here is a loader bug, reported rather than trapped.
            throw TopologyError(diagnostics: [.init(kind: .badValue, file: display, line: 1, column: 1,
                                                    message: "internal error: incomplete topology without a diagnostic")])
        }
        return topology
    }

    private static func unreadable(_ file: String, _ reason: String) -> TopologyError {
        TopologyError(diagnostics: [.init(kind: .unreadableFile, file: file, line: nil, column: nil, message: reason)])
    }

    // MARK: - YAML

    private static func compose(_ yaml: String, sink: DiagnosticSink) -> Node? {
        do {
            // `.basic`: scalars are classified by `ScalarValue`, so Yams need not run its tag regexes on each one.
            guard let root = try Yams.compose(yaml: yaml, .basic) else {
                sink.error(.missingKey, at: .start, "the file is empty: a topology needs at least 'machine:'")
                return nil
            }
            return root
        } catch let error as YamlError {
            switch error {
            case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
                 let .composer(context, problem, mark, _):
                var message = "invalid YAML: \(problem)"
                if let context {
                    message += " (\(context.text) at \(context.mark.line):\(context.mark.column))"
                }
                sink.error(.yamlSyntax, at: Position(line: mark.line, column: mark.column), message)
            case let .reader(problem, offset, _, yaml):
                sink.error(.yamlSyntax, at: position(ofOffset: offset, in: yaml), "invalid YAML: \(problem)")
            case let .duplicatedKeysInMapping(duplicates, context):
                let first = Position(line: context.mark.line, column: context.mark.column)
                let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
                if let key = duplicates.first, let again = repeatedBlockKey(key, after: first, in: yaml) {
                    sink.error(.yamlSyntax, at: again,
                               "invalid YAML: key \(names) appears more than once in this mapping (first at \(first.text))")
                } else {
                    sink.error(.yamlSyntax, at: first, "invalid YAML: key \(names) appears more than once in this mapping")
                }
            default:
                sink.error(.yamlSyntax, at: .start, "invalid YAML: \(error)")
            }
            return nil
        } catch {
            sink.error(.yamlSyntax, at: .start, "invalid YAML: \(error)")
            return nil
        }
    }

    /// Yams reports a duplicate key at its first occurrence; the offending one is the repeat. In a block mapping
    /// the repeat starts a later line at the same column, before any line indented less (the mapping's end).
    /// Flow mappings (`{a: 1, a: 2}`) are not searched: the first occurrence is reported for them.
    private static func repeatedBlockKey(_ key: String, after first: Position, in yaml: String) -> Position? {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        guard first.line >= 1, first.line <= lines.count else { return nil }
        let indent = first.column - 1
        for index in first.line..<lines.count {
            let line = lines[index]
            let body = line.drop(while: { $0 == " " })
            if body.isEmpty || body.hasPrefix("#") { continue }
            let column = line.count - body.count
            if column < indent { return nil }
            if column == indent, body.hasPrefix(key),
               body.dropFirst(key.count).drop(while: { $0 == " " }).hasPrefix(":") {
                return Position(line: index + 1, column: column + 1)
            }
        }
        return nil
    }

    /// libyaml's reader reports a byte offset; count lines and columns (in Unicode scalars) up to it.
    private static func position(ofOffset offset: Int?, in yaml: String) -> Position {
        guard let offset else { return .start }
        var line = 1, column = 1, consumed = 0
        for scalar in yaml.unicodeScalars {
            if consumed >= offset { break }
            consumed += String(scalar).utf8.count
            if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return Position(line: line, column: column)
    }

    // MARK: - Sections

    private static func readTopology(_ root: Node, defaultName: String, sink: DiagnosticSink,
                                     paths: PathBase) -> TopologyDraft {
        var draft = TopologyDraft(name: defaultName)
        guard let top = Fields(root, section: .topLevel, subject: "the topology", sink: sink, paths: paths) else {
            return draft
        }
        if top.has("name") {
            if let name = top.name("name") { draft.name = name.value }
        } else if !TopologyKeys.isValidName(defaultName) {
            sink.error(.badName, at: .start, "the file name '\(defaultName)' is not a valid topology name "
                           + "(\(TopologyKeys.nameRule)): add 'name:'")
        }
        if let node = top.value("machine"),
           let fields = Fields(node, section: .machine, subject: "machine", sink: sink, paths: paths) {
            draft.machine = .init(position: node.position, memory: fields.size("memory"),
                                  reserve: fields.size("hypervisor_reserve"), pcpus: fields.int("pcpus")?.value)
        }
        if top.has("xenstored") {
            let node = top.value("xenstored")
            if let node, let fields = Fields(node, section: .xenstored, subject: "xenstored", sink: sink, paths: paths) {
                draft.xenstored = .init(endpoint: fields.endpoint("endpoint"), restart: fields.restart("restart"))
            } else if node == nil {
                draft.xenstored = .init(endpoint: nil, restart: .defaultPolicy)
            }
        }
        for (i, node) in top.list("domains").enumerated() {
            guard let f = entry(node, .domain, i, sink: sink, paths: paths) else { continue }
            var d = TopologyDraft.DomainDraft(position: node.position)
            d.name = f.name("name")
            d.memory = f.size("memory")
            if let v = f.int("vcpus") { d.vcpus = v.value }
            d.kernel = f.path("kernel")
            if let v = f.string("args") { d.args = v.value }
            if let v = f.int("weight") { d.weight = v.value }
            d.cap = f.int("cap")
            draft.domains.append(d)
            for (j, diskNode) in f.list("disks").enumerated() {
                guard let g = entry(diskNode, .disk, j, sink: sink, paths: paths) else { continue }
                expandDisk(g, at: diskNode.position, domain: d.name, into: &draft, sink: sink)
            }
        }
        for (i, node) in top.list("devices").enumerated() {
            let kind = preRead("kind", of: node, among: ["disk", "terminal"])
            guard let f = entry(node, .device, i, kind: kind, sink: sink, paths: paths) else { continue }
            var d = TopologyDraft.DeviceDraft(position: node.position)
            d.name = f.name("name")
            d.kind = f.choice("kind")
            if kind == "disk" {
                d.image = f.path("image")
                d.size = f.size("size")
                if let v = f.bool("create") { d.create = v.value }
                if let v = f.bool("read_only") { d.readOnly = v.value }
            } else if kind == "terminal" {
                d.log = f.path("log")
            }
            d.endpoint = f.endpoint("endpoint")
            d.restart = f.restart("restart")
            draft.devices.append(d)
        }
        draft.backendsKey = top.keyPosition("backends") ?? draft.backendsKey
        for (i, node) in top.list("backends").enumerated() {
            guard let f = entry(node, .backend, i, sink: sink, paths: paths) else { continue }
            var b = TopologyDraft.BackendDraft(position: node.position)
            b.name = f.name("name")
            b.kind = f.choice("kind").map { Located(value: BackendSpec.Kind(rawValue: $0.value)!, position: $0.position) }
            b.domain = f.name("domain")
            b.device = f.name("device")
            b.model = f.name("model")
            b.endpoint = f.endpoint("endpoint")
            b.restart = f.restart("restart")
            draft.backends.append(b)
        }
        for (i, node) in top.list("workloads").enumerated() {
            guard let f = entry(node, .workload, i, sink: sink, paths: paths) else { continue }
            var w = TopologyDraft.WorkloadDraft(position: node.position)
            w.name = f.name("name")
            w.kind = f.choice("kind").map { Located(value: WorkloadSpec.Kind(rawValue: $0.value)!, position: $0.position) }
            w.target = f.name("target")
            if let v = f.int("requests") { w.requests = v.value }
            if let v = f.int("seed") { w.seed = UInt64(v.value) }
            draft.workloads.append(w)
        }
        return draft
    }

    /// A domain's `disks:` entry becomes what the explicit form would say: a disk model `disk.DOMAIN.NAME` and a
    /// blk backend `blk.DOMAIN.NAME` serving device NAME of DOMAIN with it (docs/topology.md, docs/block.md).
    /// The checks then see them like any other device and backend (duplicates, images, xenstored).
    private static func expandDisk(_ f: Fields, at position: Position, domain: Located<String>?,
                                   into draft: inout TopologyDraft, sink: DiagnosticSink) {
        guard let name = f.name("name") else { return }
        let restart = f.restart("restart")
        var device = TopologyDraft.DeviceDraft(position: position)
        device.kind = Located(value: "disk", position: position)
        device.image = f.path("image")
        device.size = f.size("size")
        if let v = f.bool("create") { device.create = v.value }
        if let v = f.bool("read_only") { device.readOnly = v.value }
        device.restart = restart
        guard let domain else { return }
        if !isVirtualDiskName(name.value) {
            sink.error(.badValue, at: name.position,
                       "disk name '\(name.value)' of domain '\(domain.value)' is not xvda … xvdp")
        }
        let model = "disk.\(domain.value).\(name.value)"
        if !TopologyKeys.isValidName("blk.\(domain.value).\(name.value)") {
            sink.error(.badName, at: name.position, "disk '\(name.value)' of domain '\(domain.value)' makes the "
                           + "process names '\(model)' and 'blk.\(domain.value).\(name.value)', longer than "
                           + "\(TopologyKeys.maxNameLength): use the explicit devices: and backends: form")
        }
        device.name = Located(value: model, position: name.position)
        var backend = TopologyDraft.BackendDraft(position: position)
        backend.name = Located(value: "blk.\(domain.value).\(name.value)", position: name.position)
        backend.kind = Located(value: .blk, position: position)
        backend.domain = domain
        backend.device = name
        backend.model = Located(value: model, position: name.position)
        backend.restart = restart
        draft.devices.append(device)
        draft.backends.append(backend)
        if draft.backendsKey == nil { draft.backendsKey = position }
    }

    /// `xvda` … `xvdp`: the names with a Xen vbd number (ToolstackNodes.virtualDiskNumber).
    static func isVirtualDiskName(_ name: String) -> Bool { ToolstackNodes.virtualDiskNumber(name) != nil }

    /// A list entry's fields, named in messages by its `name:` when it has a usable one, else by its index.
    private static func entry(_ node: Node, _ section: TopologyKey.Section, _ index: Int, kind: String? = nil,
                              sink: DiagnosticSink, paths: PathBase) -> Fields? {
        let name = preRead("name", of: node, among: nil)
        let subject = name.map { "\(section.rawValue) '\($0)'" } ?? "\(section.rawValue) #\(index + 1)"
        return Fields(node, section: section, subject: subject, kind: kind, sink: sink, paths: paths)
    }

    /// A plain string value of `key` in mapping `node`, read ahead of the table walk (the device kind decides
    /// which keys apply; the name names the entry in messages). Bad values are reported by the walk itself.
    private static func preRead(_ key: String, of node: Node, among words: [String]?) -> String? {
        guard case let .mapping(mapping) = node else { return nil }
        for (k, v) in mapping {
            guard case let .scalar(ks) = k, ks.string == key, case let .scalar(vs) = v,
                  case let .string(s) = ScalarValue(vs) else { continue }
            if let words { return words.contains(s) ? s : nil }
            return TopologyKeys.isValidName(s) ? s : nil
        }
        return nil
    }
}
