import Hypervisor
import XCTest
import XenABI

/// The ARM PV operations (xenarm-pv.h) exercised by real guest code on a real hypervisor.
final class ArchPVOpsTests: XCTestCase {
    /// Vectors, a kernel stack and a `check` macro that prints FAIL <n> and powers off with `crash`.
    static let kernel = """
        .macro check n
            beq 1f
            ldr r0, =failmsg
            mov r1, #('0' + \\n)
            strb r1, [r0, #5]
            print failmsg, 7
            shutdown 3
        1:
        .endm
        .macro setup_vectors
            ldr sp, =kstack_top
            mov r0, #0
            ldr r1, =vectors
            ldr r2, =kstack_top
            hcall 48
        .endm
        """
    static let data = """
        .data
        failmsg: .ascii "FAIL  \\n"
        okmsg: .ascii "ok\\n"
        .align 3
        .space 4096
        kstack_top:
        """

    func run(_ program: String, memory: UInt64 = 4 << 20, file: StaticString = #filePath, line: UInt = #line) throws -> (GuestRun, Domain) {
        let path = try GuestProgram.build(Self.kernel + "\n" + program + "\n" + Self.data, file: file, line: line)
        let run = try GuestRun([DomainConfig(name: "g", memoryBytes: memory, kernelPath: path)])
        run.run(file: file, line: line)
        return (run, run.domain("g"))
    }

    func testAnUndefinedInstructionIsBouncedWithAFrameAndReturnResumesTheEditedContext() throws {
        let (run, domain) = try run("""
            _start:
                setup_vectors
                mov r4, #0x34
                mov r5, #0
            undef_at:
                .word 0xe7f000f0          @ UDF: Undefined in every mode
                cmp r5, #0x55             @ the handler edited r5 in the frame
                check 1
                cmp r4, #0x34             @ everything else came back
                check 2
                print okmsg, 3
                shutdown 0
            undef_handler:
                cmp r1, #1                @ r1 = XENARM_TRAP_UNDEFINED
                check 3
                cmp r0, sp                @ r0 = sp = the frame
                check 4
                tst r0, #7                @ 8-byte aligned
                check 5
                ldr r2, [r0, #60]         @ frame.pc = the UDF itself
                ldr r3, =undef_at
                cmp r2, r3
                check 6
                ldr r2, [r0, #68]         @ frame.vmode = kernel
                cmp r2, #0
                check 7
                ldr r2, [r0, #72]         @ frame.kind
                cmp r2, #1
                check 8
                ldr r2, [r0, #60]
                add r2, r2, #4            @ resume after the UDF
                str r2, [r0, #60]
                mov r2, #0x55
                str r2, [r0, #20]         @ frame.r[5]
                mov r1, r0
                mov r0, #2                @ XENARM_PV_return
                hcall 48
                b .
            .ltorg
            vectors: .word 0, undef_handler, 0, 0, 0
            """)
        XCTAssertEqual(run.lines, ["[g] ok"])
        XCTAssertEqual(domain.state, .shutdown(reason: "poweroff"))
        XCTAssertEqual(domain.counters[.trapsDelivered], 1)
    }

    func testASystemCallFromVirtualUserModeReachesTheKernelOnItsRegisteredStack() throws {
        let (run, domain) = try run("""
            _start:
                setup_vectors
                ldr r0, =frame            @ enter virtual user mode through a frame
                ldr r1, =user_entry
                str r1, [r0, #60]
                mov r1, #1
                str r1, [r0, #68]
                ldr r1, =ustack_top
                str r1, [r0, #52]
                mov r1, #0x10
                str r1, [r0, #64]
                mov r1, r0
                mov r0, #2
                hcall 48
                b .
            user_entry:
                mov r7, #42
            svc_at:
                svc #7
                b .
            syscall_handler:
                cmp r1, #0                @ XENARM_TRAP_SYSCALL
                check 1
                ldr r2, =kstack_top - 88
                cmp r0, r2                @ pushed on the registered kernel stack
                check 2
                ldr r2, [r0, #68]         @ from virtual user mode
                cmp r2, #1
                check 3
                ldr r2, [r0, #28]         @ frame.r[7]
                cmp r2, #42
                check 4
                ldr r2, [r0, #60]         @ frame.pc = after the SVC
                ldr r3, =svc_at + 4
                cmp r2, r3
                check 5
                print okmsg, 3
                shutdown 0
            .ltorg
            vectors: .word syscall_handler, 0, 0, 0, 0
            .data
            .align 3
            frame: .space 88
            .space 1024
            ustack_top:
            """)
        XCTAssertEqual(run.lines, ["[g] ok"])
        XCTAssertEqual(domain.state, .shutdown(reason: "poweroff"))
    }

