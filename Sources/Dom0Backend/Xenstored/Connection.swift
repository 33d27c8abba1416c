/// How a client reaches xenstored. The kind decides privilege (Dom0's sockets are privileged) and what
/// survives a restart (only a ZeroMQ client's routing id is a stable identity; see Persist.swift).
public enum XenstoreConnectionKind: Hashable, Sendable {
    /// A client of the Unix socket (Debian's xenstore-* tools, libxenstore): Dom0, privileged.
    case socket
    /// A Dom0 process on the ZeroMQ endpoint, identified by its routing id: privileged.
    case zmq(routingID: [UInt8])
    /// A guest through its xenstore ring: its own domain, unprivileged.
    case ring(domain: UInt32)
    /// An in-process client (tests, the launcher's own writes), as a given domain.
    case local(domain: UInt32, privileged: Bool)

    var caller: XenstoreCaller {
        switch self {
        case .socket, .zmq: .dom0
        case let .ring(domain): XenstoreCaller(domain: domain, privileged: false)
        case let .local(domain, privileged): XenstoreCaller(domain: domain, privileged: privileged)
        }
    }
}

/// One client connection's state: who it is, its watches and its open transactions.
struct XenstoreConnection {
    let id: Int
    let kind: XenstoreConnectionKind
    var caller: XenstoreCaller { kind.caller }
    var home: String { XenstoreDomain.home(caller.domain) }
    var watches: [XenstoreWatch] = []
    var transactions: [UInt32: XenstoreTransaction] = [:]

    /// The routing id under which this connection's watches are persisted (ZeroMQ clients only).
    var persistentIdentity: [UInt8]? {
        if case let .zmq(id) = kind { return id }
        return nil
    }
}
