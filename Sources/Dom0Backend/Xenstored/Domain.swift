/// A domain introduced to xenstored (XS_INTRODUCE): its id, the frame of its xenstore ring page
/// (HVM_PARAM_STORE_PFN) and the event channel port of that ring (HVM_PARAM_STORE_EVTCHN). Introduced
/// domains are persisted: after a restart they are still introduced (IS_DOMAIN_INTRODUCED says T).
public struct XenstoreDomain: Equatable, Sendable {
    public var domain: UInt32
    public var frame: UInt64
    public var port: UInt32

    public init(domain: UInt32, frame: UInt64, port: UInt32) {
        self.domain = domain; self.frame = frame; self.port = port
    }

    /// `/local/domain/<id>`: the domain's home, where its relative paths point (XS_GET_DOMAIN_PATH).
    public static func home(_ domain: UInt32) -> String { "/local/domain/\(domain)" }

    /// DOMID_FIRST_RESERVED (xen.h): ids from 0x7FF0 up are not domains.
    public static let firstReserved: UInt32 = 0x7FF0
}
