import Foundation
import Yams

/// A 1-based line and column in the topology file.
struct Position: Comparable, Sendable {
    var line: Int
    var column: Int
    static func < (a: Position, b: Position) -> Bool { (a.line, a.column) < (b.line, b.column) }
    static let start = Position(line: 1, column: 1)
    var text: String { "\(line):\(column)" }
}

/// A value read from the file, with where it was written.
struct Located<Value> {
    var value: Value
    var position: Position
}

/// A path as written and as resolved against the topology file's directory.
struct ResolvedPath {
    /// Absolute and standardized: what the model stores and the file checks open.
    var absolute: String
    /// The path messages show: relative to the user's working directory when the file was named relatively.
    var display: String
}

/// Collects diagnostics for one file.
final class DiagnosticSink {
    let file: String
    private(set) var diagnostics: [TopologyDiagnostic] = []

    init(file: String) { self.file = file }

    func error(_ kind: TopologyDiagnostic.Kind, at position: Position?, _ message: String) {
        diagnostics.append(.init(kind: kind, file: file, line: position?.line, column: position?.column,
                                 message: message))
    }

    /// In file order; problems found at the same place keep the order they were found in.
    var sorted: [TopologyDiagnostic] {
        diagnostics.enumerated().sorted { a, b in
            let pa = (a.element.line ?? 0, a.element.column ?? 0), pb = (b.element.line ?? 0, b.element.column ?? 0)
            return pa != pb ? pa < pb : a.offset < b.offset
        }.map(\.element)
    }
}

/// What a scalar means in a topology file. Quoted scalars are always strings; a plain scalar is null, a boolean,
/// an integer or else a string. YAML 1.1's `yes`/`no`/`on`/`off` are plain strings here: a boolean key refuses
/// them with a hint rather than guessing.
enum ScalarValue {
    case null, bool(Bool), int(String), string(String)

    init(_ scalar: Node.Scalar) {
        let s = scalar.string
        guard scalar.style == .plain || scalar.style == .any else { self = .string(s); return }
        switch s {
        case "", "~", "null", "Null", "NULL": self = .null
        case "true", "True", "TRUE": self = .bool(true)
        case "false", "False", "FALSE": self = .bool(false)
        default:
            let body = s.hasPrefix("-") || s.hasPrefix("+") ? s.dropFirst() : s[...]
            if !body.isEmpty, body.allSatisfy({ $0.isASCII && $0.isNumber }) { self = .int(s) } else { self = .string(s) }
        }
    }
}

extension Node {
    var position: Position { mark.map { Position(line: $0.line, column: $0.column) } ?? .start }

    /// "a list", "an integer 5", "a string 'two'": for "found …" in messages.
    var described: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case let .scalar(scalar):
            switch ScalarValue(scalar) {
            case .null: return "nothing"
            case let .bool(b): return "a boolean \(b)"
            case let .int(i): return "an integer \(i)"
            case let .string(s): return "a string '\(s)'"
            }
        }
    }

    var isNull: Bool {
        if case let .scalar(scalar) = self, case .null = ScalarValue(scalar) { return true }
        return false
    }
}

/// Where relative paths in the file resolve, and how to show them.
struct PathBase {
    /// The topology file's directory, absolute.
    var absolute: URL
    /// The same directory as the user named it ("" when the file was named without a directory).
    var display: String

    func resolve(_ written: String) -> ResolvedPath {
        if written.hasPrefix("/") {
            return ResolvedPath(absolute: URL(fileURLWithPath: written).standardizedFileURL.path, display: written)
        }
        let absolute = absolute.appendingPathComponent(written).standardizedFileURL.path
        return ResolvedPath(absolute: absolute,
                            display: Self.lexicallyNormalized(display.isEmpty ? written : "\(display)/\(written)"))
    }

    /// `broken/../images/a.img` → `images/a.img`: drops `.` and folds `name/..` pairs without touching the file
    /// system, so messages show a short path that still opens from the user's working directory.
    static func lexicallyNormalized(_ path: String) -> String {
        let isAbsolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
            } else if part == "..", isAbsolute, parts.isEmpty {
                continue
            } else {
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        return isAbsolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }
}

/// The keys of one mapping of a known section, checked against `TopologyKeys`: unknown and misplaced keys and
/// missing required ones are reported when it is made; the typed getters report bad values and return nil.
struct Fields {
    let section: TopologyKey.Section
    /// "domain 'web'", "device #2", "machine": how messages name the mapping.
    let subject: String
    let node: Node
    private var entries: [String: (key: Node, value: Node)] = [:]
    let sink: DiagnosticSink
    let paths: PathBase

