/// One problem found in a topology file, printed as `FILE:LINE:COL: error: MESSAGE` (1-based, the position of
/// the offending key or value), the form compilers use so editors can jump to it.
public struct TopologyDiagnostic: Sendable, Equatable, CustomStringConvertible {
    /// The class of problem. Not printed; tests use it to prove every class has a fixture.
    public enum Kind: String, Sendable, CaseIterable {
        case unreadableFile, yamlSyntax, unknownKey, wrongType, missingKey, badValue, badSize, badDuration
        case badName, duplicateName, danglingReference, kindMismatch, memoryDoesNotFit, domainTooSmall
        case deviceServedTwice, endpointInUse, badEndpoint, badRestartPolicy, missingKernel, missingDiskImage
        case missingXenstored
    }

    public var kind: Kind
    /// The file as the user named it (the command-line argument), not the resolved path.
    public var file: String
    /// 1-based; nil only for a file that could not be read at all.
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(kind: Kind, file: String, line: Int?, column: Int?, message: String) {
        self.kind = kind; self.file = file; self.line = line; self.column = column; self.message = message
    }

    public var description: String {
        if let line, let column { return "\(file):\(line):\(column): error: \(message)" }
        return "\(file): error: \(message)"
    }
}

/// The loader's one error: everything wrong with a file, in file order.
public struct TopologyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var diagnostics: [TopologyDiagnostic]
    public init(diagnostics: [TopologyDiagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
