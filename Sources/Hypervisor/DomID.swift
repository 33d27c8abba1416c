/// A domain id (`domid_t` in `xen/xen.h`). Domain 0 is the toolstack's identity, held by the Dom0 processes;
/// guests (DomUs) are numbered from 1 in topology order.
public struct DomID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ value: UInt16) { self.rawValue = value }

    public static let dom0 = DomID(0)
    /// `DOMID_SELF` (0x7FF0): "the calling domain" in hypercall arguments.
    public static let selfReference = DomID(0x7FF0)

    public static func < (a: DomID, b: DomID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "d\(rawValue)" }
}
