import XenABI

/// Why a grant copy (or one side of it) was refused. Cases carry the values that are logged; `status` is the
/// one mapping to the guest-visible `GNTST_*`, as Xen's grant_table.c answers each case.
public enum GrantError: Error, Equatable, Sendable, CustomStringConvertible {
    /// offset + length past the 4 KiB page, or unknown copy flags.
    case badCopyArgument(offset: UInt16, length: UInt16, flags: UInt16)
    /// The granting domain (or the copier's frame domain) does not exist.
    case noSuchDomain(DomID)
    /// The reference is past the granter's table.
    case badRef(granter: DomID, ref: GrantRef, entries: Int)
    /// The entry is not GTF_permit_access (never granted, revoked, transfer or transitive).
    case notGranted(granter: DomID, ref: GrantRef, flags: UInt16)
    /// The entry grants someone else.
    case wrongGrantee(granter: DomID, ref: GrantRef, grantedTo: UInt16, copier: DomID)
    /// A write through a GTF_readonly grant.
    case readOnly(granter: DomID, ref: GrantRef)
    /// The granted frame is not in the granter's RAM.
    case frameOutsideRAM(domain: DomID, frame: UInt64)
    /// A frame (not a grant) side naming a domain other than the copier.
    case foreignFrame(copier: DomID, domain: DomID)

    /// Xen's status for each: bounds → GNTST_bad_copy_arg, domain → bad_domain, ref → bad_gntref, bad flags or
    /// grantee and write-pin of a read-only grant → GNTST_general_error (as `_set_status_v1`), frame → bad_page,
    /// another domain's frame → permission_denied.
    public var status: GrantStatus {
        switch self {
        case .badCopyArgument: return .badCopyArg
        case .noSuchDomain: return .badDomain
        case .badRef: return .badGntref
        case .notGranted, .wrongGrantee, .readOnly: return .generalError
        case .frameOutsideRAM: return .badPage
        case .foreignFrame: return .permissionDenied
        }
    }

    public var description: String {
        switch self {
        case let .badCopyArgument(o, l, f): return "offset \(o) + length \(l) past the page or flags 0x\(String(f, radix: 16))"
        case let .noSuchDomain(d): return "no domain \(d)"
        case let .badRef(g, r, n): return "\(g) ref \(r) past its \(n) entries"
        case let .notGranted(g, r, f): return "\(g) ref \(r) not granted (flags 0x\(String(f, radix: 16)))"
        case let .wrongGrantee(g, r, to, c): return "\(g) ref \(r) grants d\(to), not \(c)"
        case let .readOnly(g, r): return "\(g) ref \(r) is read-only"
        case let .frameOutsideRAM(d, f): return "frame 0x\(String(f, radix: 16)) outside \(d)'s RAM"
        case let .foreignFrame(c, d): return "\(c) named a frame of \(d)"
        }
    }
}
