/// Grant table ABI, version 1 (`xen/grant_table.h`): `HYPERVISOR_grant_table_op(cmd, uop, count)` with the
/// sub-op in r0, the guest-virtual address of an array of `count` argument structures in r1, the count in r2.

/// A grant reference: an index into the granting domain's table (`grant_ref_t`).
public typealias GrantRef = UInt32

/// The sub-op (`GNTTABOP_*`). A struct over the raw value: unknown sub-ops stay representable.
public struct GrantTableCommand: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let mapGrantRef = GrantTableCommand(rawValue: 0)    // GNTTABOP_map_grant_ref
    public static let unmapGrantRef = GrantTableCommand(rawValue: 1)  // GNTTABOP_unmap_grant_ref
    public static let setupTable = GrantTableCommand(rawValue: 2)     // GNTTABOP_setup_table
    public static let copy = GrantTableCommand(rawValue: 5)           // GNTTABOP_copy
    public static let querySize = GrantTableCommand(rawValue: 6)      // GNTTABOP_query_size
    public var description: String {
        switch self {
        case .mapGrantRef: return "map_grant_ref"
        case .unmapGrantRef: return "unmap_grant_ref"
        case .setupTable: return "setup_table"
        case .copy: return "copy"
        case .querySize: return "query_size"
        default: return "gnttabop(\(rawValue))"
        }
    }
}

/// `GNTST_*`: the per-operation status of a grant table op. A struct over the raw `int16_t`.
public struct GrantStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }
    public static let okay = GrantStatus(rawValue: 0)              // GNTST_okay
    public static let generalError = GrantStatus(rawValue: -1)     // GNTST_general_error
    public static let badDomain = GrantStatus(rawValue: -2)        // GNTST_bad_domain
    public static let badGntref = GrantStatus(rawValue: -3)        // GNTST_bad_gntref
    public static let permissionDenied = GrantStatus(rawValue: -8) // GNTST_permission_denied
    public static let badPage = GrantStatus(rawValue: -9)          // GNTST_bad_page
    public static let badCopyArg = GrantStatus(rawValue: -10)      // GNTST_bad_copy_arg
    public static let addressTooBig = GrantStatus(rawValue: -11)   // GNTST_address_too_big
    public static let eagain = GrantStatus(rawValue: -12)          // GNTST_eagain
    public var description: String {
        switch self {
        case .okay: return "GNTST_okay"
        case .generalError: return "GNTST_general_error"
        case .badDomain: return "GNTST_bad_domain"
        case .badGntref: return "GNTST_bad_gntref"
        case .permissionDenied: return "GNTST_permission_denied"
        case .badPage: return "GNTST_bad_page"
        case .badCopyArg: return "GNTST_bad_copy_arg"
        case .addressTooBig: return "GNTST_address_too_big"
        case .eagain: return "GNTST_eagain"
        default: return "GNTST(\(rawValue))"
        }
    }
}

/// `GTF_*`: the flags word of a v1 grant entry.
public struct GrantFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// `GTF_type_mask`: the low two bits are a type, not flags.
    public static let typeMask: UInt16 = 3
    public static let typeInvalid: UInt16 = 0         // GTF_invalid
    public static let typePermitAccess: UInt16 = 1    // GTF_permit_access
    public static let typeAcceptTransfer: UInt16 = 2  // GTF_accept_transfer
    public static let typeTransitive: UInt16 = 3      // GTF_transitive
    public static let permitAccess = GrantFlags(rawValue: 1)
    public static let readOnly = GrantFlags(rawValue: 1 << 2)   // GTF_readonly
    public static let reading = GrantFlags(rawValue: 1 << 3)    // GTF_reading
    public static let writing = GrantFlags(rawValue: 1 << 4)    // GTF_writing
    public var type: UInt16 { rawValue & Self.typeMask }
}

/// `GNTCOPY_*`: which side of a `gnttab_copy` names a grant reference (else a frame of the caller).
public struct GrantCopyFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let sourceGref = GrantCopyFlags(rawValue: 1)  // GNTCOPY_source_gref
    public static let destGref = GrantCopyFlags(rawValue: 2)    // GNTCOPY_dest_gref
}

