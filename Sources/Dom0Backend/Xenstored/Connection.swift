/// How a client reaches xenstored. The kind decides privilege (Dom0's sockets are privileged) and what
/// survives a restart (a ZeroMQ client's routing id and a guest's ring are stable identities; see Persist.swift).
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

    /// The identity under which this connection's watches are persisted (ZeroMQ clients and guests' rings).
    var persistentIdentity: XenstoreClientIdentity? { XenstoreClientIdentity(kind) }
}

/// A client that outlives the daemon, so its watches are persisted and restored under this key.
/// - A ZeroMQ client reconnects with the same routing id (a Dom0 process that sets `ZMQ_ROUTING_ID`).
/// - A guest's connection is its ring page and event channel, which the daemon's death does not touch: the guest
///   keeps waiting for its events and never learns that it should watch again, so the daemon must keep them.
/// A Unix-socket client has no identity: its connection ends with the daemon, and it re-registers.
public enum XenstoreClientIdentity: Hashable, Sendable {
    case zmq(routingID: [UInt8])
    case ring(domain: UInt32)

    init?(_ kind: XenstoreConnectionKind) {
        switch kind {
        case let .zmq(id): self = .zmq(routingID: id)
        case let .ring(domain): self = .ring(domain: domain)
        case .socket, .local: return nil
        }
    }

    var kind: XenstoreConnectionKind {
        switch self {
        case let .zmq(id): .zmq(routingID: id)
        case let .ring(domain): .ring(domain: domain)
        }
    }

    /// A total order, so a snapshot lists watches the same way every time.
    static func precedes(_ a: Self, _ b: Self) -> Bool {
        switch (a, b) {
        case let (.zmq(x), .zmq(y)): x.lexicographicallyPrecedes(y)
        case let (.ring(x), .ring(y)): x < y
        case (.zmq, .ring): true
        case (.ring, .zmq): false
        }
    }
}
