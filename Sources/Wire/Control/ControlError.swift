/// Everything that can go wrong on the control channel (docs/launcher.md, "Control protocol").
public enum ControlError: Error, Equatable, CustomStringConvertible {
    /// libzmq refused an operation on the control socket.
    case socket(operation: String, detail: String)
    case bind(endpoint: String, detail: String)
    case connect(endpoint: String, detail: String)
    /// A frame larger than `ControlMessage.maximumBytes`.
    case oversized(bytes: Int)
    /// Not a JSON object, or a field of the wrong type.
    case malformed(detail: String)
    /// A JSON object without `"type"`, or a message without a field its type requires.
    case missingField(type: String, field: String)
    /// A `"type"` this build does not know.
    case unknownType(String)
    /// No reply within the deadline.
    case timeout(endpoint: String, milliseconds: Int)

    public var description: String {
        switch self {
        case let .socket(operation, detail): return "control socket: \(operation): \(detail)"
        case let .bind(endpoint, detail): return "cannot bind control endpoint \(endpoint): \(detail)"
        case let .connect(endpoint, detail): return "cannot connect to control endpoint \(endpoint): \(detail)"
        case let .oversized(bytes): return "control message of \(bytes) bytes exceeds \(ControlMessage.maximumBytes)"
        case let .malformed(detail): return "malformed control message: \(detail)"
        case let .missingField(type, field): return "control message \"\(type)\" lacks field \"\(field)\""
        case let .unknownType(type): return "unknown control message type \"\(type)\""
        case let .timeout(endpoint, ms): return "no reply from \(endpoint) within \(ms) ms"
        }
    }
}
