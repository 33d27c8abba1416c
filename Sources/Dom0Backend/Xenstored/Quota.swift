/// Per-domain limits: one guest must not be able to exhaust the daemon for the others (Xen's `--entry-nb`,
/// `--entry-size`, `--watch-nb`, `--transaction`, `--perm-nb`, `--quota-outstanding`; the defaults are Xen's).
/// Dom0's connections are privileged and not limited by them, as in Xen (`domain_is_unprivileged`).
public struct XenstoreQuota: Sendable, Equatable {
    /// Nodes one domain may own: a guest writing a new node per loop iteration must hit a wall, not fill
    /// the journal disk. Xen: 1000.
    public var nodesPerDomain = 1000
    /// Bytes of one node's value: a node holds a small configuration value, not a file. Xen: 2048.
    public var nodeSize = 2048
    /// Watches one domain may hold: every change is matched against every watch, so watches are CPU cost
    /// for all domains. Xen: 128.
    public var watchesPerDomain = 128
    /// Open transactions one connection may hold: each keeps a copy-on-write view of the tree alive. Xen: 10.
    public var transactionsPerConnection = 10
    /// Replies and events queued for a connection before the daemon stops reading its requests: a client that
    /// sends without reading cannot make the daemon buffer without bound. Xen: 20.
    public var outstandingRequests = 20
    /// For privileged connections the same back-pressure applies, but later: Dom0 tools pipeline.
    public var outstandingRequestsPrivileged = 1024
    /// Queued watch events past which a connection that does not read is dropped (Xen drops the connection
    /// too): events are owed to a watcher, but not unboundedly.
    public var maximumQueuedMessages = 8192

    public init() {}
}