/// `struct grant_entry_v1` (8 bytes): what a domain writes in its own table to grant a frame.
public struct GrantEntryV1: XenABIStruct {
    public static let layout = CLayout("struct grant_entry_v1", size: 8, [
        .init("flags", 0, 2), .init("domid", 2, 2), .init("frame", 4, 4),
    ])
    /// Entries per 4 KiB grant frame.
    public static let perFrame = 4096 / 8
    public var flags: GrantFlags
    public var domid: UInt16
    /// The granted guest frame number (guest-physical address >> 12).
    public var frame: UInt32
    public init(flags: GrantFlags, domid: UInt16, frame: UInt32) {
        self.flags = flags; self.domid = domid; self.frame = frame
    }
    public init(bytes: [UInt8]) throws(XenABIError) {
        let r = try LayoutReader(bytes, Self.layout)
        flags = GrantFlags(rawValue: r.u16("flags")); domid = r.u16("domid"); frame = r.u32("frame")
    }
    public func encoded() -> [UInt8] {
        var w = LayoutWriter(Self.layout)
        w.set("flags", flags.rawValue); w.set("domid", domid); w.set("frame", frame)
        return w.bytes
    }
}

/// `struct gnttab_setup_table`: IN dom, nr_frames, frame_list (a guest handle: an 8-byte slot whose low word
/// is the guest-virtual address of an array of `xen_pfn_t`, 8 bytes each on ARM); OUT status.
public struct GnttabSetupTable: XenABIStruct {
    public static let layout = CLayout("struct gnttab_setup_table", size: 24, [
        .init("dom", 0, 2), .init("nr_frames", 4, 4), .init("status", 8, 2), .init("frame_list", 16, 8),
    ])
    public var dom: UInt16
    public var nrFrames: UInt32
    public var status: GrantStatus
    public var frameList: UInt64
    public init(dom: UInt16, nrFrames: UInt32, status: GrantStatus = .okay, frameList: UInt64) {
        self.dom = dom; self.nrFrames = nrFrames; self.status = status; self.frameList = frameList
    }
    public init(bytes: [UInt8]) throws(XenABIError) {
        let r = try LayoutReader(bytes, Self.layout)
        dom = r.u16("dom"); nrFrames = r.u32("nr_frames"); status = GrantStatus(rawValue: r.i16("status"))
        frameList = r.u64("frame_list")
    }
    public func encoded() -> [UInt8] {
        var w = LayoutWriter(Self.layout)
        w.set("dom", dom); w.set("nr_frames", nrFrames); w.set("status", status.rawValue); w.set("frame_list", frameList)
        return w.bytes
    }
}

/// `struct gnttab_query_size`: IN dom; OUT nr_frames, max_nr_frames, status.
public struct GnttabQuerySize: XenABIStruct {
    public static let layout = CLayout("struct gnttab_query_size", size: 16, [
        .init("dom", 0, 2), .init("nr_frames", 4, 4), .init("max_nr_frames", 8, 4), .init("status", 12, 2),
    ])
    public var dom: UInt16
    public var nrFrames: UInt32
    public var maxNrFrames: UInt32
    public var status: GrantStatus
    public init(dom: UInt16, nrFrames: UInt32 = 0, maxNrFrames: UInt32 = 0, status: GrantStatus = .okay) {
        self.dom = dom; self.nrFrames = nrFrames; self.maxNrFrames = maxNrFrames; self.status = status
    }
    public init(bytes: [UInt8]) throws(XenABIError) {
        let r = try LayoutReader(bytes, Self.layout)
        dom = r.u16("dom"); nrFrames = r.u32("nr_frames"); maxNrFrames = r.u32("max_nr_frames")
        status = GrantStatus(rawValue: r.i16("status"))
    }
    public func encoded() -> [UInt8] {
        var w = LayoutWriter(Self.layout)
        w.set("dom", dom); w.set("nr_frames", nrFrames); w.set("max_nr_frames", maxNrFrames)
        w.set("status", status.rawValue)
        return w.bytes
    }
}