    /// Reads `node` as a mapping of `section`. `kind` selects the kind-specific keys (devices); nil when the
    /// kind is missing or bad, in which case only keys that no kind has are reported unknown.
    init?(_ node: Node, section: TopologyKey.Section, subject: String, kind: String? = nil,
          sink: DiagnosticSink, paths: PathBase) {
        self.section = section; self.subject = subject; self.node = node; self.sink = sink; self.paths = paths
        guard case let .mapping(mapping) = node else {
            sink.error(.wrongType, at: node.position, "\(subject) must be a mapping, found \(node.described)")
            return nil
        }
        let table = TopologyKeys.keys(in: section)
        let applicable = table.filter { $0.onlyFor == nil || kind == nil || $0.onlyFor == kind }
        for (key, value) in mapping {
            guard case let .scalar(scalar) = key, case let .string(name) = ScalarValue(scalar) else {
                sink.error(.wrongType, at: key.position, "keys in \(subject) must be names, found \(key.described)")
                continue
            }
            if let entry = table.first(where: { $0.name == name }) {
                if let only = entry.onlyFor, let kind, only != kind {
                    sink.error(.unknownKey, at: key.position,
                               "key '\(name)' is for \(only) \(section.rawValue)s, not \(kind) \(section.rawValue)s")
                    continue
                }
                entries[name] = (key, value)
            } else {
                let names = applicable.map(\.name)
                let hint = NearestName.suggestion(for: name, among: names).map { " (did you mean '\($0)'?)" }
                    ?? " (known keys: \(names.joined(separator: ", ")))"
                sink.error(.unknownKey, at: key.position, "unknown key '\(name)' in \(subject)\(hint)")
            }
        }
        // A kind-specific key is required only once the kind is known: with a missing or bad kind, the kind
        // itself is the one error to report.
        let required = table.filter { $0.presence == .required && ($0.onlyFor == nil || $0.onlyFor == kind) }
        for key in required where entries[key.name] == nil {
            if let only = key.onlyFor {
                sink.error(.missingKey, at: node.position,
                           "\(subject) is missing required key '\(key.name)' (required for \(only) \(section.rawValue)s)")
            } else {
                sink.error(.missingKey, at: node.position, "\(subject) is missing required key '\(key.name)'")
            }
        }
    }

    func has(_ name: String) -> Bool { entries[name] != nil }

    /// Where the key itself was written.
    func keyPosition(_ name: String) -> Position? { entries[name]?.key.position }

    /// The value node of `name`, if present and not null (a null value means "use the default").
    func value(_ name: String) -> Node? {
        precondition(TopologyKeys.key(name, in: section) != nil, "key \(name) is not in the \(section) table")
        guard let value = entries[name]?.value else { return nil }
        if value.isNull, TopologyKeys.key(name, in: section)?.presence == .required {
            sink.error(.wrongType, at: value.position, "'\(name)' in \(subject) needs a value")
            return nil
        }
        return value.isNull ? nil : value
    }

    private func typeError(_ name: String, _ value: Node) {
        let type = TopologyKeys.key(name, in: section)!.type
        let expected: String
        switch type {
        case .integer: expected = "an \(type.summary)"
        case .list, .mapping: expected = "a \(type.summary)"
        case .boolean: expected = "true or false"
        default: expected = "a \(type.summary)"
        }
        sink.error(.wrongType, at: value.position, "'\(name)' in \(subject) must be \(expected), found \(value.described)")
    }

    private func scalar(_ name: String) -> (ScalarValue, Node)? {
        guard let value = value(name) else { return nil }
        guard case let .scalar(scalar) = value else { typeError(name, value); return nil }
        return (ScalarValue(scalar), value)
    }

    func string(_ name: String) -> Located<String>? {
        guard let (scalar, node) = scalar(name) else { return nil }
        guard case let .string(s) = scalar else { typeError(name, node); return nil }
        return Located(value: s, position: node.position)
    }

    /// A name (`TopologyKeys.isValidName`); also used for references, which must name something valid.
    func name(_ name: String) -> Located<String>? {
        guard let s = string(name) else { return nil }
        guard TopologyKeys.isValidName(s.value) else {
            sink.error(.badName, at: s.position, "'\(s.value)' is not a valid name: \(TopologyKeys.nameRule)")
            return nil
        }
        return s
    }

    func path(_ name: String) -> Located<ResolvedPath>? {
        guard let s = string(name) else { return nil }
        guard !s.value.isEmpty, !s.value.contains("\0") else {
            sink.error(.badValue, at: s.position, "'\(name)' in \(subject) is not a usable path")
            return nil
        }
        return Located(value: paths.resolve(s.value), position: s.position)
    }

    func bool(_ name: String) -> Located<Bool>? {
        guard let (scalar, node) = scalar(name) else { return nil }
        guard case let .bool(b) = scalar else {
            if case let .string(s) = scalar, ["yes", "no", "on", "off", "y", "n"].contains(s.lowercased()) {
                sink.error(.wrongType, at: node.position, "'\(name)' in \(subject) must be true or false, found '\(s)'")
            } else {
                typeError(name, node)
            }
            return nil
        }
        return Located(value: b, position: node.position)
    }

