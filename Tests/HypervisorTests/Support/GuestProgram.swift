import Foundation
import Hypervisor
import XCTest

/// A guest kernel for tests: ARM assembly assembled and linked by the toolchain's clang into a real ELF at
/// 0x40000000 (the guest's RAM base), written to a temporary file.
enum GuestProgram {
    static let clang = "/opt/swift/usr/bin/clang"

    /// Common macros: `hcall N` (number in r12, HVC #0xEA1), `print label,len`, `poweroff`.
    static let prelude = """
        .syntax unified
        .arm
        .macro hcall num
            movw r12, #\\num
            hvc #0xEA1
        .endm
        .macro print label, len
            mov r0, #0
            mov r1, #\\len
            ldr r2, =\\label
            hcall 18
        .endm
        .macro shutdown reason
            ldr r0, =shutdown_arg\\@
            mov r1, #\\reason
            str r1, [r0]
            mov r1, r0
            mov r0, #2
            hcall 29
            b .
            .ltorg
        shutdown_arg\\@: .word 0
        .endm

        """

    /// Assembles `body` (after the prelude, `_start` first) and returns the ELF path.
    static func build(_ body: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xenarm-hv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let source = dir.appendingPathComponent("guest.S"), elf = dir.appendingPathComponent("guest.elf")
        try (prelude + ".text\n.global _start\n" + body + "\n").write(to: source, atomically: true, encoding: .utf8)
        // Everything at the guest's RAM base, nothing below it (no ELF header page).
        let script = dir.appendingPathComponent("guest.ld")
        try """
            ENTRY(_start)
            SECTIONS {
              . = 0x40000000;
              .text : { *(.text*) }
              .rodata : { *(.rodata*) }
              .data : { *(.data*) }
              .bss : { *(.bss*) *(COMMON) }
            }
            """.write(to: script, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: clang)
        p.arguments = ["--target=armv7a-none-eabi", "-march=armv7ve", "-nostdlib", "-fuse-ld=lld", "-static",
                       "-Wl,-T," + script.path, "-Wl,-N", "-o", elf.path, source.path]
        let err = Pipe()
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard p.terminationStatus == 0 else {
            XCTFail("assembling failed: \(message)", file: file, line: line)
            throw CocoaError(.fileWriteUnknown)
        }
        return elf.path
    }
}

/// Runs guests on a real `Hypervisor` and collects their console lines and ends.
final class GuestRun: @unchecked Sendable {
    let hypervisor: Hypervisor
    private let lock = NSLock()
    private var linesStore: [String] = []
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return linesStore }

    init(_ domains: [DomainConfig], pcpus: Int = 1, slice: Int = 50_000, memory: UInt64 = 64 << 20,
         eventCheck: Int = 8192) throws {
        hypervisor = try Hypervisor(Hypervisor.Configuration(
            memoryBytes: memory, reserveBytes: 4 << 20,
            scheduler: Scheduler.Options(pcpus: pcpus, sliceInstructions: slice, eventCheckInstructions: eventCheck),
            domains: domains))
        hypervisor.onConsoleLine = { [unowned self] domain, line in
            lock.lock(); linesStore.append("[\(domain.name)] \(line)"); lock.unlock()
        }
    }

    /// Starts every domain and waits (at most `seconds`) for all to end.
    func run(seconds: Double = 20, file: StaticString = #filePath, line: UInt = #line) {
        hypervisor.start()
        let done = DispatchSemaphore(value: 0)
        let h = hypervisor
        Thread { h.waitUntilAllEnded(); done.signal() }.start()
        if done.wait(timeout: .now() + seconds) == .timedOut {
            XCTFail("domains still running after \(seconds)s: \(h.domains.map { "\($0.name) \($0.state)" })",
                    file: file, line: line)
        }
    }

    func domain(_ name: String) -> Domain { hypervisor.domains.first { $0.name == name }! }
}
