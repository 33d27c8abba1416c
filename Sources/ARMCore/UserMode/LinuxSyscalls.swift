#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Linux ARM EABI system calls of the user-mode shim (arch/arm/tools/syscall.tbl numbers): number in r7,
/// arguments in r0–r6, result (or −errno) in r0. Anything else: a message naming it and −ENOSYS.
extension LinuxUserProcess {
    /// (number, name, implemented) — the names also serve the "unsupported" message.
    static let syscallNames: [UInt32: String] = [
        1: "exit", 3: "read", 4: "write", 5: "open", 6: "close", 13: "time", 19: "lseek", 20: "getpid",
        24: "getuid", 37: "kill", 45: "brk", 54: "ioctl", 78: "gettimeofday", 91: "munmap", 122: "uname",
        125: "mprotect", 140: "_llseek", 145: "readv", 146: "writev", 162: "nanosleep", 174: "rt_sigaction",
        175: "rt_sigprocmask", 186: "sigaltstack", 191: "ugetrlimit", 192: "mmap2", 195: "stat64", 197: "fstat64",
        199: "getuid32", 200: "getgid32", 201: "geteuid32", 202: "getegid32", 224: "gettid", 238: "tkill",
        240: "futex", 248: "exit_group", 256: "set_tid_address", 263: "clock_gettime", 264: "clock_getres",
        268: "tgkill", 322: "openat", 338: "set_robust_list", 384: "getrandom", 397: "statx",
        403: "clock_gettime64", 0xF0002: "cacheflush", 0xF0005: "set_tls",
    ]

    static let ENOSYS: UInt32 = UInt32(bitPattern: -38), EFAULT: UInt32 = UInt32(bitPattern: -14)
    static let EBADF: UInt32 = UInt32(bitPattern: -9), EINVAL: UInt32 = UInt32(bitPattern: -22)
    static let ENOMEM: UInt32 = UInt32(bitPattern: -12), ENOTTY: UInt32 = UInt32(bitPattern: -25)
    static let ESPIPE: UInt32 = UInt32(bitPattern: -29)
    static let pid: UInt32 = 4242

    /// Handles the SVC at `state.pc`; returns r0 (nil when the program ended).
    func syscall(_ state: CPUState) -> UInt32? {
        let r = state.r
        let number = r[7]
        let a0 = r[0], a1 = r[1], a2 = r[2], a3 = r[3], a4 = r[4], a5 = r[5]
        switch number {
        case 1, 248: // exit, exit_group
            exit(Int32(bitPattern: a0)); return nil
        case 3: // read
            return read(fd: a0, address: a1, count: a2)
        case 4: // write
            guard let p = guestBuffer(a1, Int(a2), [.read]) else { return Self.EFAULT }
            return emit(fd: Int32(bitPattern: a0), UnsafeRawBufferPointer(start: p, count: Int(a2)))
        case 146: // writev
            guard let iov = guestBuffer(a1, Int(a2) * 8, [.read]), a2 <= 1024 else { return Self.EINVAL }
            var total: UInt32 = 0
            for k in 0..<Int(a2) {
                let b = iov.load(fromByteOffset: 8 * k, as: UInt32.self), n = iov.load(fromByteOffset: 8 * k + 4, as: UInt32.self)
                guard let p = guestBuffer(b, Int(n), [.read]) else { return Self.EFAULT }
                let written = emit(fd: Int32(bitPattern: a0), UnsafeRawBufferPointer(start: p, count: Int(n)))
                if Int32(bitPattern: written) < 0 { return total > 0 ? total : written }
                total &+= written
            }
            return total
        case 6: return 0 // close
        case 45: return setBreak(a0)
        case 192: return mmap2(address: a0, length: a1, prot: a2, flags: a3, fd: a4, pageOffset: a5)
        case 91: // munmap
            guard a0 & 0xFFF == 0, a1 > 0 else { return Self.EINVAL }
            memory.unmap(guestPhysical: a0, count: Int((UInt64(a1) + 0xFFF) >> 12))
            cpu.flushTLB()
            return 0
        case 125: return 0 // mprotect: permissions are not narrowed
        case 263, 403: // clock_gettime, clock_gettime64
            let (s, ns) = clockValue(clockID: a0)
            if number == 403 {
                guard let p = guestBuffer(a1, 16, [.write]) else { return Self.EFAULT }
                p.storeBytes(of: UInt64(bitPattern: s), as: UInt64.self)
                p.storeBytes(of: UInt64(bitPattern: ns), toByteOffset: 8, as: UInt64.self)
            } else {
                guard let p = guestBuffer(a1, 8, [.write]) else { return Self.EFAULT }
                p.storeBytes(of: UInt32(truncatingIfNeeded: s), as: UInt32.self)
                p.storeBytes(of: UInt32(truncatingIfNeeded: ns), toByteOffset: 4, as: UInt32.self)
            }
            return 0
        case 78: // gettimeofday
            if a0 != 0 {
                guard let p = guestBuffer(a0, 8, [.write]) else { return Self.EFAULT }
                let (s, ns) = clock()
                p.storeBytes(of: UInt32(truncatingIfNeeded: s), as: UInt32.self)
                p.storeBytes(of: UInt32(truncatingIfNeeded: ns / 1000), toByteOffset: 4, as: UInt32.self)
            }
            return 0
        case 13: // time
            let s = UInt32(truncatingIfNeeded: clock().seconds)
            if a0 != 0, let p = guestBuffer(a0, 4, [.write]) { p.storeBytes(of: s, as: UInt32.self) }
            return s
        case 0xF0005: // set_tls: TPIDRURO, read by __kuser_get_tls
            cpu.cp15.tpidruro = a0
            return 0
        case 0xF0002: // cacheflush(start, end, flags): drop decoded instructions in the range
            if a1 > a0 { cpu.invalidateCode(physical: a0, length: a1 - a0) }
            return 0
        case 20, 224: return Self.pid // getpid, gettid
        case 256: return Self.pid // set_tid_address
        case 24, 199, 200, 201, 202: return 0 // root, as qemu-arm run by root reports the host's ids
        case 122: return uname(a0)
        case 54: return Self.ENOTTY // ioctl: no terminals
        case 19, 140: return Self.ESPIPE // lseek
        case 174, 175, 186, 338: return 0 // signal masks and handlers are accepted and ignored
        case 238, 268, 37: // tkill, tgkill, kill: only self-signals, which end the program (abort())
            let signal = Int32(bitPattern: number == 268 ? a2 : a1)
            if signal == 0 { return 0 }
            termination = .signaled(signal, reason: "xenarm: uncaught target signal \(signal)")
            return nil
        default:
            let name = Self.syscallNames[number].map { "\($0) (\(number))" } ?? "\(number)"
            diagnostics("xenarm: unsupported syscall \(name): returning -ENOSYS")
            return Self.ENOSYS
        }
    }