/// `struct gnttab_copy` (40 bytes on ARM): copy `len` bytes from source to dest, each side a grant reference
/// (when its `GNTCOPY_*_gref` flag is set) or a frame of the caller (`xen_pfn_t`, 8 bytes on ARM).
public struct GnttabCopy: XenABIStruct {
    public static let layout = CLayout("struct gnttab_copy", size: 40, [
        .init("source.u.ref", 0, 4), .init("source.u.gmfn", 0, 8), .init("source.domid", 8, 2),
        .init("source.offset", 10, 2),
        .init("dest.u.ref", 16, 4), .init("dest.u.gmfn", 16, 8), .init("dest.domid", 24, 2),
        .init("dest.offset", 26, 2),
        .init("len", 32, 2), .init("flags", 34, 2), .init("status", 36, 2),
    ])

    /// One side (`struct gnttab_copy_ptr`): `u` holds a grant ref (low 32 bits) or a gmfn.
    public struct Pointer: Equatable, Sendable {
        public var u: UInt64
        public var domid: UInt16
        public var offset: UInt16
        public init(u: UInt64, domid: UInt16, offset: UInt16) { self.u = u; self.domid = domid; self.offset = offset }
        public var ref: GrantRef { GrantRef(truncatingIfNeeded: u) }
    }

    public var source: Pointer
    public var dest: Pointer
    public var len: UInt16
    public var flags: GrantCopyFlags
    public var status: GrantStatus

    public init(source: Pointer, dest: Pointer, len: UInt16, flags: GrantCopyFlags, status: GrantStatus = .okay) {
        self.source = source; self.dest = dest; self.len = len; self.flags = flags; self.status = status
    }
    public init(bytes: [UInt8]) throws(XenABIError) {
        let r = try LayoutReader(bytes, Self.layout)
        source = Pointer(u: r.u64("source.u.gmfn"), domid: r.u16("source.domid"), offset: r.u16("source.offset"))
        dest = Pointer(u: r.u64("dest.u.gmfn"), domid: r.u16("dest.domid"), offset: r.u16("dest.offset"))
        len = r.u16("len"); flags = GrantCopyFlags(rawValue: r.u16("flags"))
        status = GrantStatus(rawValue: r.i16("status"))
    }
    public func encoded() -> [UInt8] {
        var w = LayoutWriter(Self.layout)
        w.set("source.u.gmfn", source.u); w.set("source.domid", source.domid); w.set("source.offset", source.offset)
        w.set("dest.u.gmfn", dest.u); w.set("dest.domid", dest.domid); w.set("dest.offset", dest.offset)
        w.set("len", len); w.set("flags", flags.rawValue); w.set("status", status.rawValue)
        return w.bytes
    }
}

extension GrantTableCommand {
    /// The constants above, for the clang check.
    public static let cConstants: [CConstant] = [
        .init("GNTTABOP_map_grant_ref", 0), .init("GNTTABOP_unmap_grant_ref", 1), .init("GNTTABOP_setup_table", 2),
        .init("GNTTABOP_copy", 5), .init("GNTTABOP_query_size", 6),
        .init("GNTST_okay", 0), .init("GNTST_general_error", -1), .init("GNTST_bad_domain", -2),
        .init("GNTST_bad_gntref", -3), .init("GNTST_permission_denied", -8), .init("GNTST_bad_page", -9),
        .init("GNTST_bad_copy_arg", -10), .init("GNTST_address_too_big", -11), .init("GNTST_eagain", -12),
        .init("GTF_invalid", 0), .init("GTF_permit_access", 1), .init("GTF_accept_transfer", 2),
        .init("GTF_transitive", 3), .init("GTF_type_mask", 3), .init("GTF_readonly", 4), .init("GTF_reading", 8),
        .init("GTF_writing", 16), .init("GNTCOPY_source_gref", 1), .init("GNTCOPY_dest_gref", 2),
        .init("GNTTAB_RESERVED_CONSOLE", 0), .init("GNTTAB_RESERVED_XENSTORE", 1),
        .init("XENMAPSPACE_shared_info", 0), .init("XENMAPSPACE_grant_table", 1),
        .init("XENMAPIDX_grant_table_status", 0x8000_0000),
    ]
}

/// Grant references the toolstack fills before boot (`GNTTAB_RESERVED_*`).
public enum ReservedGrantRef {
    public static let console: GrantRef = 0   // GNTTAB_RESERVED_CONSOLE
    public static let xenstore: GrantRef = 1  // GNTTAB_RESERVED_XENSTORE
}
