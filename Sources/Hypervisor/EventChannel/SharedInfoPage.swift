#if canImport(Glibc)
import Glibc
#endif
import XenABI

/// A domain's shared_info page (`struct shared_info`, ARM layout in `XenABI.SharedInfoLayout`): a
/// hypervisor-owned 4 KiB page that the guest maps with `XENMAPSPACE_shared_info`. It holds the 2-level event
/// channel bits: `evtchn_pending`/`evtchn_mask` (one bit per port), and in `vcpu_info[0]` the selector
/// `evtchn_pending_sel` (one bit per 64-bit pending word) and `evtchn_upcall_pending`/`evtchn_upcall_mask`.
///
/// Threading: the guest reads and writes this page with ordinary (interpreted) loads and stores on its vCPU
/// thread, and an interpreted LDREX/STREX knows nothing of host threads. So only the thread running the
/// domain's vCPU touches the page: other threads queue events in `EventChannels` (`raise`), and the vCPU thread
/// applies them here (`EventChannels.deliverPending`). Hence plain loads and stores below.
public final class SharedInfoPage: @unchecked Sendable {
    public static let size = 4096
    /// Host address of the page (page aligned). Map this into the guest's stage 2.
    public let host: UnsafeMutableRawPointer
    private let owned: Bool

    /// A fresh zeroed page of the hypervisor's own (posix_memalign).
    public init() {
        var p: UnsafeMutableRawPointer?
        guard posix_memalign(&p, Self.size, Self.size) == 0, let page = p else {
            fatalError("cannot allocate a 4 KiB shared_info page")  // host out of memory: nothing to recover
        }
        memset(page, 0, Self.size)
        host = page
        owned = true
    }

    /// A page the caller owns (e.g. carved from `MachineMemory`'s reserve, zero-filled by mmap); it must outlive
    /// this object. Its contents are kept: the domain builder may already have set `evtchn_upcall_mask`.
    public init(borrowing page: UnsafeMutableRawPointer) {
        precondition(Int(bitPattern: page) % Self.size == 0, "shared_info must be page aligned")
        host = page
        owned = false
    }

    deinit { if owned { free(host) } }

    // MARK: raw words

    @inline(__always) private func word(_ base: Int, _ index: Int) -> UInt64 {
        UInt64(littleEndian: host.load(fromByteOffset: base + index * 8, as: UInt64.self))
    }
    @inline(__always) private func setWord(_ base: Int, _ index: Int, _ value: UInt64) {
        host.storeBytes(of: value.littleEndian, toByteOffset: base + index * 8, as: UInt64.self)
    }
    @inline(__always) private func bit(_ base: Int, _ port: EventChannelPort) -> Bool {
        word(base, Int(port) / 64) & (1 << UInt64(port % 64)) != 0
    }
    @inline(__always) private func setBit(_ base: Int, _ port: EventChannelPort, _ on: Bool) {
        let w = Int(port) / 64, m: UInt64 = 1 << UInt64(port % 64)
        let old = word(base, w)
        setWord(base, w, on ? old | m : old & ~m)
    }

    // MARK: fields

    public func isPending(_ port: EventChannelPort) -> Bool { bit(SharedInfoLayout.pending, port) }
    public func isMasked(_ port: EventChannelPort) -> Bool { bit(SharedInfoLayout.mask, port) }
    public func setPending(_ port: EventChannelPort, _ on: Bool) { setBit(SharedInfoLayout.pending, port, on) }
    public func setMasked(_ port: EventChannelPort, _ on: Bool) { setBit(SharedInfoLayout.mask, port, on) }

    /// `vcpu_info[0].evtchn_pending_sel`.
    public var pendingSelector: UInt64 {
        get { word(SharedInfoLayout.vcpuInfo + VcpuInfoLayout.pendingSelector, 0) }
        set { setWord(SharedInfoLayout.vcpuInfo + VcpuInfoLayout.pendingSelector, 0, newValue) }
    }
    /// `vcpu_info[0].evtchn_upcall_pending`.
    public var upcallPending: Bool {
        get { host.load(fromByteOffset: SharedInfoLayout.vcpuInfo + VcpuInfoLayout.upcallPending, as: UInt8.self) != 0 }
        set { host.storeBytes(of: newValue ? 1 : 0, toByteOffset: SharedInfoLayout.vcpuInfo + VcpuInfoLayout.upcallPending,
                              as: UInt8.self) }
    }
    /// `vcpu_info[0].evtchn_upcall_mask` (PV meaning, see `XenABI.VcpuInfoLayout`).
    public var upcallMask: Bool {
        get { host.load(fromByteOffset: SharedInfoLayout.vcpuInfo + VcpuInfoLayout.upcallMask, as: UInt8.self) != 0 }
        set { host.storeBytes(of: newValue ? 1 : 0, toByteOffset: SharedInfoLayout.vcpuInfo + VcpuInfoLayout.upcallMask,
                              as: UInt8.self) }
    }

    /// True when an upcall should be delivered now: something is pending and upcalls are not masked.
    public var wantsUpcall: Bool { upcallPending && !upcallMask }

    // MARK: 2-level operations (Xen's evtchn_2l_set_pending / evtchn_2l_unmask)

    /// Marks `port` pending. If it was not already pending and is not masked, also sets its selector bit and
    /// `evtchn_upcall_pending`. Returns true when that made the vCPU newly need an upcall.
    @discardableResult
    public func markPending(_ port: EventChannelPort) -> Bool {
        if isPending(port) { return false }
        setPending(port, true)
        return signalIfUnmasked(port)
    }

    /// Clears the mask bit of `port`; if the port is pending, signals it as `markPending` would (an event that
    /// arrived while masked is delivered at unmask, not lost).
    @discardableResult
    public func unmask(_ port: EventChannelPort) -> Bool {
        setMasked(port, false)
        return isPending(port) ? signalIfUnmasked(port) : false
    }

    private func signalIfUnmasked(_ port: EventChannelPort) -> Bool {
        guard !isMasked(port) else { return false }
        let selectorBit: UInt64 = 1 << UInt64(Int(port) / 64)
        let selector = pendingSelector
        if selector & selectorBit != 0 { return false }
        pendingSelector = selector | selectorBit
        if upcallPending { return false }
        upcallPending = true
        return true
    }
}
