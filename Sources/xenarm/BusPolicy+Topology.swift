import Hypervisor
import Launcher

extension BusPolicy {
    /// Who may use the hypervisor bus for which domains, from the topology: each backend for its `domain:`,
    /// xenstored (process name `xenstored`) for every domain. Domain ids follow file order from 1.
    init(topology: Topology) {
        var ids: [String: DomID] = [:]
        for (k, d) in topology.domains.enumerated() { ids[d.name] = DomID(UInt16(k + 1)) }
        var served: [String: Set<DomID>] = [:]
        for b in topology.backends {
            if let id = ids[b.domain] { served[b.name, default: []].insert(id) }
        }
        if topology.xenstored != nil { served["xenstored"] = Set(ids.values) }
        self.init(served)
    }
}