    func emit(fd: Int32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        if let hook = outputHook {
            hook(fd, Array(bytes))
            return UInt32(bytes.count)
        }
        guard fd >= 0 else { return Self.EBADF }
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 { return done > 0 ? UInt32(done) : UInt32(bitPattern: -errno) }
            done += n
        }
        return UInt32(done)
    }

    func read(fd: UInt32, address: UInt32, count: UInt32) -> UInt32 {
        guard let p = guestBuffer(address, Int(count), [.write]) else { return Self.EFAULT }
        if let hook = inputHook, fd == 0 {
            let data = hook(Int(count))
            let n = min(data.count, Int(count))
            data.withUnsafeBytes { if n > 0 { p.copyMemory(from: $0.baseAddress!, byteCount: n) } }
            cpu.invalidateCode(physical: address, length: UInt32(n))
            return UInt32(n)
        }
        let n = Glibc.read(Int32(bitPattern: fd), p, Int(count))
        if n < 0 { return UInt32(bitPattern: -errno) }
        cpu.invalidateCode(physical: address, length: UInt32(n))
        return UInt32(n)
    }

    func clockValue(clockID: UInt32) -> (Int64, Int64) {
        if clockID == 0 { return clock() } // CLOCK_REALTIME
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return (Int64(ts.tv_sec), Int64(ts.tv_nsec))
    }

    /// brk(2): grows or shrinks the break within [brkStart, mmap area); returns the new (or unchanged) break.
    func setBreak(_ requested: UInt32) -> UInt32 {
        guard requested >= brkStart, requested < mmapNext, requested < Self.stackTop - Self.stackSize else { return brk }
        if requested > brkMapped {
            let end = (requested + 0xFFF) & ~0xFFF
            mapRegion(brkMapped, end - brkMapped, [.read, .write])
            brkMapped = end
            cpu.flushTLB()
        }
        brk = requested
        return brk
    }

    /// mmap2(2): anonymous private/shared mappings only (file mappings: −ENODEV).
    func mmap2(address: UInt32, length: UInt32, prot: UInt32, flags: UInt32, fd: UInt32, pageOffset: UInt32) -> UInt32 {
        let anonymous: UInt32 = 0x20, fixed: UInt32 = 0x10
        guard length > 0 else { return Self.EINVAL }
        guard flags & anonymous != 0 else { return UInt32(bitPattern: -19) }
        let size = (UInt64(length) + 0xFFF) & ~0xFFF
        let start: UInt32
        if flags & fixed != 0 {
            guard address & 0xFFF == 0, UInt64(address) + size <= UInt64(Self.stackTop - Self.stackSize) else { return Self.EINVAL }
            start = address
            memset(base + Int(start), 0, Int(size))
        } else {
            guard UInt64(mmapNext) + size <= UInt64(Self.stackTop - Self.stackSize) else { return Self.ENOMEM }
            start = mmapNext
            mmapNext = UInt32(UInt64(mmapNext) + size)
        }
        var perms: PagePermissions = [.read, .write]
        if prot & 4 != 0 { perms.insert(.execute) }
        mapRegion(start, UInt32(size), perms)
        cpu.invalidateCode(physical: start, length: UInt32(size))
        cpu.flushTLB()
        return start
    }

    /// uname(2): six 65-byte fields, as an ARMv7 Linux reports them.
    func uname(_ address: UInt32) -> UInt32 {
        guard let p = guestBuffer(address, 6 * 65, [.write]) else { return Self.EFAULT }
        let fields = ["Linux", "xenarm", "6.1.0", "#1 SMP xenarm", "armv7l", "(none)"]
        memset(p, 0, 6 * 65)
        for (k, f) in fields.enumerated() {
            let bytes = Array(f.utf8.prefix(64))
            bytes.withUnsafeBytes { (p + 65 * k).copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        }
        return 0
    }
}
