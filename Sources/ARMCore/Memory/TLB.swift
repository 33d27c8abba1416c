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
struct TLB {
    static let entries = 256
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

    /// `entries` privileged entries followed by `entries` user entries.
    let table: UnsafeMutablePointer<Entry>

    init() {
        table = .allocate(capacity: 2 * TLB.entries)
        table.initialize(repeating: Entry(), count: 2 * TLB.entries)
    }

    func deallocate() { table.deallocate() }

    @inline(__always)
    func entry(_ va: UInt32, user: Bool) -> UnsafeMutablePointer<Entry> {
        table + (Int((va >> 12) & UInt32(TLB.entries - 1)) | (user ? TLB.entries : 0))
    }

    func flush() {
        table.update(repeating: Entry(), count: 2 * TLB.entries)
    }

    /// Drops write access cached for physical page `page` (it has just become a code page).
    func revokeWrites(physicalPage page: UInt32) {
        for k in 0..<(2 * TLB.entries) where table[k].physicalPage == page {
            table[k].writeTag = TLB.invalid
        }
    }
}
