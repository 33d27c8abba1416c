import Foundation
import XCTest
import ARMCore

/// Builds real ARM machine code for the tests with the Swift toolchain's clang (`--target=armv7a-none-eabi`,
/// ld.lld), and reads it back with `ELFImage`.
enum Toolchain {
    static let clang = "/opt/swift/usr/bin/clang"
    static let baseFlags = ["--target=armv7a-none-eabi", "-mcpu=cortex-a15", "-mfloat-abi=soft", "-mfpu=none",
                            "-ffreestanding", "-nostdlib", "-fuse-ld=lld", "-static"]

    struct BuildError: Error, CustomStringConvertible { let description: String }

    /// Compiles/assembles `source` (file extension `ext`: "s" or "c") with extra `flags` into an ELF; returns its bytes.
    static func build(_ source: String, ext: String, flags: [String]) throws -> [UInt8] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("armcore-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("prog.\(ext)"), out = dir.appendingPathComponent("prog.elf")
        try source.write(to: src, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: clang)
        p.arguments = baseFlags + flags + [src.path, "-o", out.path]
        let err = Pipe()
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard p.terminationStatus == 0 else { throw BuildError(description: "clang failed: \(message)") }
        return [UInt8](try Data(contentsOf: out))
    }

    /// Assembles A32 (or, with `thumb`, T32) instructions placed at `address`; returns the bytes of the code.
    /// The linker will not place code in the first page (its headers live there), so code meant for an
    /// address below 0x1000 is assembled 64 KiB higher and must be position independent (vectors, patches).
    static func assemble(_ code: String, at requested: UInt32 = 0x1000, thumb: Bool = false) throws -> [UInt8] {
        let address = requested < 0x1000 ? requested + 0x10000 : requested
        let source = "\t.syntax unified\n\t.\(thumb ? "thumb" : "arm")\n\t.text\n\t.globl _start\n_start:\n" + code + "\n"
        let elf = try build(source, ext: "s", flags: ["-Wl,-Ttext=0x\(String(address, radix: 16))", "-Wl,-e,_start",
                                                      "-Wl,--no-rosegment", "-Wl,--image-base=0"])
        let image = try ELFImage(bytes: elf)
        guard let text = image.segments.first(where: { $0.virtualAddress <= address && address < $0.virtualAddress + $0.memorySize })
        else { throw BuildError(description: "no segment at 0x\(String(address, radix: 16))") }
        return Array(text.data[Int(address - text.virtualAddress)...])
    }
}

/// A host with 4 MiB of RAM at guest-physical 0, an MMIO window that records accesses, and scripted traps.
final class TestHost: CPUHost {
    static let ramSize = 4 << 20
    let ram: UnsafeMutableRawPointer
    let memory = PhysicalMemoryMap()
    var cpu: CPU<TestHost>!
    var traps: [Trap] = []
    /// What to answer for a trap; by default SVC and BKPT stop the run, everything else is architectural.
    var action: (Trap) -> TrapAction = { trap in
        switch trap {
        case .supervisorCall, .breakpoint: return .stop
        default: return .exception
        }
    }
    /// MMIO: reads answered from here (nil: external abort), writes recorded.
    var mmioValues: [UInt32: UInt32] = [:]
    var mmioWrites: [(UInt32, AccessSize, UInt32)] = []
    var now: UInt64 = 1000

    init() {
        ram = UnsafeMutableRawPointer.allocate(byteCount: Self.ramSize, alignment: 4096)
        ram.initializeMemory(as: UInt8.self, repeating: 0, count: Self.ramSize)
        memory.map(guestPhysical: 0, count: Self.ramSize / 4096, host: ram, permissions: .all)
        cpu = CPU(host: self, memory: memory)
        cpu.reset()
    }

    deinit { ram.deallocate() }

    func physicalRead(_ address: UInt32, size: AccessSize) -> UInt32? { mmioValues[address] }
    func physicalWrite(_ address: UInt32, size: AccessSize, value: UInt32) -> Bool {
        mmioWrites.append((address, size, value))
        return address >= 0x1000_0000 && address < 0x1001_0000
    }
    func trap(_ trap: Trap, state: CPUState) -> TrapAction {
        traps.append(trap)
        return action(trap)
    }
    func counter() -> UInt64 { now }
    var counterFrequency: UInt32 { 1_000_000 }

    func poke(_ address: UInt32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { (ram + Int(address)).copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        cpu.invalidateCode(physical: address, length: UInt32(bytes.count))
    }
    func poke32(_ address: UInt32, _ value: UInt32) {
        (ram + Int(address)).storeBytes(of: value, as: UInt32.self)
        cpu.invalidateCode(physical: address, length: 4)
    }
    func peek32(_ address: UInt32) -> UInt32 { (ram + Int(address)).load(as: UInt32.self) }

    /// Loads `code` (assembled at `address`), points the PC there and runs until a trap stops it.
    @discardableResult
    func run(_ code: String, at address: UInt32 = 0x1000, thumb: Bool = false, budget: Int = 100_000) throws -> ExitReason {
        poke(address, try Toolchain.assemble(code, at: address, thumb: thumb))
        cpu.state.pc = address
        cpu.state.t = thumb
        return cpu.run(budget: budget)
    }

    var r: UnsafeMutablePointer<UInt32> { cpu.state.r }
}
