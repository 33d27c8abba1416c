#if canImport(Glibc)
import Glibc
#endif
import XenABI

/// One domain's grant table, version 1: `frameCount` hypervisor-owned 4 KiB pages of `grant_entry_v1`, which
/// the guest maps at `GuestMemoryLayout.grantTableBase` with `XENMEM_add_to_physmap(XENMAPSPACE_grant_table)`
/// and fills itself. The hypervisor only reads entries (`entry(_:)`), except the reserved ones it fills at
/// build time (0: console ring, 1: xenstore ring, both granted to Dom0 as the toolstack does).
///
/// Entries are read with one aligned 8-byte load, so a copy sees flags, domid and frame of one moment even
/// while the guest rewrites the entry on its vCPU thread. xenarm does not set GTF_reading/GTF_writing during a
/// copy (Xen does, so a guest revoking a grant can wait for copies in flight): a copy here is one memmove
/// under `GrantTables`' per-copy checks, and a guest that revokes a grant while a backend copies may see the
/// copy complete or be refused, never reach another frame.
public final class GrantTable: @unchecked Sendable {
    /// Frames per domain. 4 frames = 2048 grant references: a blkfront ring with 32 requests × 11 segments
    /// needs 353, a netfront 2 × 256; Linux's default for a DomU is 32 frames, but xenarm guests are small.
    /// Fixed at creation: `setup_table` and `query_size` report it, and the guest-physical window at
    /// 0x38000000 is 4 pages.
    public static let defaultFrameCount = 4
    /// Upper bound a topology may ask for (`max_nr_frames` of `query_size`).
    public static let maxFrameCount = 64

    public let domain: DomID
    public let frameCount: Int
    private let pages: [UnsafeMutableRawPointer]
    private let owned: UnsafeMutableRawPointer?

    /// A table in pages of its own (posix_memalign).
    public init(domain: DomID, frameCount: Int = GrantTable.defaultFrameCount) {
        precondition((1 ... Self.maxFrameCount).contains(frameCount), "grant frames in 1...\(Self.maxFrameCount)")
        var p: UnsafeMutableRawPointer?
        guard posix_memalign(&p, 4096, frameCount * 4096) == 0, let memory = p else {
            fatalError("cannot allocate \(frameCount) grant frames")  // host out of memory
        }
        memset(memory, 0, frameCount * 4096)
        self.domain = domain
        self.frameCount = frameCount
        pages = (0 ..< frameCount).map { memory + $0 * 4096 }
        owned = memory
    }

    /// A table in pages the caller owns (the domain builder's pages from the hypervisor reserve), zeroed here;
    /// they must outlive the table.
    public init(domain: DomID, borrowing frames: [UnsafeMutableRawPointer]) {
        precondition((1 ... Self.maxFrameCount).contains(frames.count), "grant frames in 1...\(Self.maxFrameCount)")
        for f in frames {
            precondition(Int(bitPattern: f) % 4096 == 0, "grant frames are page aligned")
            memset(f, 0, 4096)
        }
        self.domain = domain
        frameCount = frames.count
        pages = frames
        owned = nil
    }

    deinit { if let owned { free(owned) } }

    /// Number of grant references (`frameCount` × 512).
    public var entryCount: Int { frameCount * GrantEntryV1.perFrame }

    /// Host page of grant frame `index` (what hv maps at `grantTableBase + index × 4096` for the guest),
    /// nil past the last frame.
    public func frame(_ index: Int) -> UnsafeMutableRawPointer? {
        index >= 0 && index < frameCount ? pages[index] : nil
    }

    @inline(__always) private func slot(_ ref: GrantRef) -> UnsafeMutableRawPointer {
        pages[Int(ref) / GrantEntryV1.perFrame] + (Int(ref) % GrantEntryV1.perFrame) * 8
    }

    /// A consistent snapshot of entry `ref`, nil past the table.
    public func entry(_ ref: GrantRef) -> GrantEntryV1? {
        guard Int(ref) < entryCount else { return nil }
        let raw = UInt64(littleEndian: slot(ref).load(as: UInt64.self))
        return GrantEntryV1(flags: GrantFlags(rawValue: UInt16(truncatingIfNeeded: raw)),
                            domid: UInt16(truncatingIfNeeded: raw >> 16), frame: UInt32(truncatingIfNeeded: raw >> 32))
    }

    /// Writes entry `ref` (the domain builder's reserved entries; tests acting as the guest).
    public func setEntry(_ ref: GrantRef, _ entry: GrantEntryV1) {
        precondition(Int(ref) < entryCount, "grant ref inside the table")
        let raw = UInt64(entry.flags.rawValue) | UInt64(entry.domid) << 16 | UInt64(entry.frame) << 32
        slot(ref).storeBytes(of: raw.littleEndian, as: UInt64.self)
    }

    /// Fills the reserved entries as the toolstack does: the console and xenstore ring frames (guest frame
    /// numbers) granted read-write to Dom0.
    public func fillReserved(consoleFrame: UInt32, xenstoreFrame: UInt32) {
        setEntry(ReservedGrantRef.console, GrantEntryV1(flags: .permitAccess, domid: 0, frame: consoleFrame))
        setEntry(ReservedGrantRef.xenstore, GrantEntryV1(flags: .permitAccess, domid: 0, frame: xenstoreFrame))
    }
}
