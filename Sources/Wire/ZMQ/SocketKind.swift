import CZMQ

/// The ZeroMQ socket patterns xenarm uses (zmq_socket(3)).
public enum SocketKind: Sendable, CaseIterable {
    /// Asynchronous request side of a server connection (`RequestClient`).
    case dealer
    /// Server side: every incoming message is prefixed by the peer's routing id (`RequestServer`).
    case router
    case publisher, subscriber
    case pair
    case push, pull
    case request, reply

    var raw: Int32 {
        switch self {
        case .dealer: return ZMQ_DEALER
        case .router: return ZMQ_ROUTER
        case .publisher: return ZMQ_PUB
        case .subscriber: return ZMQ_SUB
        case .pair: return ZMQ_PAIR
        case .push: return ZMQ_PUSH
        case .pull: return ZMQ_PULL
        case .request: return ZMQ_REQ
        case .reply: return ZMQ_REP
        }
    }
}
