import CZMQ

/// A socket event reported by libzmq's monitor (zmq_socket_monitor(3)). A struct over the raw code so
/// events this build does not name stay representable.
public struct MonitorEventKind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// A connecting socket completed a connection.
    public static let connected = MonitorEventKind(rawValue: UInt16(ZMQ_EVENT_CONNECTED))
    /// A bound socket accepted a peer's connection.
    public static let accepted = MonitorEventKind(rawValue: UInt16(ZMQ_EVENT_ACCEPTED))
    /// A connection closed: the peer went away (or we dropped it).
    public static let disconnected = MonitorEventKind(rawValue: UInt16(ZMQ_EVENT_DISCONNECTED))
    public static let connectRetried = MonitorEventKind(rawValue: UInt16(ZMQ_EVENT_CONNECT_RETRIED))
    public static let closed = MonitorEventKind(rawValue: UInt16(ZMQ_EVENT_CLOSED))
    public static let handshakeSucceeded = MonitorEventKind(rawValue: UInt16(ZMQ_EVENT_HANDSHAKE_SUCCEEDED))
    public static let monitorStopped = MonitorEventKind(rawValue: UInt16(ZMQ_EVENT_MONITOR_STOPPED))

    public var description: String {
        switch self {
        case .connected: return "connected"
        case .accepted: return "accepted"
        case .disconnected: return "disconnected"
        case .connectRetried: return "connectRetried"
        case .closed: return "closed"
        case .handshakeSucceeded: return "handshakeSucceeded"
        case .monitorStopped: return "monitorStopped"
        default: return "event(0x\(String(rawValue, radix: 16)))"
        }
    }
}

/// One monitor event: what happened, libzmq's value (a file descriptor for connect/accept/disconnect,
/// an errno for failures), and the endpoint concerned.
public struct MonitorEvent: Sendable, Equatable {
    public let kind: MonitorEventKind
    public let value: UInt32
    public let endpoint: String
}

/// Watches a socket's connection events, so a server learns a peer went away.
///
/// libzmq publishes the events on an `inproc://` PAIR socket; this type owns the reading end. Its
/// `socket` can be added to a `Poller` next to the watched one. Same threading rule as `ZMQSocket`.
public final class SocketMonitor {
    /// The PAIR socket the events arrive on (pollable).
    public let socket: ZMQSocket
    private let watched: ZMQSocket

    /// Starts monitoring `watched` for `kinds` (default: connected, accepted, disconnected).
    public init(
        _ watched: ZMQSocket,
        kinds: [MonitorEventKind] = [.connected, .accepted, .disconnected]
    ) throws(WireError) {
        // Unique per monitor within the context: the socket's address is unique while it is open.
        let address = "inproc://xenarm-monitor-\(UInt(bitPattern: watched.handle))"
        let mask = kinds.reduce(Int32(0)) { $0 | Int32($1.rawValue) }
        guard zmq_socket_monitor(watched.handle, address, mask) == 0 else {
            throw WireError.last("zmq_socket_monitor")
        }
        self.watched = watched
        socket = try watched.context.socket(.pair)
        try socket.set(.linger(milliseconds: 0))
        try socket.connect(address)
    }

    deinit {
        if !watched.isClosed { zmq_socket_monitor(watched.handle, nil, 0) }
    }

    /// The next event, waiting up to `timeoutMilliseconds` (-1 = forever); nil on timeout.
    public func next(timeoutMilliseconds: Int) throws(WireError) -> MonitorEvent? {
        var poller = Poller()
        poller.add(socket)
        guard try poller.poll(timeoutMilliseconds: timeoutMilliseconds)[0].contains(.readable),
              let parts = try socket.tryReceiveMultipart() else { return nil }
        return try Self.decode(parts)
    }

    /// Monitor messages are two parts: 6 bytes (u16 event, u32 value, host order) and the endpoint text.
    static func decode(_ parts: [[UInt8]]) throws(WireError) -> MonitorEvent {
        guard parts.count == 2, parts[0].count >= 6 else {
            throw WireError.malformed("monitor message with \(parts.count) parts")
        }
        let head = parts[0]
        let kind = UInt16(head[0]) | UInt16(head[1]) << 8
        let value = UInt32(head[2]) | UInt32(head[3]) << 8 | UInt32(head[4]) << 16 | UInt32(head[5]) << 24
        return MonitorEvent(kind: MonitorEventKind(rawValue: kind), value: value,
                            endpoint: String(decoding: parts[1], as: UTF8.self))
    }
}
