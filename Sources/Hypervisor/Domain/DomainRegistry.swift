/// Every domain by id: what hypercall families and the bus reach other domains through (`DomainDirectory`).
public final class DomainRegistry: DomainDirectory, @unchecked Sendable {
    private var domains: [DomID: Domain] = [:]
    private let lock = Lock()
    /// Called by `kick`: wakes the domain's vCPU (set by the scheduler's owner).
    var onKick: (@Sendable (Domain) -> Void)?

    public init() {}

    func add(_ domain: Domain) { lock.withLock { domains[domain.id] = domain } }

    public func domain(_ id: DomID) -> Domain? { lock.withLock { domains[id] } }

    /// Every domain in id order.
    public var all: [Domain] { lock.withLock { domains.values.sorted { $0.id < $1.id } } }

    public func memory(of domain: DomID) -> MemoryBlock? { self.domain(domain)?.memory }

    public func magicPage(of domain: DomID, frame gfn: UInt64) -> UnsafeMutableRawPointer? {
        let first = UInt64(GuestMemoryLayout.magicBase >> 12)
        guard let d = self.domain(domain), gfn >= first, gfn - first < UInt64(d.magicPages.count) else { return nil }
        return d.magicPages[Int(gfn - first)]
    }

    public func exists(_ domain: DomID) -> Bool {
        guard let d = self.domain(domain) else { return false }
        return !d.state.hasEnded
    }

    public func kick(_ domain: DomID) {
        guard let d = self.domain(domain) else { return }
        onKick?(d)
    }
}
