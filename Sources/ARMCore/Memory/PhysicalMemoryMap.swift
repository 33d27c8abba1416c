/// Guest-physical pages (4 KiB) → host memory, installed by the host: the CPU's second stage of translation.
///
/// Two-level table (1024 × 1024 entries) so a sparse 4 GiB space costs only the second-level tables in use.
/// The CPU consults it only on a TLB miss; a hit goes straight to host memory. After changing the map the
/// host must call `CPU.flushTLB()` (the TLB caches its pointers).
///
/// The host keeps the memory alive for as long as it is mapped; the map stores raw pointers only.
public final class PhysicalMemoryMap {
    public static let pageShift: UInt32 = 12
    public static let pageSize: UInt32 = 1 << pageShift

    /// Level-1 slots, each nil or a level-2 table of 1024 entries.
    private var level1: [UnsafeMutablePointer<Entry>?] = Array(repeating: nil, count: 1024)

    /// One page: host base address (page-aligned host memory) and permissions.
    public struct Entry {
        public var host: UnsafeMutableRawPointer?
        public var permissions: PagePermissions
    }

    public init() {}

    deinit {
        for t in level1 { t?.deallocate() }
    }

    /// Maps `count` pages starting at guest-physical page-aligned `address` to host memory `host`.
    public func map(guestPhysical address: UInt32, count: Int, host: UnsafeMutableRawPointer,
                    permissions: PagePermissions) {
        precondition(address & (Self.pageSize - 1) == 0, "guest-physical address must be page aligned")
        for k in 0..<count {
            let page = (address >> Self.pageShift) &+ UInt32(k)
            set(page: page, Entry(host: host + k * Int(Self.pageSize), permissions: permissions))
        }
    }

    /// Removes `count` pages starting at `address`; accesses then go to `CPUHost.physicalRead/Write`.
    public func unmap(guestPhysical address: UInt32, count: Int) {
        for k in 0..<count {
            set(page: (address >> Self.pageShift) &+ UInt32(k), Entry(host: nil, permissions: []))
        }
    }

    private func set(page: UInt32, _ e: Entry) {
        let i1 = Int(page >> 10) & 1023
        if level1[i1] == nil {
            let t = UnsafeMutablePointer<Entry>.allocate(capacity: 1024)
            t.initialize(repeating: Entry(host: nil, permissions: []), count: 1024)
            level1[i1] = t
        }
        level1[i1]![Int(page & 1023)] = e
    }

    /// The entry for the page holding guest-physical `address` (host nil when unmapped).
    @inline(__always)
    public func lookup(_ address: UInt32) -> Entry {
        let page = address >> Self.pageShift
        guard let t = level1[Int(page >> 10)] else { return Entry(host: nil, permissions: []) }
        return t[Int(page & 1023)]
    }
}
