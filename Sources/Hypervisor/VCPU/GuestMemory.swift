import ARMCore

/// A vCPU's virtual address space for hypercall arguments (`copy_from_guest`/`copy_to_guest`): every access
/// goes through the guest's own translation in the current virtual mode (DACR included), then its stage 2.
/// Word accesses only, so a partial word is read-modify-written.
final class GuestMemory: GuestAddressSpace {
    unowned let vcpu: VCPU
    /// Largest single copy: hypercall buffers are small; a bigger request is refused (-EFAULT), not served.
    static let maximumCopy = 1 << 20

    init(vcpu: VCPU) { self.vcpu = vcpu }

    func copyIn(from address: UInt32, count: Int) -> [UInt8]? {
        guard count >= 0, count <= Self.maximumCopy, UInt64(address) + UInt64(count) <= 1 << 32 else { return nil }
        if count == 0 { return [] }
        let cpu = vcpu.cpu!
        let end = UInt64(address) + UInt64(count)
        var out = [UInt8]()
        out.reserveCapacity(count)
        var word = UInt64(address & ~3)
        while word < end {
            guard case let .success(value) = cpu.readVirtual32(UInt32(word)) else { return nil }
            for k in 0..<4 {
                let at = word + UInt64(k)
                if at >= UInt64(address) && at < end { out.append(UInt8(truncatingIfNeeded: value >> (8 * k))) }
            }
            word += 4
        }
        return out
    }

    func copyOut(to address: UInt32, bytes: [UInt8]) -> Bool {
        guard bytes.count <= Self.maximumCopy, UInt64(address) + UInt64(bytes.count) <= 1 << 32 else { return false }
        if bytes.isEmpty { return true }
        let cpu = vcpu.cpu!
        let start = UInt64(address), end = start + UInt64(bytes.count)
        var word = start & ~3
        while word < end {
            var value: UInt32 = 0
            let whole = word >= start && word + 4 <= end
            if !whole {
                guard case let .success(old) = cpu.readVirtual32(UInt32(word)) else { return false }
                value = old
            }
            for k in 0..<4 {
                let at = word + UInt64(k)
                if at >= start && at < end {
                    value = value & ~(0xFF << (8 * UInt32(k))) | UInt32(bytes[Int(at - start)]) << (8 * UInt32(k))
                }
            }
            guard case .success = cpu.writeVirtual32(UInt32(word), value) else { return false }
            word += 4
        }
        return true
    }
}
