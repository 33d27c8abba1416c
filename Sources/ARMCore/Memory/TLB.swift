/// The software TLB: virtual page → host address, per privilege level, with separate read/write/execute tags
/// (the scheme QEMU's softmmu uses). A hit is one compare and one load/store, no call.
///
/// Tags hold the page-aligned virtual address when the access is allowed, or `TLB.invalid` (bit 2 set, which
/// no compared value has: those are `va & (pageMask | (size - 1))` and the fetch page `base | T`, whose bits
/// 11…2 are always clear). Comparing against `va & (pageMask | (size - 1))` sends misaligned accesses to
/// the slow path too, where alignment faults and page-crossing accesses are handled.
///
/// Filled only on a successful slow-path access, so every entry reflects: stage-1 permissions (MMU) at its
/// privilege, stage-2 permissions (`PhysicalMemoryMap`), and, for writes, that the physical page holds no
/// decoded instructions (stores to code pages must reach the decode cache).
///
/// **Banks per DACR.** Stage-1 permissions depend on DACR, so entries are valid for the DACR they were filled
/// under. A kernel that switches DACR back and forth (a Xen-style PV kernel entering and leaving its
/// applications) would otherwise flush everything twice per system call. The TLB keeps `banks` tables, each
/// tagged with the DACR it was filled under; `select(dacr:)` switches to the bank of that DACR (or empties the
/// least recently used one for it). The hit path is unchanged: `table` is the current bank. Everything that
/// invalidates translations (`flush`, `revokeWrites`) covers every bank.
struct TLB {
    static let entries = 256
    static let banks = 2
    /// Not 1: an odd halfword or word address in page 0 masks to 1 (and a Thumb fetch page 0 is 0 | 1), which
    /// would hit an empty entry and dereference a null host page (found by random code, test_cpu_garbage.py).
    static let invalid: UInt32 = 4

    struct Entry {
        var readTag: UInt32 = TLB.invalid
        var writeTag: UInt32 = TLB.invalid
        var executeTag: UInt32 = TLB.invalid
        /// Guest-physical page number (address >> 12).
        var physicalPage: UInt32 = 0
        /// Host address of the page minus its virtual base: host address = addend &+ va.
        var addend: UInt = 0
    }

    /// The current bank: `entries` privileged entries followed by `entries` user entries.
    private(set) var table: UnsafeMutablePointer<Entry>
    /// Every bank, `banks` × 2 × `entries`.
    private let storage: UnsafeMutablePointer<Entry>
    /// The DACR each bank was filled under (nil: empty since the last flush) and the current bank.
    private var bankDACR: [UInt32?] = Array(repeating: nil, count: TLB.banks)
    private var current = 0

    init() {
        storage = .allocate(capacity: TLB.banks * 2 * TLB.entries)
        storage.initialize(repeating: Entry(), count: TLB.banks * 2 * TLB.entries)
        table = storage
    }

    func deallocate() { storage.deallocate() }

    /// The current bank's entries are valid for `dacr`: switch to its bank, or give it the other one (emptied).
    /// Call with the DACR every time it changes, and once with the first DACR after a flush.
    mutating func select(dacr: UInt32) {
        if bankDACR[current] == dacr { return }
        if let k = bankDACR.firstIndex(where: { $0 == dacr }) {
            current = k
        } else {
            current = (current + 1) % TLB.banks
            bankDACR[current] = dacr
            (storage + current * 2 * TLB.entries).update(repeating: Entry(), count: 2 * TLB.entries)
        }
        table = storage + current * 2 * TLB.entries
    }

    @inline(__always)
    func entry(_ va: UInt32, user: Bool) -> UnsafeMutablePointer<Entry> {
        table + (Int((va >> 12) & UInt32(TLB.entries - 1)) | (user ? TLB.entries : 0))
    }

    /// Empties every bank; the current one stays tagged with `dacr`.
    mutating func flush(dacr: UInt32) {
        storage.update(repeating: Entry(), count: TLB.banks * 2 * TLB.entries)
        for k in bankDACR.indices { bankDACR[k] = nil }
        bankDACR[current] = dacr
    }

    /// Drops write access cached for physical page `page` (it has just become a code page), in every bank.
    func revokeWrites(physicalPage page: UInt32) {
        for k in 0..<(TLB.banks * 2 * TLB.entries) where storage[k].physicalPage == page {
            storage[k].writeTag = TLB.invalid
        }
    }
}