    func int(_ name: String) -> Located<Int>? {
        guard case let .integer(range) = TopologyKeys.key(name, in: section)!.type else {
            preconditionFailure("key \(name) is not an integer in the table")
        }
        guard let (scalar, node) = scalar(name) else { return nil }
        guard case let .int(text) = scalar else { typeError(name, node); return nil }
        guard let number = Int(text.hasPrefix("+") ? String(text.dropFirst()) : text), range.contains(number) else {
            let bounds = range.upperBound == Int.max ? "at least \(range.lowerBound)"
                : "from \(range.lowerBound) to \(range.upperBound)"
            sink.error(.badValue, at: node.position, "'\(name)' in \(subject) must be \(bounds), found \(text)")
            return nil
        }
        return Located(value: number, position: node.position)
    }

    /// One of the table's words for `name`; `badKind` is the diagnostic class for a word outside the list.
    func choice(_ name: String, badKind: TopologyDiagnostic.Kind = .badValue) -> Located<String>? {
        guard case let .choice(words) = TopologyKeys.key(name, in: section)!.type else {
            preconditionFailure("key \(name) is not a choice in the table")
        }
        guard let s = string(name) else { return nil }
        guard words.contains(s.value) else {
            sink.error(badKind, at: s.position,
                       "'\(name)' in \(subject) must be one of \(words.joined(separator: ", ")); found '\(s.value)'"
                           + NearestName.hint(for: s.value, among: words))
            return nil
        }
        return s
    }

    func size(_ name: String) -> Located<UInt64>? {
        guard let (scalar, node) = scalar(name) else { return nil }
        let text: String
        switch scalar {
        case let .int(i): text = i
        case let .string(s): text = s
        default: typeError(name, node); return nil
        }
        do {
            return Located(value: try TopologyUnits.parseSize(text), position: node.position)
        } catch {
            sink.error(.badSize, at: node.position, "bad size for '\(name)' in \(subject): \(error)")
            return nil
        }
    }

    func duration(_ name: String) -> Located<Int>? {
        guard let (scalar, node) = scalar(name) else { return nil }
        let text: String
        switch scalar {
        case let .int(i): text = i
        case let .string(s): text = s
        default: typeError(name, node); return nil
        }
        do {
            let ms = try TopologyUnits.parseDuration(text)
            guard ms <= TopologyLimits.maxDurationMilliseconds else { throw TopologyUnits.ParseError.overflow(text) }
            return Located(value: ms, position: node.position)
        } catch {
            let reason = (error as? TopologyUnits.ParseError).map { e -> String in
                if case .overflow = e { return "'\(text)' is longer than a day" }
                return e.description
            } ?? "\(error)"
            sink.error(.badDuration, at: node.position, "bad duration for '\(name)' in \(subject): \(reason)")
            return nil
        }
    }

    func endpoint(_ name: String) -> Located<EndpointSpec>? {
        guard let s = string(name) else { return nil }
        switch EndpointParser.parse(s.value) {
        case let .success(endpoint): return Located(value: endpoint, position: s.position)
        case let .failure(reason):
            sink.error(.badEndpoint, at: s.position, "bad endpoint '\(s.value)' in \(subject): \(reason)")
            return nil
        }
    }

    /// The nodes of a list key; null or absent is an empty list.
    func list(_ name: String) -> [Node] {
        guard let value = value(name) else { return [] }
        guard case let .sequence(sequence) = value else { typeError(name, value); return [] }
        return Array(sequence)
    }

    /// The restart policy under `name`, defaults filled in from `RestartPolicy.defaultPolicy`.
    func restart(_ name: String) -> RestartPolicy {
        var policy = RestartPolicy.defaultPolicy
        guard let node = value(name),
              let fields = Fields(node, section: .restart, subject: "restart of \(subject)", sink: sink, paths: paths)
        else { return policy }
        if let mode = fields.choice("policy", badKind: .badRestartPolicy) {
            policy.mode = RestartPolicy.Mode(rawValue: mode.value)!
        }
        if let n = fields.int("max_restarts") { policy.maxRestarts = n.value }
        let window = fields.duration("window"), backoff = fields.duration("backoff")
        let maxBackoff = fields.duration("max_backoff")
        if let window { policy.windowMilliseconds = window.value }
        if let backoff { policy.backoffMilliseconds = backoff.value }
        if let maxBackoff { policy.maxBackoffMilliseconds = maxBackoff.value }
        if policy.mode != .never, policy.windowMilliseconds == 0 {
            sink.error(.badRestartPolicy, at: window?.position ?? node.position,
                       "restart window of \(subject) is 0: with policy \(policy.mode.rawValue) it must be longer")
        }
        if policy.maxBackoffMilliseconds < policy.backoffMilliseconds, backoff != nil || maxBackoff != nil {
            sink.error(.badRestartPolicy, at: (maxBackoff ?? backoff)!.position,
                       "max_backoff (\(TopologyUnits.formatDuration(policy.maxBackoffMilliseconds))) of \(subject) "
                           + "is shorter than backoff (\(TopologyUnits.formatDuration(policy.backoffMilliseconds)))")
        }
        return policy
    }
}
