import Hypervisor
import Synchronization
import XenABI

/// A small real machine for event channel and grant tests: machine memory cut into guest blocks, the
/// directory the families use, and every kick recorded.
final class TestMachine: DomainDirectory, @unchecked Sendable {
    let memory: MachineMemory
    private(set) var blocks: [DomID: MemoryBlock] = [:]
    private let kickLog = Mutex<[DomID]>([])
    var kicks: [DomID] { kickLog.withLock { $0 } }

    lazy var channels = EventChannels(directory: self)
    lazy var grants = GrantTables(directory: self)
    lazy var copier = GrantCopy(tables: grants)
    private(set) var pages: [DomID: SharedInfoPage] = [:]

    /// Guests d1...dN, each with `ramBytes` of RAM, a shared_info page and a grant table.
    init(guests: Int = 2, ramBytes: UInt64 = 1 << 20) throws {
        memory = try MachineMemory(size: UInt64(guests) * ramBytes + (1 << 20), hypervisorReserve: 1 << 20)
        for i in 1 ... guests {
            let d = DomID(UInt16(i))
            blocks[d] = try memory.allocateBlock(bytes: ramBytes)
            let page = SharedInfoPage()
            pages[d] = page
            channels.addDomain(d, sharedInfo: page)
            grants.add(GrantTable(domain: d))
        }
    }

    func memory(of domain: DomID) -> MemoryBlock? { blocks[domain] }
    func exists(_ domain: DomID) -> Bool { blocks[domain] != nil }
    func kick(_ domain: DomID) { kickLog.withLock { $0.append(domain) } }

    func destroy(_ domain: DomID) {
        blocks[domain] = nil
        channels.removeDomain(domain)
        grants.remove(domain)
    }

    /// Guest frame number of the `index`th page of RAM.
    static func gfn(_ index: UInt32) -> UInt32 { GuestMemoryLayout.ramBase / 4096 + index }

    /// Host bytes of a guest's RAM page.
    func page(_ domain: DomID, _ index: UInt32) -> UnsafeMutableRawPointer { blocks[domain]!.frame(index)! }
}

/// The caller's address space for hypercall tests: guest-virtual = guest-physical (translation off, as at
/// boot), RAM only, so an address outside RAM faults like a real unmapped one.
final class FlatAddressSpace: GuestAddressSpace {
    let block: MemoryBlock
    init(_ block: MemoryBlock) { self.block = block }

    private func range(_ address: UInt32, _ count: Int) -> UnsafeMutableRawPointer? {
        let base = UInt64(GuestMemoryLayout.ramBase)
        guard UInt64(address) >= base, UInt64(address) - base + UInt64(count) <= block.size else { return nil }
        return block.host + Int(UInt64(address) - base)
    }
    func copyIn(from address: UInt32, count: Int) -> [UInt8]? {
        guard let p = range(address, count) else { return nil }
        return [UInt8](UnsafeRawBufferPointer(start: p, count: count))
    }
    func copyOut(to address: UInt32, bytes: [UInt8]) -> Bool {
        guard let p = range(address, bytes.count) else { return false }
        bytes.withUnsafeBytes { if let b = $0.baseAddress { p.copyMemory(from: b, byteCount: $0.count) } }
        return true
    }
}
