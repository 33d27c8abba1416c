import XenABI

/// The calling vCPU's virtual address space, for copying hypercall arguments in and out (Xen's
/// `copy_from_guest`/`copy_to_guest`). Addresses are translated through the guest's own page tables and then
/// its stage 2; a fault anywhere makes the hypercall fail with -EFAULT.
public protocol GuestAddressSpace: AnyObject {
    /// `count` bytes at guest-virtual `address`, or nil if any byte is unreachable for the caller.
    func copyIn(from address: UInt32, count: Int) -> [UInt8]?
    /// Writes `bytes` at guest-virtual `address`; false if any byte is unreachable or read-only.
    func copyOut(to address: UInt32, bytes: [UInt8]) -> Bool
}

/// What hypercall families need of the rest of the hypervisor: the other domains' parts, reached by id.
/// The domain registry implements it; event channel and grant table code never hold a domain directly.
public protocol DomainDirectory: AnyObject {
    /// The RAM block of `domain` (guest-physical RAM starts at `GuestMemoryLayout.ramBase`), nil if no such domain.
    func memory(of domain: DomID) -> MemoryBlock?
    /// True while `domain` exists and has not been destroyed.
    func exists(_ domain: DomID) -> Bool
    /// An event became pending for `domain`: wake its vCPU if blocked and deliver the upcall if unmasked.
    func kick(_ domain: DomID)
    /// The host page of `domain`'s magic frame `gfn` (console ring, xenstore ring: what reserved grants 0 and 1
    /// name), nil for any other frame.
    func magicPage(of domain: DomID, frame gfn: UInt64) -> UnsafeMutableRawPointer?
}

extension DomainDirectory {
    public func magicPage(of domain: DomID, frame gfn: UInt64) -> UnsafeMutableRawPointer? { nil }
}

/// One hypercall as the dispatcher hands it to a family: the caller, its argument registers (r0–r4) and
/// its address space.
public struct HypercallInvocation {
    public let caller: DomID
    public let arguments: (UInt32, UInt32, UInt32, UInt32, UInt32)
    public unowned let space: GuestAddressSpace
    public init(caller: DomID, arguments: (UInt32, UInt32, UInt32, UInt32, UInt32), space: GuestAddressSpace) {
        self.caller = caller; self.arguments = arguments; self.space = space
    }
}

/// Guest-physical layout of every domain (`xen/arch-arm.h`, DESIGN.md §3).
public enum GuestMemoryLayout {
    public static let ramBase: UInt32 = 0x4000_0000          // GUEST_RAM0_BASE
    public static let pl011Base: UInt32 = 0x2200_0000        // GUEST_PL011_BASE
    public static let grantTableBase: UInt32 = 0x3800_0000   // GUEST_GNTTAB_BASE
    public static let magicBase: UInt32 = 0x3900_0000        // GUEST_MAGIC_BASE (console ring, xenstore ring)
    public static let pageSize: UInt32 = 4096
}
