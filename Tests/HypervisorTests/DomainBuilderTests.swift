import ARMCore
import Hypervisor
import XCTest
import XenABI

final class DomainBuilderTests: XCTestCase {
    func makeBuilder(memory: UInt64 = 16 << 20) throws -> DomainBuilder {
        let machine = try MachineMemory(size: memory, hypervisorReserve: 1 << 20)
        return DomainBuilder(machine: machine, reserve: ReservePages(machine: machine))
    }

    func testTheKernelIsLoadedAtItsGuestPhysicalAddressesWithTheBootState() throws {
        let path = try GuestProgram.build("""
            _start: b .
            .data
            marker: .word 0xC0FFEE11
            """)
        let builder = try makeBuilder()
        defer { withExtendedLifetime(builder) {} }  // the machine memory must outlive the domain's block
        let (domain, boot) = try builder.build(
            DomainConfig(name: "one", memoryBytes: 2 << 20, kernelPath: path, commandLine: "console=hvc0"), id: DomID(3))
        XCTAssertEqual(boot.entry, 0x4000_0000)
        XCTAssertEqual(boot.r0, 3)
        XCTAssertEqual(boot.r1, 2 << 20)
        XCTAssertEqual(boot.r2, 0x4000_0000 + (2 << 20) - 4096)
        XCTAssertEqual(boot.r2, DomainBuilder.commandLineAddress(ramBytes: 2 << 20))
        // `b .` is 0xEAFFFFFE; the data word follows the text somewhere in the block.
        XCTAssertEqual(domain.memory.host.load(as: UInt32.self), 0xEAFF_FFFE)
        let words = UnsafeBufferPointer(start: domain.memory.host.assumingMemoryBound(to: UInt32.self), count: 1 << 18)
        XCTAssertTrue(words.contains(0xC0FF_EE11))
        let line = domain.memory.host + Int(boot.r2 - 0x4000_0000)
        XCTAssertEqual(String(cString: line.assumingMemoryBound(to: CChar.self)), "console=hvc0")
    }

    func testAKernelThatIsNotAnARMELFIsAClearError() throws {
        let config = DomainConfig(name: "bad", memoryBytes: 1 << 20, kernelPath: "/tmp/not-a-kernel")
        XCTAssertThrowsError(try makeBuilder().build(config, id: DomID(1), kernel: Array("#!/bin/sh\n".utf8))) { error in
            XCTAssertEqual(error as? DomainBuildError, .notARMExecutable(domain: "bad", path: "/tmp/not-a-kernel", .notELF))
            XCTAssertTrue("\(error)".contains("is not an ARM executable"), "\(error)")
        }
    }

    func testAKernelLargerThanItsDomainDoesNotFit() throws {
        let path = try GuestProgram.build("""
            _start: b .
            .bss
            .space 2 * 1024 * 1024
            """)
        let config = DomainConfig(name: "small", memoryBytes: 1 << 20, kernelPath: path)
        XCTAssertThrowsError(try DomainBuilder.check(config)) { error in
            guard case .kernelDoesNotFit(domain: "small", _, _, _, _)? = error as? DomainBuildError else {
                return XCTFail("\(error)")
            }
            XCTAssertTrue("\(error)".contains("does not fit"), "\(error)")
        }
        XCTAssertThrowsError(try makeBuilder().build(config, id: DomID(1)))
    }

    func testAMissingKernelFileIsUnreadable() {
        let config = DomainConfig(name: "gone", memoryBytes: 1 << 20, kernelPath: "/nonexistent/kernel.elf")
        XCTAssertThrowsError(try DomainBuilder.check(config)) { error in
            XCTAssertEqual(error as? DomainBuildError, .kernelUnreadable(domain: "gone", path: "/nonexistent/kernel.elf"))
        }
    }

    func testTheStage2MapsRAMAndTheMagicPagesAndNothingElse() throws {
        let path = try GuestProgram.build("_start: b .")
        let builder = try makeBuilder()
        defer { withExtendedLifetime(builder) {} }
        let (domain, _) = try builder.build(DomainConfig(name: "d", memoryBytes: 1 << 20, kernelPath: path), id: DomID(1))
        XCTAssertTrue(domain.isAssigned(0x4000_0000))
        XCTAssertTrue(domain.isAssigned(0x400F_F000))
        XCTAssertFalse(domain.isAssigned(0x4010_0000), "one page past RAM")
        XCTAssertFalse(domain.isAssigned(0x3FFF_F000), "one page below RAM")
        XCTAssertTrue(domain.isAssigned(GuestMemoryLayout.magicBase))
        XCTAssertTrue(domain.isAssigned(GuestMemoryLayout.magicBase + 4096))
        XCTAssertFalse(domain.isAssigned(GuestMemoryLayout.magicBase + 8192))
        XCTAssertFalse(domain.isAssigned(GuestMemoryLayout.grantTableBase), "grant frames appear only on request")
        XCTAssertEqual(domain.hvmParams[HVMCommand.paramConsolePFN], UInt64(GuestMemoryLayout.magicBase >> 12))
        XCTAssertEqual(domain.hvmParams[HVMCommand.paramStorePFN], UInt64(GuestMemoryLayout.magicBase >> 12) + 1)
    }

    func testTwoDomainsGetDisjointBlocks() throws {
        let builder = try makeBuilder()
        defer { withExtendedLifetime(builder) {} }
        let path = try GuestProgram.build("_start: b .")
        let (a, _) = try builder.build(DomainConfig(name: "a", memoryBytes: 1 << 20, kernelPath: path), id: DomID(1))
        let (b, _) = try builder.build(DomainConfig(name: "b", memoryBytes: 1 << 20, kernelPath: path), id: DomID(2))
        XCTAssertGreaterThanOrEqual(b.memory.machineOffset, a.memory.machineOffset + a.memory.size)
        XCTAssertGreaterThanOrEqual(a.memory.machineOffset, 1 << 20, "the reserve is no domain's")
    }
}
