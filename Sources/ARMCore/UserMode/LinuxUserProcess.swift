#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a static ARM EABI Linux executable in user mode, as `qemu-arm` does: the ELF's segments, a stack with
/// argc/argv/envp/auxv, the Linux system calls a freestanding or static program needs (`svc 0`, number in
/// r7), and the kuser helpers page at 0xFFFF0000.
///
/// The guest's 4 GiB address space is one host reservation (MAP_NORESERVE: pages cost memory only once
/// touched); only the regions the program owns are installed in the CPU's page map, so any other access is
/// a fault, reported like qemu-arm does (a message, then the same signal).
public final class LinuxUserProcess: CPUHost {
    /// How the program ended.
    public enum Termination: Equatable, Sendable {
        case exited(Int32)
        /// Killed by a signal (SIGSEGV for a fault, SIGILL for an undefined instruction, SIGTRAP for BKPT…).
        case signaled(Int32, reason: String)
    }

    public private(set) var cpu: CPU<LinuxUserProcess>!
    public let memory = PhysicalMemoryMap()
    /// Where each write(2)/writev(2) goes; nil: the host file descriptor of the same number.
    public var outputHook: ((Int32, [UInt8]) -> Void)?
    /// Input for read(2) on fd 0 when set (tests); nil: the host's stdin.
    public var inputHook: ((Int) -> [UInt8])?
    /// The clock for clock_gettime/gettimeofday and the generic timer (nanoseconds); the host's by default.
    public var clock: () -> (seconds: Int64, nanoseconds: Int64) = LinuxUserProcess.hostRealtime
    /// Messages about unsupported system calls go here (stderr by default).
    public var diagnostics: (String) -> Void = { message in
        var line = Array((message + "\n").utf8)
        _ = line.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }

    /// Host base of the 4 GiB guest space.
    let base: UnsafeMutableRawPointer
    static let addressSpace = 1 << 32
    /// Program break: start (end of the highest segment) and current value; mapped up to `brkMapped`.
    var brkStart: UInt32 = 0, brk: UInt32 = 0, brkMapped: UInt32 = 0
    /// Next address handed out by mmap2 (grows upward; freed ranges are unmapped, not reused).
    var mmapNext: UInt32 = 0x4000_0000
    var termination: Termination?

    public static let stackTop: UInt32 = 0xC000_0000
    public static let stackSize: UInt32 = 8 << 20
    /// ARM kuser helpers (Documentation/arm/kernel_user_helpers.rst): version at 0xFFFF0FFC.
    static let kuserPage: UInt32 = 0xFFFF_0000
    static let frequency: UInt32 = 62_500_000

