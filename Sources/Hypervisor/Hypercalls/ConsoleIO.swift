import XenABI

/// `__HYPERVISOR_console_io(cmd, count, buffer)`: the hypervisor console (Xen's early console). Writes are
/// cut into lines and each line goes to the console sink as `[NAME] line` (the hypervisor's stdout, which the
/// launcher shows); the raw bytes also go to `Hypervisor.onConsoleBytes` (the guest's console log). Reading has no
/// input source here: -ENOSYS.
enum ConsoleIO {
    /// Bytes taken per call: a longer write is cut short and its count says how much went out (the guest
    /// loops, as with a short write(2)).
    static let maximumPerCall = 16 * 1024
    /// A line longer than this is emitted without waiting for its newline.
    static let maximumLine = 1024

    static func handle(_ call: HypercallInvocation, _ vcpu: VCPU) -> HypercallResult {
        let (cmd, countArg, buffer, _, _) = call.arguments
        guard let command = ConsoleIOCommand(rawValue: cmd) else { return .error(.ENOSYS) }
        switch command {
        case .read:
            return .error(.ENOSYS)
        case .write:
            let count = Int32(bitPattern: countArg)
            guard count >= 0 else { return .error(.EINVAL) }
            let n = min(Int(count), maximumPerCall)
            guard let bytes = call.space.copyIn(from: buffer, count: n) else { return .error(.EFAULT) }
            write(bytes, domain: vcpu.domain, hypervisor: vcpu.hypervisor)
            return .value(UInt32(n))
        }
    }

    /// Appends `bytes` to the domain's console line and emits each complete line.
    static func write(_ bytes: [UInt8], domain: Domain, hypervisor: Hypervisor) {
        domain.counters.add(.consoleBytes, Int64(bytes.count))
        hypervisor.onConsoleBytes?(domain, bytes)
        for b in bytes {
            if b == UInt8(ascii: "\n") || domain.consoleLine.count >= maximumLine {
                emit(domain, hypervisor)
                if b == UInt8(ascii: "\n") { continue }
            }
            if b != UInt8(ascii: "\r") { domain.consoleLine.append(b) }
        }
    }

    /// Emits what is left of a line (at domain end).
    static func flush(_ domain: Domain, _ hypervisor: Hypervisor) {
        if !domain.consoleLine.isEmpty { emit(domain, hypervisor) }
    }

    private static func emit(_ domain: Domain, _ hypervisor: Hypervisor) {
        let line = String(decoding: domain.consoleLine, as: UTF8.self)
        domain.consoleLine.removeAll(keepingCapacity: true)
        hypervisor.consoleLine(domain, line)
    }
}
