import CZMQ

/// Every failure the Wire module reports: socket errors from libzmq (with errno and libzmq's own text) and
/// framing errors from the decoders. Decoders throw these instead of trapping, because every byte they read
/// came from another process (DESIGN.md §4: every process's input is untrusted).
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    // MARK: socket layer
    /// A libzmq call failed; `operation` names the call, `errno`/`message` are libzmq's `zmq_errno`/`zmq_strerror`.
    case zmq(operation: String, errno: Int32, message: String)
    /// A send or receive hit its timeout (EAGAIN with a timeout or DONTWAIT), or a request got no reply in time.
    case timedOut(operation: String)
    /// A ROUTER with router-mandatory set was asked to send to a peer it does not know (EHOSTUNREACH).
    case peerUnreachable
    /// The context is being terminated (ETERM): the owner of the socket should close it and stop.
    case contextTerminated

    // MARK: framing (untrusted input)
    /// Fewer bytes than the layout needs.
    case truncated(needed: Int, available: Int)
    /// A length field or the whole frame is above its bound.
    case oversized(length: Int, limit: Int)
    /// The frame does not start with `FrameHeader.magic`.
    case badMagic(UInt32)
    /// The header's protocol version or the message kind's version is not the one this build speaks.
    case wrongVersion(kind: MessageKind, got: UInt16, expected: UInt16)
    /// A kind the receiver does not handle.
    case unknownKind(MessageKind)
    /// Structurally wrong: trailing bytes, a reserved field not zero, a length that disagrees with the frame.
    case malformed(String)

    // MARK: request/reply
    /// The server answered with an `ErrorReply`.
    case remote(code: ErrorReply.Code, text: String)

    public var description: String {
        switch self {
        case let .zmq(op, errno, message): return "\(op) failed: \(message) (errno \(errno))"
        case let .timedOut(op): return "\(op) timed out"
        case .peerUnreachable: return "peer unreachable (unknown routing id)"
        case .contextTerminated: return "ZeroMQ context terminated"
        case let .truncated(needed, available): return "truncated: needed \(needed) bytes, had \(available)"
        case let .oversized(length, limit): return "oversized: \(length) bytes, limit \(limit)"
        case let .badMagic(m): return "bad magic 0x\(String(m, radix: 16))"
        case let .wrongVersion(kind, got, expected): return "kind \(kind): version \(got), expected \(expected)"
        case let .unknownKind(kind): return "unknown kind \(kind)"
        case let .malformed(why): return "malformed: \(why)"
        case let .remote(code, text): return "remote error \(code): \(text)"
        }
    }

    /// The error for the libzmq call that just failed, read from `zmq_errno()` (thread-local in libzmq).
    static func last(_ operation: String) -> WireError {
        let e = zmq_errno()
        switch e {
        case EAGAIN: return .timedOut(operation: operation)
        case EHOSTUNREACH: return .peerUnreachable
        case ETERM: return .contextTerminated
        default: return .zmq(operation: operation, errno: e, message: String(cString: zmq_strerror(e)))
        }
    }
}
