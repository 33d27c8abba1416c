import Synchronization
import XenABI

/// Told when a Dom0 port is notified: the bus relays it to the Dom0 process that owns the port.
public protocol Dom0EventSink: AnyObject, Sendable {
    /// `port` (a Dom0 port) was signalled by its interdomain peer. Called on the sender's thread, outside
    /// every event channel lock; must not block.
    func dom0Notified(port: EventChannelPort)
}

/// All event channels of the machine: one `EventChannelTable` per domain (Dom0 included: its ports are owned
/// by Dom0 processes on the bus) and, per guest, its shared_info page and the events raised for it.
///
/// **Locking.** One mutex guards every table and every raised set: the operations are short (no I/O, no
/// guest memory), interdomain ones touch two tables at once, and one lock cannot be taken in two orders.
/// It is never held while calling out (`DomainDirectory.kick`, `Dom0EventSink`). shared_info is written only by
/// the thread running the domain's vCPU (see `SharedInfoPage`): `send`, `raise` and bus notifications from any
/// thread record the port in the target's raised set and kick it; the vCPU thread calls `deliverPending`
/// before it resumes the guest, which moves raised ports into shared_info's bits.
public final class EventChannels: @unchecked Sendable {
    private final class Guest: @unchecked Sendable {
        let sharedInfo: SharedInfoPage
        /// Ports raised since the last `deliverPending`, one bit per port (same shape as evtchn_pending).
        /// Guarded by `EventChannels.lock`.
        var raised = [UInt64](repeating: 0, count: SharedInfoLayout.channelCount / 64)
        /// Cheap test for the vCPU loop, readable without the lock.
        let anyRaised = Atomic<Bool>(false)
        init(sharedInfo: SharedInfoPage) { self.sharedInfo = sharedInfo }
    }

    private let lock = Lock()
    private var tables: [DomID: EventChannelTable] = [.dom0: EventChannelTable(domain: .dom0)]
    private var guests: [DomID: Guest] = [:]
    private unowned let directory: DomainDirectory
    /// Where notifications for Dom0 ports go (the bus). Set once at start-up.
    public weak var dom0Sink: Dom0EventSink?

    private let refusals = Atomic<UInt64>(0)

    public init(directory: DomainDirectory) { self.directory = directory }

    /// Event channel hypercalls refused with an errno (a status figure; guests probing the ABI raise it).
    public var refusedHypercalls: UInt64 { refusals.load(ordering: .relaxed) }
    func countRefusal() { refusals.add(1, ordering: .relaxed) }

    // MARK: domains

    /// Registers a guest domain with its shared_info page (domain builder).
    public func addDomain(_ domain: DomID, sharedInfo: SharedInfoPage) {
        precondition(domain != .dom0, "Dom0 has no shared_info: its ports live on the bus")
        lock.withLock {
            tables[domain] = EventChannelTable(domain: domain)
            guests[domain] = Guest(sharedInfo: sharedInfo)
        }
    }

    /// Forgets a destroyed domain. Its interdomain peers' ports become unbound toward it (as Xen's
    /// `evtchn_close` does to the remote end), so nothing dangles.
    public func removeDomain(_ domain: DomID) {
        lock.withLock {
            guard let table = tables[domain] else { return }
            for (port, _) in table.allocated { closeLocked(domain, port) }
            tables[domain] = nil
            guests[domain] = nil
        }
    }

    // MARK: operations (the caller has already checked who may act on `domain`)

    /// `EVTCHNOP_alloc_unbound`: a port in `domain` offered to `remote`.
    public func allocUnbound(in domain: DomID, remote: DomID) throws(EventChannelError) -> EventChannelPort {
        try lock.locked { () throws(EventChannelError) -> EventChannelPort in
            guard tables[domain] != nil else { throw .noSuchDomain(domain) }
            guard tables[remote] != nil else { throw .noSuchDomain(remote) }
            return try tables[domain]!.allocate(.unbound(remote: remote))
        }
    }

    /// `EVTCHNOP_bind_interdomain`: a new port in `domain` connected to `remotePort` of `remote`, which must
    /// be unbound and offered to `domain`.
    public func bindInterdomain(in domain: DomID, remote: DomID, remotePort: EventChannelPort)
        throws(EventChannelError) -> EventChannelPort {
        try lock.locked { () throws(EventChannelError) -> EventChannelPort in
            guard tables[domain] != nil else { throw .noSuchDomain(domain) }
            guard let remoteTable = tables[remote] else { throw .noSuchDomain(remote) }
            guard remoteTable.state(remotePort) == .unbound(remote: domain) else {
                throw .notOffered(remote: remote, port: remotePort, to: domain)
            }
            let local = try tables[domain]!.allocate(.interdomain(remote: remote, remotePort: remotePort))
            tables[remote]!.set(remotePort, .interdomain(remote: domain, remotePort: local))
            return local
        }
    }

    /// `EVTCHNOP_bind_virq` (vCPU 0).
    public func bindVirq(in domain: DomID, virq: VirtualIRQ) throws(EventChannelError) -> EventChannelPort {
        guard virq == .timer else { throw .badVirq(virq.rawValue) }
        return try lock.locked { () throws(EventChannelError) -> EventChannelPort in
            guard tables[domain] != nil, guests[domain] != nil else { throw .noSuchDomain(domain) }
            if let bound = tables[domain]!.port(boundTo: virq) { throw .virqBound(virq, port: bound) }
            return try tables[domain]!.allocate(.virq(virq))
        }
    }