    func testAnAccessOutsideTheDomainIsADataAbortDeliveredToItAndCounted() throws {
        let (run, domain) = try run("""
            _start:
                setup_vectors
                ldr r4, =0x48000000       @ past this domain's 4 MiB: nothing of its own there
                ldr r5, [r4]
                b .
            abort_handler:
                cmp r1, #3                @ XENARM_TRAP_DATA_ABORT
                check 1
                ldr r2, [r0, #76]         @ fault_address
                cmp r2, r4
                check 2
                print okmsg, 3
                shutdown 0
            .ltorg
            vectors: .word 0, 0, 0, abort_handler, 0
            """)
        XCTAssertEqual(run.lines, ["[g] ok"])
        XCTAssertEqual(domain.state, .shutdown(reason: "poweroff"))
        XCTAssertEqual(domain.counters[.isolationFaults], 1)
    }

    func testSetTTBRRefusesASectionOutsideRAMAndInstallsAValidTable() throws {
        let (run, domain) = try run("""
            _start:
                setup_vectors
                ldr r4, =l1
                ldr r1, =0x40000C02       @ identity section for the first MiB of RAM
                add r2, r4, #0x1000       @ L1 index 0x400
                str r1, [r2]
                ldr r1, =0x48000C02       @ a section onto someone else's memory
                ldr r2, =l1 + 0x500 * 4
                str r1, [r2]
                mov r0, #3
                mov r1, r4
                hcall 48
                cmn r0, #22               @ -EINVAL
                check 1
                mov r1, #0
                str r1, [r2]              @ drop the bad entry: now valid
                mov r0, #3
                mov r1, r4
                hcall 48
                cmp r0, #0
                check 2
                print okmsg, 3            @ running with translation on
                shutdown 0
            .ltorg
            vectors: .word 0, 0, 0, 0, 0
            .data
            .balign 16384
            l1: .space 16384
            """)
        XCTAssertEqual(run.lines, ["[g] ok"])
        XCTAssertEqual(domain.state, .shutdown(reason: "poweroff"))
        XCTAssertEqual(domain.counters[.hypercallErrors], 1)
    }

    func testAFaultWithNoVectorCrashesOnlyThatDomain() throws {
        let crasher = try GuestProgram.build("""
            _start:
                ldr r4, =0x48000000
                str r4, [r4]
                b .
            """)
        let neighbour = try GuestProgram.build("""
            _start:
                print msg, 6
                shutdown 0
            .ltorg
            .data
            msg: .ascii "alive\\n"
            """)
        let run = try GuestRun([DomainConfig(name: "bad", memoryBytes: 1 << 20, kernelPath: crasher),
                                DomainConfig(name: "good", memoryBytes: 1 << 20, kernelPath: neighbour)])
        run.run()
        guard case let .crashed(why) = run.domain("bad").state else { return XCTFail("\(run.domain("bad").state)") }
        XCTAssertTrue(why.contains("data abort at 0x48000000 "), why)
        XCTAssertTrue(why.contains("no vector"), why)
        XCTAssertEqual(run.domain("good").state, .shutdown(reason: "poweroff"))
        XCTAssertEqual(run.lines, ["[good] alive"])
    }

    func testHVCFromVirtualUserModeIsUndefinedNotAHypercall() throws {
        let (run, _) = try run("""
            _start:
                setup_vectors
                ldr r0, =frame
                ldr r1, =user_entry
                str r1, [r0, #60]
                mov r1, #1
                str r1, [r0, #68]
                mov r1, #0x10
                str r1, [r0, #64]
                mov r1, r0
                mov r0, #2
                hcall 48
                b .
            user_entry:
                mov r0, #2                @ an application trying SCHEDOP_shutdown itself
                hcall 29
                b .
            undef_handler:
                ldr r2, [r0, #68]
                cmp r2, #1                @ came from virtual user mode
                check 1
                print okmsg, 3
                shutdown 0
            .ltorg
            vectors: .word 0, undef_handler, 0, 0, 0
            .data
            .align 3
            frame: .space 88
            """)
        XCTAssertEqual(run.lines, ["[g] ok"])
    }
}
