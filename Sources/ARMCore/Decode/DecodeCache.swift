/// Pre-decoded instructions per guest-physical page.
///
/// Keyed by guest-physical page and instruction set (an ARM page holds 1024 slots, a Thumb page 2048 — one per
/// halfword), filled lazily: a slot is `Decoded.empty` until the run loop first executes that address.
/// Because the key is physical, two virtual aliases share one decoded copy and a change of page tables needs
/// no invalidation; what does is a change of the bytes:
///
/// * stores by the guest: a page with decoded instructions is a *code page* (bit set in `codePages`); the TLB
///   never caches write access to a code page, so every store to one takes the slow path, which calls
///   `invalidate(page:)` (self-modifying code, a loader writing a program); the next instruction is decoded
///   afresh from the new bytes;
/// * instruction-cache maintenance (ICIALLU, ICIMVAU, BPIALL…) empties everything (`flush()`);
/// * writes by the host behind the CPU's back (a grant copy into guest memory): the host calls
///   `CPU.invalidateCode(physical:length:)`.
///
/// A 32-bit T32 instruction that straddles two pages is decoded on every execution and never cached, so a
/// store to the second page cannot leave a stale copy behind.
public final class DecodeCache {
    /// Slots per page for each instruction set.
    public static let armSlots = 1024, thumbSlots = 2048

    private var pages: [UInt32: UnsafeMutablePointer<Decoded>] = [:]
    private var retired: [UnsafeMutablePointer<Decoded>] = []
    /// One bit per guest-physical page (2^20 pages): set while the page has a decoded-page buffer in use.
    private let codePages: UnsafeMutablePointer<UInt64>
    /// Number of `flush()`/`invalidate` calls that emptied something: the run loop re-resolves its current page
    /// when this changes.
    public private(set) var generation: UInt64 = 0

    public init() {
        codePages = UnsafeMutablePointer<UInt64>.allocate(capacity: 1 << 14)
        codePages.initialize(repeating: 0, count: 1 << 14)
    }

    deinit {
        for (_, p) in pages { p.deallocate() }
        for p in retired { p.deallocate() }
        codePages.deallocate()
    }

    /// The slots of physical page `page` (address >> 12) for ARM (`thumb` false) or Thumb; created empty on
    /// first use, which also marks the page as code.
    @inline(__always)
    public func slots(page: UInt32, thumb: Bool) -> UnsafeMutablePointer<Decoded> {
        let key = page << 1 | (thumb ? 1 : 0)
        markCode(page)
        if let p = pages[key] { return p }
        let n = thumb ? Self.thumbSlots : Self.armSlots
        let p = UnsafeMutablePointer<Decoded>.allocate(capacity: n)
        p.initialize(repeating: .empty, count: n)
        pages[key] = p
        return p
    }

    @inline(__always)
    public func isCode(page: UInt32) -> Bool {
        codePages[Int(page >> 6)] & (1 << UInt64(page & 63)) != 0
    }

    /// Marks `page` as holding decoded instructions (the run loop calls this when it decodes into a page whose
    /// bit an invalidation cleared).
    @inline(__always)
    public func markCode(_ page: UInt32) {
        codePages[Int(page >> 6)] |= 1 << UInt64(page & 63)
    }

    /// Forgets the decoded instructions of physical page `page` (both instruction sets). The old buffers are
    /// retired, not freed: the run loop may be executing from a slot in them; `releaseRetired()` frees them
    /// between instructions.
    public func invalidate(page: UInt32) {
        guard isCode(page: page) else { return }
        codePages[Int(page >> 6)] &= ~(1 << UInt64(page & 63))
        for key in [page << 1, page << 1 | 1] {
            if let p = pages.removeValue(forKey: key) { retired.append(p) }
        }
        generation &+= 1
    }

    /// Forgets every decoded instruction (buffers retired as in `invalidate`).
    public func flush() {
        retired.append(contentsOf: pages.values)
        pages.removeAll(keepingCapacity: true)
        codePages.update(repeating: 0, count: 1 << 14)
        generation &+= 1
    }

    /// Frees retired buffers; call only when no slot pointer is in use.
    public func releaseRetired() {
        for p in retired { p.deallocate() }
        retired.removeAll(keepingCapacity: true)
    }

    /// Number of pages with a decoded-page buffer (for tests and statistics).
    public var pageCount: Int { pages.count }
}
