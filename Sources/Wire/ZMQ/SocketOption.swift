import CZMQ

/// The socket options xenarm sets (zmq_setsockopt(3)). One case per option, carrying its value.
public enum SocketOption: Sendable, Equatable {
    /// How long `close` may keep unsent messages (ms; 0 drops them, -1 waits forever: avoid).
    case linger(milliseconds: Int32)
    /// Messages queued per peer before a send blocks or drops (0 = unlimited).
    case sendHighWaterMark(Int32)
    case receiveHighWaterMark(Int32)
    /// The identity a DEALER/REQ presents to a ROUTER (1...255 bytes, must not start with 0).
    case routingID([UInt8])
    /// A blocking receive fails with `.timedOut` after this many ms (-1 = forever).
    case receiveTimeout(milliseconds: Int32)
    case sendTimeout(milliseconds: Int32)
    /// A ROUTER reports `.peerUnreachable` for an unknown routing id instead of dropping silently.
    case routerMandatory(Bool)
    /// libzmq disconnects a peer that sends a message larger than this (bytes; -1 = no limit).
    case maxMessageSize(Int64)
    /// SUB only: receive messages starting with this prefix (empty = everything).
    case subscribe([UInt8])
    case unsubscribe([UInt8])
    /// Queue messages only to completed connections, so a request is not parked on a dead server.
    case immediate(Bool)
    /// First and maximum reconnect interval (ms) for connecting sockets.
    case reconnectInterval(milliseconds: Int32)
    case reconnectIntervalMax(milliseconds: Int32)
}

extension ZMQSocket {
    /// Sets one option.
    public func set(_ option: SocketOption) throws(WireError) {
        switch option {
        case let .linger(v): try setInt32(ZMQ_LINGER, v, "ZMQ_LINGER")
        case let .sendHighWaterMark(v): try setInt32(ZMQ_SNDHWM, v, "ZMQ_SNDHWM")
        case let .receiveHighWaterMark(v): try setInt32(ZMQ_RCVHWM, v, "ZMQ_RCVHWM")
        case let .routingID(id): try setBytes(ZMQ_ROUTING_ID, id, "ZMQ_ROUTING_ID")
        case let .receiveTimeout(v): try setInt32(ZMQ_RCVTIMEO, v, "ZMQ_RCVTIMEO")
        case let .sendTimeout(v): try setInt32(ZMQ_SNDTIMEO, v, "ZMQ_SNDTIMEO")
        case let .routerMandatory(on): try setInt32(ZMQ_ROUTER_MANDATORY, on ? 1 : 0, "ZMQ_ROUTER_MANDATORY")
        case let .maxMessageSize(v):
            var value = v
            try setRaw(ZMQ_MAXMSGSIZE, &value, MemoryLayout<Int64>.size, "ZMQ_MAXMSGSIZE")
        case let .subscribe(prefix): try setBytes(ZMQ_SUBSCRIBE, prefix, "ZMQ_SUBSCRIBE")
        case let .unsubscribe(prefix): try setBytes(ZMQ_UNSUBSCRIBE, prefix, "ZMQ_UNSUBSCRIBE")
        case let .immediate(on): try setInt32(ZMQ_IMMEDIATE, on ? 1 : 0, "ZMQ_IMMEDIATE")
        case let .reconnectInterval(v): try setInt32(ZMQ_RECONNECT_IVL, v, "ZMQ_RECONNECT_IVL")
        case let .reconnectIntervalMax(v): try setInt32(ZMQ_RECONNECT_IVL_MAX, v, "ZMQ_RECONNECT_IVL_MAX")
        }
    }

    /// The endpoint of the last bind, with the port libzmq chose for `tcp://127.0.0.1:*`.
    public func lastEndpoint() throws(WireError) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        var size = buffer.count
        let rc = buffer.withUnsafeMutableBytes { zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, $0.baseAddress, &size) }
        guard rc == 0 else { throw WireError.last("zmq_getsockopt(ZMQ_LAST_ENDPOINT)") }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func setInt32(_ name: Int32, _ value: Int32, _ label: String) throws(WireError) {
        var v = value
        try setRaw(name, &v, MemoryLayout<Int32>.size, label)
    }

    private func setBytes(_ name: Int32, _ bytes: [UInt8], _ label: String) throws(WireError) {
        let rc = bytes.withUnsafeBytes { zmq_setsockopt(handle, name, $0.baseAddress, $0.count) }
        guard rc == 0 else { throw WireError.last("zmq_setsockopt(\(label))") }
    }

    private func setRaw(_ name: Int32, _ value: UnsafeRawPointer, _ size: Int, _ label: String) throws(WireError) {
        guard zmq_setsockopt(handle, name, value, size) == 0 else { throw WireError.last("zmq_setsockopt(\(label))") }
    }
}
