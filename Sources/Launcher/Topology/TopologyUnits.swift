/// Sizes and durations as topology files write them (docs/topology.md, "Sizes and durations").
///
/// Sizes are integer bytes (`1048576`) or a number with a binary unit (`64MiB`, `1 GiB`, `512KiB`). Decimal
/// units (`MB`, `GB`) are refused rather than guessed: `64MB` means 64 000 000 bytes to some readers and
/// 64 MiB to others, and a memory block off by 4.6 % is a confusing failure far from its cause.
/// Durations always carry a unit (`100ms`, `30s`, `2m`): a bare `30` could be seconds or milliseconds.
public enum TopologyUnits {
    /// Binary size units, smallest first.
    public static let sizeUnits: [(suffix: String, bytes: UInt64)] = [
        ("B", 1), ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
    ]
    /// Duration units, smallest first.
    public static let durationUnits: [(suffix: String, milliseconds: Int)] = [
        ("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000),
    ]

    /// Why a size or duration was refused; the loader turns it into a diagnostic.
    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case notANumber(String)
        case missingUnit(String)
        case unknownUnit(String, known: [String])
        case negative(String)
        case overflow(String)

        public var description: String {
            switch self {
            case .empty: return "is empty"
            case let .notANumber(text): return "'\(text)' is not a number with a unit"
            case let .missingUnit(text): return "'\(text)' has no unit (use one of ms, s, m, h)"
            case let .unknownUnit(unit, known):
                return "unknown unit '\(unit)' (use one of \(known.joined(separator: ", ")))"
            case let .negative(text): return "'\(text)' is negative"
            case let .overflow(text): return "'\(text)' is too large"
            }
        }
    }

    /// Parses `text` (the scalar as written) into bytes. A bare integer is bytes.
    public static func parseSize(_ text: String) throws(ParseError) -> UInt64 {
        let (digits, unit) = try split(text)
        guard let number = UInt64(digits) else { throw .overflow(text) }
        if unit.isEmpty { return number }
        guard let factor = sizeUnits.first(where: { $0.suffix == unit })?.bytes else {
            throw .unknownUnit(String(unit), known: sizeUnits.map(\.suffix))
        }
        let (product, overflow) = number.multipliedReportingOverflow(by: factor)
        if overflow { throw .overflow(text) }
        return product
    }

    /// Parses `text` into milliseconds. A unit is required.
    public static func parseDuration(_ text: String) throws(ParseError) -> Int {
        let (digits, unit) = try split(text)
        if unit.isEmpty { throw .missingUnit(text) }
        guard let number = Int(digits) else { throw .overflow(text) }
        guard let factor = durationUnits.first(where: { $0.suffix == unit })?.milliseconds else {
            throw .unknownUnit(String(unit), known: durationUnits.map(\.suffix))
        }
        let (product, overflow) = number.multipliedReportingOverflow(by: factor)
        if overflow { throw .overflow(text) }
        return product
    }

    /// The shortest exact spelling of a size: `64 MiB`, `1536 KiB`, `1000 bytes`.
    public static func formatSize(_ bytes: UInt64) -> String {
        for unit in sizeUnits.reversed() where unit.bytes > 1 && bytes >= unit.bytes && bytes % unit.bytes == 0 {
            return "\(bytes / unit.bytes) \(unit.suffix)"
        }
        return "\(bytes) bytes"
    }

    /// The shortest exact spelling of a duration: `30s`, `1500ms`.
    public static func formatDuration(_ milliseconds: Int) -> String {
        for unit in durationUnits.reversed() where milliseconds >= unit.milliseconds
            && milliseconds % unit.milliseconds == 0 {
            return "\(milliseconds / unit.milliseconds)\(unit.suffix)"
        }
        return "\(milliseconds)ms"
    }

    /// Splits `  64 MiB ` into ("64", "MiB"); only ASCII digits are a number, one optional space may
    /// separate it from the unit.
    private static func split(_ text: String) throws(ParseError) -> (digits: Substring, unit: Substring) {
        let trimmed = text.trimmingASCIIWhitespace()
        if trimmed.isEmpty { throw .empty }
        if trimmed.hasPrefix("-") { throw .negative(text) }
        let body = trimmed.hasPrefix("+") ? trimmed.dropFirst() : trimmed
        let digits = body.prefix(while: { $0.isASCII && $0.isNumber })
        if digits.isEmpty { throw .notANumber(text) }
        var unit = body.dropFirst(digits.count)
        if unit.first == " " { unit = unit.dropFirst() }
        if unit.contains(where: { !($0.isASCII && $0.isLetter) }) { throw .notANumber(text) }
        return (digits, unit)
    }
}

extension StringProtocol {
    func trimmingASCIIWhitespace() -> Substring {
        let s = self[...]
        let start = s.firstIndex(where: { !($0 == " " || $0 == "\t") }) ?? s.endIndex
        let end = s.lastIndex(where: { !($0 == " " || $0 == "\t") }).map { s.index(after: $0) } ?? start
        return Substring(s[start..<end])
    }
}
