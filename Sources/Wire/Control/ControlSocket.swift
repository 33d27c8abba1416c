import CZMQ
import Foundation

/// The control channel's ZeroMQ socket: a ROUTER in the launcher, a DEALER in each child and CLI client.
///
/// It is deliberately small and owns its own libzmq context, so the control channel does not depend on the data-path
/// sockets of the process it supervises (a child whose data path is wedged can still be told to shut down).
/// A socket is used by one thread only (libzmq sockets are not thread-safe); `ChildControl` keeps its socket on
/// its own thread.
public final class ControlSocket {
    public enum Kind: Sendable { case router, dealer }

    private let context: UnsafeMutableRawPointer
    private let socket: UnsafeMutableRawPointer
    public let kind: Kind
    public let endpoint: String

    /// The largest control frame accepted: control messages are small JSON objects (a status reply with a hundred
    /// processes is a few tens of KiB), so anything larger is a hostile or broken peer, refused by libzmq itself.
    public static let maximumFrameBytes = 1 << 20

    private init(kind: Kind, endpoint: String) throws {
        guard let context = zmq_ctx_new() else { throw ControlError.socket(operation: "zmq_ctx_new", detail: Self.lastError) }
        guard let socket = zmq_socket(context, kind == .router ? ZMQ_ROUTER : ZMQ_DEALER) else {
            let detail = Self.lastError
            zmq_ctx_term(context)
            throw ControlError.socket(operation: "zmq_socket", detail: detail)
        }
        self.context = context; self.socket = socket; self.kind = kind; self.endpoint = endpoint
        // Never block process exit on unsent control messages.
        try setOption(ZMQ_LINGER, int32: 0)
        try setOption(ZMQ_MAXMSGSIZE, int64: Int64(Self.maximumFrameBytes))
    }

    deinit {
        zmq_close(socket)
        zmq_ctx_term(context)
    }

    /// The launcher's side: binds `endpoint`. Children reconnect under the same routing id after a restart, so the
    /// ROUTER hands the id over to the newest connection (ZMQ_ROUTER_HANDOVER) instead of refusing it; and a reply
    /// to a peer that has gone is an error we see (ZMQ_ROUTER_MANDATORY), not a silent drop.
    public static func router(binding endpoint: String) throws -> ControlSocket {
        let s = try ControlSocket(kind: .router, endpoint: endpoint)
        try s.setOption(ZMQ_ROUTER_HANDOVER, int32: 1)
        try s.setOption(ZMQ_ROUTER_MANDATORY, int32: 1)
        guard zmq_bind(s.socket, endpoint) == 0 else {
            throw ControlError.bind(endpoint: endpoint, detail: lastError)
        }
        return s
    }

    /// A child's or client's side: connects to `endpoint`, named `identity` when given (children use their
    /// process name, so the launcher can address them).
    public static func dealer(connecting endpoint: String, identity: String? = nil) throws -> ControlSocket {
        let s = try ControlSocket(kind: .dealer, endpoint: endpoint)
        if let identity {
            let bytes = Array(identity.utf8)
            guard zmq_setsockopt(s.socket, ZMQ_ROUTING_ID, bytes, bytes.count) == 0 else {
                throw ControlError.socket(operation: "set routing id \(identity)", detail: lastError)
            }
        }
        guard zmq_connect(s.socket, endpoint) == 0 else {
            throw ControlError.connect(endpoint: endpoint, detail: lastError)
        }
        return s
    }

    private func setOption(_ option: Int32, int32 value: Int32) throws {
        var v = value
        guard zmq_setsockopt(socket, option, &v, MemoryLayout<Int32>.size) == 0 else {
            throw ControlError.socket(operation: "zmq_setsockopt \(option)", detail: Self.lastError)
        }
    }

    private func setOption(_ option: Int32, int64 value: Int64) throws {
        var v = value
        guard zmq_setsockopt(socket, option, &v, MemoryLayout<Int64>.size) == 0 else {
            throw ControlError.socket(operation: "zmq_setsockopt \(option)", detail: Self.lastError)
        }
    }

    /// Sends one multipart message without blocking. Returns false when the peer is unknown or gone
    /// (ROUTER) or the queue is full: control messages are advisory and the caller decides what that means.
    @discardableResult
    public func send(_ frames: [Data]) -> Bool {
        for (index, frame) in frames.enumerated() {
            let flags = ZMQ_DONTWAIT | (index < frames.count - 1 ? ZMQ_SNDMORE : 0)
            let rc = frame.withUnsafeBytes { raw in zmq_send(socket, raw.baseAddress, raw.count, flags) }
            if rc < 0 { return false }
        }
        return true
    }

    /// Waits up to `timeoutMilliseconds` (0 = just look, -1 = forever) for one multipart message.
    public func receive(timeoutMilliseconds: Int) -> [Data]? {
        var item = zmq_pollitem_t(socket: socket, fd: -1, events: Int16(ZMQ_POLLIN), revents: 0)
        let ready = zmq_poll(&item, 1, timeoutMilliseconds)
        guard ready > 0, item.revents & Int16(ZMQ_POLLIN) != 0 else { return nil }
        return receiveNow()
    }

    /// Reads one multipart message if one is queued.
    public func receiveNow() -> [Data]? {
        var frames: [Data] = []
        while true {
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            guard zmq_msg_recv(&message, socket, ZMQ_DONTWAIT) >= 0 else { return frames.isEmpty ? nil : frames }
            let size = zmq_msg_size(&message)
            if size > 0, let data = zmq_msg_data(&message) {
                frames.append(Data(bytes: data, count: size))
            } else {
                frames.append(Data())
            }
            if zmq_msg_more(&message) == 0 { return frames }
        }
    }

    static var lastError: String { String(cString: zmq_strerror(zmq_errno())) }
}
