/// Which Dom0 process may act for which domains on the bus: process name → domains. Built from the topology
/// (each backend serves its `domain:`; xenstored serves every domain; see `xenarm`'s `BusPolicy+Topology`).
/// A name not in the policy cannot authenticate, whatever secret it presents.
public struct BusPolicy: Sendable, Equatable {
    public var served: [String: Set<DomID>]
    public init(_ served: [String: Set<DomID>] = [:]) { self.served = served }
    public func domains(of name: String) -> Set<DomID>? { served[name] }
}
