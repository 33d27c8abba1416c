import ARMCore
import XenABI

/// Bouncing a trap to the guest kernel (xenarm-pv.h) and coming back with `XENARM_PV_return`.
///
/// Delivery: switch to virtual kernel mode; push a `xenarm_trap_frame` (8-byte aligned) on the registered
/// kernel stack when coming from virtual user mode, on the current sp otherwise; mask upcalls; enter the
/// vector with r0 = sp = frame, r1 = kind. A trap the kernel cannot take (no vector, no kernel stack, a frame
/// that cannot be written) crashes the domain, and only it.
extension VCPU {
    /// Delivers `kind` with the interrupted context resuming at `resumeAt`. Returns false if the domain was
    /// crashed instead.
    @discardableResult
    func deliver(_ kind: XenarmPV.TrapKind, resumeAt: UInt32, faultAddress: UInt32 = 0, faultStatus: UInt32 = 0) -> Bool {
        let s = cpu.state
        let vector = vectors[Int(kind.rawValue)]
        func describe() -> String {
            let what: String
            switch kind {
            case .syscall: what = "system call"
            case .undefined: what = "undefined instruction"
            case .prefetchAbort: what = "prefetch abort at 0x\(String(faultAddress, radix: 16))"
            case .dataAbort: what = "data abort at 0x\(String(faultAddress, radix: 16))"
            case .upcall: what = "event upcall"
            }
            return "\(what) (pc 0x\(String(s.pc, radix: 16)), \(mode == .kernel ? "kernel" : "user") mode)"
        }
        guard vector != 0 else {
            crash("\(describe()) with no vector registered")
            return false
        }
        let from = mode
        let stack = from == .user ? kernelStack : s.r[13]
        guard from == .kernel || kernelStack != 0 else {
            crash("\(describe()) with no kernel stack registered")
            return false
        }
        var frame = [UInt32](repeating: 0, count: XenarmPV.TrapFrame.size / 4)
        for k in 0..<13 { frame[k] = s.r[k] }
        frame[XenarmPV.TrapFrame.sp / 4] = s.r[13]
        frame[XenarmPV.TrapFrame.lr / 4] = s.r[14]
        frame[XenarmPV.TrapFrame.pc / 4] = resumeAt
        frame[XenarmPV.TrapFrame.cpsr / 4] = s.cpsr
        frame[XenarmPV.TrapFrame.vmode / 4] = from.rawValue
        frame[XenarmPV.TrapFrame.kind / 4] = kind.rawValue
        frame[XenarmPV.TrapFrame.faultAddress / 4] = faultAddress
        frame[XenarmPV.TrapFrame.faultStatus / 4] = faultStatus
        frame[XenarmPV.TrapFrame.upcallMask / 4] = domain.upcallMasked ? 1 : 0
        let address = (stack &- UInt32(XenarmPV.TrapFrame.size)) & ~(XenarmPV.TrapFrame.alignment - 1)
        setMode(.kernel)
        for (k, word) in frame.enumerated() {
            guard case .success = cpu.writeVirtual32(address &+ UInt32(4 * k), word) else {
                crash("\(describe()): cannot push the trap frame at 0x\(String(address, radix: 16))")
                return false
            }
        }
        domain.upcallMasked = true
        s.r[0] = address
        s.r[1] = kind.rawValue
        s.r[13] = address
        s.itState = 0
        s.t = vector & 1 != 0
        s.pc = vector & ~1
        domain.counters.add(.trapsDelivered)
        return true
    }

    /// Delivers the event upcall if an event is pending, upcalls are unmasked and a vector is registered; the
    /// interrupted context resumes at `resumeAt` (default: the next instruction to run).
    func deliverPendingUpcall(resumeAt: UInt32? = nil) {
        guard domain.upcallPending, !domain.upcallMasked, vectors[Int(XenarmPV.TrapKind.upcall.rawValue)] != 0 else {
            return
        }
        deliver(.upcall, resumeAt: resumeAt ?? cpu.state.pc)
    }

    /// `XENARM_PV_return`: restores the frame at `address`. Returns nil on success (registers replaced), or
    /// the errno: -EFAULT if the frame is unreadable, -EINVAL for a bad virtual mode.
    func returnFromTrap(frameAt address: UInt32) -> XenErrno? {
        guard let bytes = guestMemory.copyIn(from: address, count: XenarmPV.TrapFrame.size) else { return .EFAULT }
        func word(_ offset: Int) -> UInt32 { bytes.word(at: offset) }
        guard let vmode = XenarmPV.VirtualMode(rawValue: word(XenarmPV.TrapFrame.vmode)) else { return .EINVAL }
        let s = cpu.state
        for k in 0..<13 { s.r[k] = word(4 * k) }
        s.r[13] = word(XenarmPV.TrapFrame.sp)
        s.r[14] = word(XenarmPV.TrapFrame.lr)
        // Only the user-writable CPSR bits come back (NZCVQ, IT, GE, T); the mode stays ARM user mode.
        let saved = word(XenarmPV.TrapFrame.cpsr)
        let userBits: UInt32 = 0xF800_0000 | 0x0600_0000 | 0x000F_0000 | 0x0000_FC00 | 0x20
        s.setCPSR((s.cpsr & ~userBits) | (saved & userBits))
        let pc = word(XenarmPV.TrapFrame.pc)
        s.pc = s.t ? pc & ~1 : pc & ~3
        setMode(vmode)
        domain.upcallMasked = word(XenarmPV.TrapFrame.upcallMask) != 0
        deliverPendingUpcall()
        return nil
    }
}