    public init(image: ELFImage, arguments: [String], environment: [String]) throws(LinuxUserError) {
        guard let p = mmap(nil, Self.addressSpace, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
              p != MAP_FAILED else { throw .outOfMemory("could not reserve the 4 GiB guest address space") }
        base = p
        cpu = CPU(host: self, memory: memory)
        var highest: UInt32 = 0
        // Pages of all segments with the union of their permissions.
        for s in image.segments {
            guard s.memorySize > 0 else { continue }
            let start = s.virtualAddress & ~0xFFF
            let end = UInt32(min(UInt64(s.virtualAddress) + UInt64(s.memorySize) + 0xFFF, 0xFFFF_F000)) & ~0xFFF
            var perms: PagePermissions = []
            if s.readable { perms.insert(.read) }
            if s.writable { perms.insert([.read, .write]) }
            if s.executable { perms.insert([.read, .execute]) }
            var page = start
            while page < end {
                let existing = memory.lookup(page).permissions
                memory.map(guestPhysical: page, count: 1, host: base + Int(page), permissions: perms.union(existing))
                page &+= 0x1000
            }
            highest = max(highest, end)
        }
        // Whole pages of the file, as a kernel maps them: first the file bytes around each segment in its first
        // and last page, then every segment's own bytes, then every zero-filled tail (.bss), so overlapping pages
        // end up as the kernel would leave them.
        for s in image.segments {
            let prefixStart = Int(s.virtualAddress) - s.pagePrefix.count
            s.pagePrefix.withUnsafeBytes { src in
                if src.count > 0 { (base + prefixStart).copyMemory(from: src.baseAddress!, byteCount: src.count) }
            }
            s.pageSuffix.withUnsafeBytes { src in
                if src.count > 0 { (base + Int(s.virtualAddress) + s.data.count).copyMemory(from: src.baseAddress!, byteCount: src.count) }
            }
        }
        for s in image.segments {
            s.data.withUnsafeBytes { src in
                if src.count > 0 { (base + Int(s.virtualAddress)).copyMemory(from: src.baseAddress!, byteCount: src.count) }
            }
        }
        for s in image.segments where s.memorySize > UInt32(s.data.count) {
            memset(base + Int(s.virtualAddress) + s.data.count, 0, Int(s.memorySize) - s.data.count)
        }
        brkStart = highest; brk = highest; brkMapped = highest
        mapRegion(Self.stackTop - Self.stackSize, Self.stackSize, [.read, .write])
        installKuserHelpers()
        let sp = buildStack(image: image, arguments: arguments, environment: environment)
        let state = cpu.state
        state.setCPSR(0x10) // user mode, interrupts enabled, ARM
        state.r[13] = sp
        state.t = image.entry & 1 != 0
        state.pc = image.entry & ~1
        cpu.flushTLB()
    }

    deinit { munmap(base, Self.addressSpace) }

    static func hostRealtime() -> (seconds: Int64, nanoseconds: Int64) {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return (Int64(ts.tv_sec), Int64(ts.tv_nsec))
    }

    /// Runs until the program exits or is killed; `budget` instructions per slice.
    public func run(slice: Int = 1 << 22) -> Termination {
        while termination == nil {
            let reason = cpu.run(budget: slice)
            if case .waitingForInterrupt = reason, termination == nil {
                // A user program cannot wait for interrupts: WFI with nothing pending would hang (qemu treats it as
                // a NOP in user mode, and so do we: the host answered `.resume`), so we never get here.
                continue
            }
        }
        return termination!
    }

    /// Instructions retired so far.
    public var instructionsRetired: UInt64 { cpu.instructionsRetired }

    // MARK: memory

    func mapRegion(_ start: UInt32, _ length: UInt32, _ perms: PagePermissions) {
        guard length > 0 else { return }
        memory.map(guestPhysical: start, count: Int((length + 0xFFF) >> 12), host: base + Int(start), permissions: perms)
    }

    /// Host pointer to [address, address + length) if every page is mapped with `perms`.
    func guestBuffer(_ address: UInt32, _ length: Int, _ perms: PagePermissions) -> UnsafeMutableRawPointer? {
        if length == 0 { return base + Int(address) }
        guard length > 0, UInt64(address) + UInt64(length) <= 0x1_0000_0000 else { return nil }
        var page = address & ~0xFFF
        let last = UInt32(UInt64(address) + UInt64(length) - 1) & ~0xFFF
        while true {
            let e = memory.lookup(page)
            if e.host == nil || !e.permissions.isSuperset(of: perms) { return nil }
            if page == last { break }
            page &+= 0x1000
        }
        return base + Int(address)
    }

    func installKuserHelpers() {
        mapRegion(Self.kuserPage, 0x1000, [.read, .execute])
        let page = base + Int(Self.kuserPage)
        func put(_ offset: Int, _ words: [UInt32]) {
            for (k, w) in words.enumerated() { page.storeBytes(of: w, toByteOffset: offset + 4 * k, as: UInt32.self) }
        }
        // __kuser_memory_barrier (0xFFFF0FA0): dmb; bx lr
        put(0xFA0, [0xF57F_F05F, 0xE12F_FF1E])
        // __kuser_cmpxchg (0xFFFF0FC0): r0 = old, r1 = new, r2 = ptr; r0 = 0 and C set on success.
        //   ldr r3, [r2]; subs r3, r3, r0; streq r1, [r2]; rsbs r0, r3, #0; bx lr
        put(0xFC0, [0xE592_3000, 0xE053_3000, 0x0582_1000, 0xE273_0000, 0xE12F_FF1E])
        // __kuser_get_tls (0xFFFF0FE0): mrc p15, 0, r0, c13, c0, 3; bx lr
        put(0xFE0, [0xEE1D_0F70, 0xE12F_FF1E])
        // __kuser_helper_version (0xFFFF0FFC): 3 helpers above the memory barrier.
        put(0xFFC, [3])
    }

    /// Lays out the initial stack as Linux's `create_elf_tables` does; returns the initial SP.
    func buildStack(image: ELFImage, arguments: [String], environment: [String]) -> UInt32 {
        var top = Self.stackTop
        func pushBytes(_ bytes: [UInt8]) -> UInt32 {
            top -= UInt32(bytes.count)
            bytes.withUnsafeBytes { (base + Int(top)).copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
            return top
        }
        func pushString(_ s: String) -> UInt32 { pushBytes(Array(s.utf8) + [0]) }
        let platform = pushString("v7l")
        let random = pushBytes((0..<16).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
        let envAddresses = environment.reversed().map(pushString).reversed() as [UInt32]
        let argAddresses = arguments.reversed().map(pushString).reversed() as [UInt32]
        let auxv: [(UInt32, UInt32)] = [
            (3, image.programHeaderAddress), (4, image.programHeaderEntrySize), (5, image.programHeaderCount),
            (6, 4096), (7, 0), (8, 0), (9, image.entry), (11, 0), (12, 0), (13, 0), (14, 0),
            (16, 0x0003_B0D7), // AT_HWCAP: swp half thumb fastmult edsp tls idiva idivt lpae-less
            (17, 100), (23, 0), (25, random), (15, platform), (0, 0),
        ]
        var words: [UInt32] = [UInt32(arguments.count)]
        words += argAddresses + [0] + envAddresses + [0]
        for (k, v) in auxv { words += [k, v] }
        top &= ~0xF
        top -= UInt32(words.count * 4)
        top &= ~0xF
        for (k, w) in words.enumerated() { (base + Int(top) + 4 * k).storeBytes(of: w, as: UInt32.self) }
        return top
    }

    // MARK: CPUHost

    public func physicalRead(_ address: UInt32, size: AccessSize) -> UInt32? { nil }
    public func physicalWrite(_ address: UInt32, size: AccessSize, value: UInt32) -> Bool { false }

    public func trap(_ trap: Trap, state: CPUState) -> TrapAction {
        switch trap {
        case .supervisorCall:
            let result = syscall(state)
            if termination != nil { return .stop }
            if let r0 = result { state.r[0] = r0 }
            return .resume
        case .waitForInterrupt, .waitForEvent:
            return .resume
        case let .dataAbort(address, _):
            kill(signal: SIGSEGV, "Segmentation fault", detail: "data abort at 0x\(hex(address)), pc 0x\(hex(state.pc))")
        case let .prefetchAbort(address, _):
            kill(signal: SIGSEGV, "Segmentation fault", detail: "prefetch abort at 0x\(hex(address))")
        case let .undefinedInstruction(word):
            kill(signal: SIGILL, "Illegal instruction", detail: "undefined instruction 0x\(hex(word)) at pc 0x\(hex(state.pc))")
        case .breakpoint:
            kill(signal: SIGTRAP, "Trace/breakpoint trap", detail: "bkpt at pc 0x\(hex(state.pc))")
        case .hypervisorCall, .secureMonitorCall:
            kill(signal: SIGILL, "Illegal instruction", detail: "hvc/smc at pc 0x\(hex(state.pc))")
        }
        return .stop
    }

    func kill(signal: Int32, _ name: String, detail: String) {
        termination = .signaled(signal, reason: "xenarm: uncaught target signal \(signal) (\(name)): \(detail)")
    }

    public func counter() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return (UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)) / 16 // 62.5 MHz
    }

    public var counterFrequency: UInt32 { Self.frequency }

    func exit(_ code: Int32) { termination = .exited(code & 0xFF) }
}

func hex(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, 8 - s.count)) + s
}

/// Why a user-mode process could not be set up.
public enum LinuxUserError: Error, Equatable, Sendable, CustomStringConvertible {
    case outOfMemory(String)
    public var description: String {
        switch self { case let .outOfMemory(why): return why }
    }
}
