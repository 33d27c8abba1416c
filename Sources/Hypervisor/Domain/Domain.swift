import ARMCore
import Synchronization
import XenABI

/// One guest: its block of machine memory, its software stage 2 (`physmap`), its vCPUs, the hypervisor-owned
/// pages it was given, its HVM params, state and counters (DESIGN.md §4).
///
/// The stage 2 maps exactly the RAM window (`GuestMemoryLayout.ramBase`, `ramSize` bytes) onto the block, the
/// magic pages at `GuestMemoryLayout.magicBase`, and shared_info / grant frames once the guest asked for them
/// with `XENMEM_add_to_physmap`. Every other guest-physical access is a fault delivered to this guest.
public final class Domain: @unchecked Sendable {
    public let id: DomID
    public let name: String
    public let memory: MemoryBlock
    public let physmap = PhysicalMemoryMap()
    /// Credit scheduler weight and cap (percent of one pCPU, 0 = none).
    public let weight: Int
    public let cap: Int
    /// Hypervisor-owned pages (in the reserve).
    public let sharedInfo: UnsafeMutableRawPointer
    /// Its grant table (v1); the frames are hypervisor memory outside every block.
    public let grantTable: GrantTable
    /// Magic pages in order: console ring (`magicBase`), xenstore ring (`magicBase + 4 KiB`).
    public let magicPages: [UnsafeMutableRawPointer]
    public let hvmParams = HVMParams()
    public let counters = DomainCounters()
    public internal(set) var vcpus: [VCPU] = []

    /// Number of magic pages.
    public static let magicPageCount = 2

    private let lock = Lock()
    private var currentState: DomainState = .running
    /// `state.hasEnded` without the lock: vCPUs test it after every hypercall.
    private let endedFlag = Atomic<Bool>(false)
    /// Guest frame numbers where shared_info and each grant frame are mapped (nil: not mapped).
    var sharedInfoGFN: UInt32?
    var grantFrameGFNs: [UInt32?]
    /// Console output not yet ended by a newline.
    var consoleLine: [UInt8] = []

    init(id: DomID, name: String, memory: MemoryBlock, weight: Int, cap: Int, sharedInfo: UnsafeMutableRawPointer,
         magicPages: [UnsafeMutableRawPointer]) {
        self.id = id; self.name = name; self.memory = memory; self.weight = weight; self.cap = cap
        self.sharedInfo = sharedInfo; self.magicPages = magicPages
        self.grantTable = GrantTable(domain: id)
        self.grantFrameGFNs = Array(repeating: nil, count: grantTable.frameCount)
        grantTable.fillReserved(consoleFrame: GuestMemoryLayout.magicBase >> 12,
                                xenstoreFrame: (GuestMemoryLayout.magicBase >> 12) + 1)
        physmap.map(guestPhysical: GuestMemoryLayout.ramBase, count: Int(memory.size / 4096), host: memory.host,
                    permissions: .all)
        for (k, page) in magicPages.enumerated() {
            physmap.map(guestPhysical: GuestMemoryLayout.magicBase + UInt32(k) * 4096, count: 1, host: page,
                        permissions: [.read, .write])
        }
        hvmParams[HVMCommand.paramConsolePFN] = UInt64(GuestMemoryLayout.magicBase >> 12)
        hvmParams[HVMCommand.paramStorePFN] = UInt64(GuestMemoryLayout.magicBase >> 12) + 1
        hvmParams[HVMCommand.paramConsoleEvtchn] = 0
        hvmParams[HVMCommand.paramStoreEvtchn] = 0
    }

    /// Guest-physical RAM size in bytes.
    public var ramSize: UInt32 { UInt32(memory.size) }

    /// True if guest-physical `address` is in the domain's RAM window.
    public func isRAM(_ address: UInt32) -> Bool {
        address >= GuestMemoryLayout.ramBase && UInt64(address - GuestMemoryLayout.ramBase) < memory.size
    }

    /// True if guest-physical `address` is RAM or a hypervisor page assigned to this domain (mapped in its
    /// stage 2).
    public func isAssigned(_ address: UInt32) -> Bool { physmap.lookup(address).host != nil }

    public var state: DomainState { lock.withLock { currentState } }

    /// True once the domain has ended (cheap: no lock).
    public var hasEnded: Bool { endedFlag.load(ordering: .acquiring) }

    /// Ends the domain with `state` (a shutdown or a crash). Only the first end counts: returns false if the
    /// domain had already ended.
    @discardableResult
    func end(_ state: DomainState) -> Bool {
        lock.withLock {
            guard !currentState.hasEnded else { return false }
            currentState = state
            endedFlag.store(true, ordering: .releasing)
            return true
        }
    }

    func setBlocked(_ blocked: Bool) {
        lock.withLock {
            guard !currentState.hasEnded else { return }
            currentState = blocked ? .blocked : .running
        }
    }

    // MARK: vcpu_info in shared_info (only vCPU 0 has one on ARM)

    /// `vcpu_info.evtchn_upcall_pending` of vCPU 0.
    public var upcallPending: Bool {
        get { sharedInfo.load(fromByteOffset: XenLayout.SharedInfo.upcallPending, as: UInt8.self) != 0 }
        set { sharedInfo.storeBytes(of: newValue ? 1 : 0, toByteOffset: XenLayout.SharedInfo.upcallPending, as: UInt8.self) }
    }

    /// The upcall mask byte of vCPU 0's vcpu_info (xenarm-pv.h).
    public var upcallMasked: Bool {
        get { sharedInfo.load(fromByteOffset: XenLayout.SharedInfo.upcallMask, as: UInt8.self) != 0 }
        set { sharedInfo.storeBytes(of: newValue ? 1 : 0, toByteOffset: XenLayout.SharedInfo.upcallMask, as: UInt8.self) }
    }

    /// True if event channel `port` is pending in shared_info (2-level ABI, 64-bit words on ARM).
    public func isPortPending(_ port: UInt32) -> Bool {
        guard port < 64 * 64 else { return false }
        let byte = sharedInfo.load(fromByteOffset: XenLayout.SharedInfo.evtchnPending + Int(port / 8), as: UInt8.self)
        return byte & (1 << (port % 8)) != 0
    }
}
