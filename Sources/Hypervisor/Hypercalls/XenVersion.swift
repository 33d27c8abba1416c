import XenABI

/// `__HYPERVISOR_xen_version(cmd, arg)` (`xen/version.h`).
enum XenVersion {
    /// xenarm reports the Xen interface it follows: 4.17.
    static let major: UInt32 = 4, minor: UInt32 = 17
    static let extraversion = ".0-xenarm"
    static let capabilities = "xen-3.0-armv7l "
    static let changeset = "xenarm"
    /// XENFEAT_auto_translated_physmap: guests see guest-physical addresses, the hypervisor translates.
    static let featureSubmap0: UInt32 = 1 << 2

    static func handle(_ call: HypercallInvocation, _ vcpu: VCPU) -> HypercallResult {
        let (cmd, arg, _, _, _) = call.arguments
        guard let command = XenVersionCommand(rawValue: cmd) else { return .error(.ENOSYS) }
        func out(_ bytes: [UInt8]) -> HypercallResult {
            call.space.copyOut(to: arg, bytes: bytes) ? .value(0) : .error(.EFAULT)
        }
        func text(_ s: String, size: Int) -> [UInt8] {
            var b = Array(s.utf8.prefix(size - 1))
            b += [UInt8](repeating: 0, count: size - b.count)
            return b
        }
        switch command {
        case .version:
            return .value(major << 16 | minor)
        case .extraversion:
            return out(text(extraversion, size: 16))
        case .compileInfo:
            return out(text("swift", size: 64) + text("xenarm", size: 16) + text("localdomain", size: 32)
                       + text("xenarm build", size: 32))
        case .capabilities:
            return out(text(capabilities, size: 1024))
        case .changeset:
            return out(text(changeset, size: 64))
        case .platformParameters:
            return out([UInt8](repeating: 0, count: 8))   // virt_start: no hypervisor hole in a guest's space
        case .getFeatures:
            guard let b = call.space.copyIn(from: arg, count: 8) else { return .error(.EFAULT) }
            let index = b.word(at: 0)
            let submap = index == 0 ? featureSubmap0 : 0
            return call.space.copyOut(to: arg &+ 4, bytes: [UInt8].littleEndian(UInt64(submap), count: 4))
                ? .value(0) : .error(.EFAULT)
        case .pagesize:
            return .value(4096)
        case .guestHandle:
            return out([UInt8](repeating: 0, count: 16))
        case .commandline:
            return .error(.EPERM)
        }
    }
}