    /// `EVTCHNOP_close`: frees the port; an interdomain peer's port becomes unbound toward this domain.
    public func close(in domain: DomID, port: EventChannelPort) throws(EventChannelError) {
        try lock.locked { () throws(EventChannelError) in
            guard let table = tables[domain] else { throw .noSuchDomain(domain) }
            guard port != 0, table.state(port).isAllocated else { throw .badPort(domain, port) }
            closeLocked(domain, port)
        }
    }

    private func closeLocked(_ domain: DomID, _ port: EventChannelPort) {
        if case let .interdomain(remote, remotePort) = tables[domain]!.state(port), tables[remote] != nil,
           tables[remote]!.state(remotePort) == .interdomain(remote: domain, remotePort: port) {
            tables[remote]!.set(remotePort, .unbound(remote: domain))
        }
        tables[domain]!.set(port, .free)
        guests[domain]?.raised[Int(port) / 64] &= ~(1 << UInt64(port % 64))
    }

    /// `EVTCHNOP_status`.
    public func status(in domain: DomID, port: EventChannelPort) throws(EventChannelError) -> PortState {
        try lock.locked { () throws(EventChannelError) -> PortState in
            guard let table = tables[domain] else { throw .noSuchDomain(domain) }
            guard Int(port) < EventChannelTable.maxPorts else { throw .badPort(domain, port) }
            return table.state(port)
        }
    }

    /// `EVTCHNOP_send` from `domain` on its own `port`: marks the connected remote port pending. Sending on an
    /// unbound port does nothing (Xen's choice: the peer may not have bound yet); on a free port it fails.
    public func send(from domain: DomID, port: EventChannelPort) throws(EventChannelError) {
        let target: (DomID, EventChannelPort)? = try lock.locked { () throws(EventChannelError) -> (DomID, EventChannelPort)? in
            guard let table = tables[domain] else { throw .noSuchDomain(domain) }
            switch table.state(port) {
            case let .interdomain(remote, remotePort):
                if remote != .dom0 { raiseLocked(remote, remotePort) }
                return (remote, remotePort)
            case .unbound: return nil
            case .virq, .free, .reserved: throw .badPort(domain, port)  // Xen: -EINVAL but for IPI/interdomain
            }
        }
        guard let (remote, remotePort) = target else { return }
        if remote == .dom0 {
            dom0Sink?.dom0Notified(port: remotePort)
        } else {
            directory.kick(remote)
        }
    }

    /// The hypervisor raises a virtual IRQ (the timer): marks its bound port pending, if bound.
    public func raise(virq: VirtualIRQ, in domain: DomID) {
        let raised: Bool = lock.withLock {
            guard let port = tables[domain]?.port(boundTo: virq) else { return false }
            raiseLocked(domain, port)
            return true
        }
        if raised { directory.kick(domain) }
    }

    private func raiseLocked(_ domain: DomID, _ port: EventChannelPort) {
        guard let guest = guests[domain] else { return }
        guest.raised[Int(port) / 64] |= 1 << UInt64(port % 64)
        guest.anyRaised.store(true, ordering: .releasing)
    }

    /// `EVTCHNOP_unmask` on the domain's own vCPU thread: clears the mask bit; a port that became pending while
    /// masked is signalled now.
    public func unmask(in domain: DomID, port: EventChannelPort) throws(EventChannelError) {
        let page: SharedInfoPage = try lock.locked { () throws(EventChannelError) -> SharedInfoPage in
            guard let guest = guests[domain] else { throw .noSuchDomain(domain) }
            guard Int(port) < EventChannelTable.maxPorts else { throw .badPort(domain, port) }
            return guest.sharedInfo
        }
        _ = deliverPending(to: domain)
        page.unmask(port)
    }

    // MARK: the vCPU side

    /// True if events were raised for `domain` since its last `deliverPending` (a hint for the run loop).
    public func hasRaised(_ domain: DomID) -> Bool {
        let guest = lock.withLock { guests[domain] }
        return guest?.anyRaised.load(ordering: .acquiring) ?? false
    }

    /// On the thread running `domain`'s vCPU: moves raised ports into shared_info (Xen's 2-level set_pending for
    /// each) and returns true when an upcall should be delivered now (`evtchn_upcall_pending` set and
    /// `evtchn_upcall_mask` clear). The hypervisor calls it before resuming the guest and after a wake-up.
    public func deliverPending(to domain: DomID) -> Bool {
        let taken: (SharedInfoPage, [UInt64])? = lock.withLock {
            guard let guest = guests[domain] else { return nil }
            guard guest.anyRaised.load(ordering: .acquiring) else { return (guest.sharedInfo, []) }
            let words = guest.raised
            for i in guest.raised.indices { guest.raised[i] = 0 }
            guest.anyRaised.store(false, ordering: .releasing)
            return (guest.sharedInfo, words)
        }
        guard let (page, words) = taken else { return false }
        for (w, word) in words.enumerated() where word != 0 {
            var bits = word
            while bits != 0 {
                let b = bits.trailingZeroBitCount
                bits &= bits - 1
                page.markPending(EventChannelPort(w * 64 + b))
            }
        }
        return page.wantsUpcall
    }

    /// The shared_info page of a guest (hv maps it for `XENMAPSPACE_shared_info`).
    public func sharedInfo(of domain: DomID) -> SharedInfoPage? { lock.withLock { guests[domain]?.sharedInfo } }

    /// Every allocated port of `domain` (for status reports and tests).
    public func ports(of domain: DomID) -> [(EventChannelPort, PortState)] {
        lock.withLock { tables[domain]?.allocated ?? [] }
    }
}
