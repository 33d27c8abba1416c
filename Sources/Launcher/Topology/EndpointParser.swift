/// Reads `endpoint:` values: `ipc`, or `tcp://HOST:PORT` with HOST an IPv4 address, a bracketed IPv6 address or
/// a host name. Wildcards (`*`, port 0) are refused: the same address is used to bind and to connect.
enum EndpointParser {
    static func parse(_ text: String) -> Result<EndpointSpec, EndpointReason> {
        if text == "ipc" { return .success(.ipc) }
        guard text.hasPrefix("tcp://") else { return .failure(.init("expected ipc or tcp://HOST:PORT")) }
        let rest = text.dropFirst("tcp://".count)
        guard let colon = rest.lastIndex(of: ":") else { return .failure(.init("missing :PORT")) }
        var host = String(rest[..<colon])
        let portText = rest[rest.index(after: colon)...]
        guard let port = UInt16(portText), port != 0 else {
            return .failure(.init("port '\(portText)' is not a number from 1 to 65535"))
        }
        if host.hasPrefix("[") && host.hasSuffix("]") {
            let inner = host.dropFirst().dropLast()
            guard !inner.isEmpty, inner.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                return .failure(.init("'\(host)' is not an IPv6 address"))
            }
            host = String(inner)
        } else if !isHostName(host) {
            return .failure(.init("'\(host)' is not a host name or IPv4 address"))
        }
        return .success(.tcp(host: host, port: port))
    }

    /// Letters, digits, '-' and '.' in labels of 1 to 63 (RFC 1123), which also covers dotted IPv4; a name made
    /// only of digits and dots must be a valid IPv4 address.
    private static func isHostName(_ host: String) -> Bool {
        guard !host.isEmpty, host.count <= 253 else { return false }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.allSatisfy({ label in
            (1...63).contains(label.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }) else { return false }
        if host.allSatisfy({ $0.isNumber || $0 == "." }) {
            return labels.count == 4 && labels.allSatisfy { UInt8($0) != nil }
        }
        return true
    }

    /// True when two tcp endpoints cannot both be bound: same port on the same host, or on 0.0.0.0 / :: (every
    /// address) and any host.
    static func clash(_ a: EndpointSpec, _ b: EndpointSpec) -> Bool {
        guard case let .tcp(hostA, portA) = a, case let .tcp(hostB, portB) = b, portA == portB else { return false }
        let any: Set<String> = ["0.0.0.0", "::"]
        return hostA.lowercased() == hostB.lowercased() || any.contains(hostA) || any.contains(hostB)
    }
}

struct EndpointReason: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
