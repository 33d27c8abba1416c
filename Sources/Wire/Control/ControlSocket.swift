import CZMQ
import Foundation

/// The control channel's socket, over Wire's `ZMQSocket`: a ROUTER in the launcher, a DEALER in each child and
/// CLI client. Frames are `Data` here because control messages are JSON (Foundation) documents.
///
/// It has its own `ZMQContext`, so the control channel does not depend on the data-path sockets of the process it
/// supervises (a child whose data path is wedged can still be told to shut down), and linger 0: a control message
/// that cannot leave when the process exits is not worth waiting for. One thread at a time, like `ZMQSocket`.
public final class ControlSocket {
    private let socket: ZMQSocket
    private var poller = Poller()
    public let endpoint: String

    /// The largest control frame libzmq accepts: control messages are small JSON objects (a status reply with a
    /// hundred processes is a few tens of KiB), so anything larger is a hostile or broken peer, disconnected by
    /// libzmq before it reaches us.
    public static let maximumFrameBytes = 1 << 20

    private init(kind: SocketKind, endpoint: String) throws(ControlError) {
        self.endpoint = endpoint
        do {
            let context = try ZMQContext(defaultLingerMilliseconds: 0)
            socket = try context.socket(kind)
            try socket.set(.maxMessageSize(Int64(Self.maximumFrameBytes)))
        } catch {
            throw ControlError.socket(operation: "control socket", detail: error.description)
        }
        poller.add(socket)
    }

    /// The launcher's side: binds `endpoint`. A restarted child reconnects under the same routing id, possibly
    /// before the ROUTER has noticed its predecessor's disconnect, so the id is handed over to the newest
    /// connection (ZMQ_ROUTER_HANDOVER) instead of the new one being refused; and a reply to a peer that has
    /// gone is an error we see (router-mandatory), not a silent drop.
    public static func router(binding endpoint: String) throws(ControlError) -> ControlSocket {
        let s = try ControlSocket(kind: .router, endpoint: endpoint)
        var on: Int32 = 1
        guard zmq_setsockopt(s.socket.handle, ZMQ_ROUTER_HANDOVER, &on, MemoryLayout<Int32>.size) == 0 else {
            throw ControlError.socket(operation: "ZMQ_ROUTER_HANDOVER", detail: String(cString: zmq_strerror(zmq_errno())))
        }
        do {
            try s.socket.set(.routerMandatory(true))
            try s.socket.bind(endpoint)
        } catch {
            throw ControlError.bind(endpoint: endpoint, detail: error.description)
        }
        return s
    }

    /// A child's or client's side: connects to `endpoint`, named `identity` when given (children use their
    /// process name, so the launcher can address them).
    public static func dealer(connecting endpoint: String, identity: String? = nil) throws(ControlError) -> ControlSocket {
        let s = try ControlSocket(kind: .dealer, endpoint: endpoint)
        do {
            if let identity { try s.socket.set(.routingID(Array(identity.utf8))) }
            try s.socket.connect(endpoint)
        } catch {
            throw ControlError.connect(endpoint: endpoint, detail: error.description)
        }
        return s
    }

    /// Sends one multipart message without blocking. Returns false when the peer is unknown or gone (ROUTER) or
    /// the queue is full: control messages are advisory and the caller decides what that means.
    @discardableResult
    public func send(_ frames: [Data]) -> Bool {
        do {
            try socket.send(multipart: frames.map { [UInt8]($0) }, dontWait: true)
            return true
        } catch {
            return false
        }
    }

    /// Waits up to `timeoutMilliseconds` (0 = just look, -1 = forever) for one multipart message.
    public func receive(timeoutMilliseconds: Int) -> [Data]? {
        guard let events = try? poller.poll(timeoutMilliseconds: timeoutMilliseconds),
              events.first?.contains(.readable) == true else { return nil }
        return receiveNow()
    }

    /// Reads one multipart message if one is queued.
    public func receiveNow() -> [Data]? {
        guard let parts = try? socket.tryReceiveMultipart() else { return nil }
        return parts.map { Data($0) }
    }
}
