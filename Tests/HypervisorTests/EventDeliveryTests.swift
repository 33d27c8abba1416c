import Foundation
import Hypervisor
import Synchronization
import XCTest

/// Events reach a *running* vCPU promptly: between instruction chunks of its slice (`VCPU.eventCheckInstructions`),
/// not only when the slice ends.
final class EventDeliveryTests: XCTestCase {
    /// Maps shared_info, registers every vector to `trap`, unmasks upcalls, says "ready" and spins on the guest
    /// clock in virtual kernel mode. An upcall powers it off; anything else (another trap, 10 s without an
    /// upcall, a failed hypercall) crashes it.
    static func spinnerWaitingForAnUpcall() throws -> String {
        try GuestProgram.build("""
            _start:
                ldr sp, =stack_top
                mov r0, #7                    @ XENMEM_add_to_physmap: shared_info at 0x39100000
                ldr r1, =xatp
                hcall 12
                cmp r0, #0
                bne fail
                mov r0, #0                    @ XENARM_PV_set_vectors
                ldr r1, =vectors
                ldr r2, =stack_top
                hcall 48
                cmp r0, #0
                bne fail
                ldr r4, =0x39100001           @ vcpu_info[0].evtchn_upcall_mask = 0
                mov r5, #0
                strb r5, [r4]
                print ready, 6
                mrrc p15, 1, r4, r5, c14      @ CNTVCT: guest ns
                ldr r6, =0x540BE400           @ + 10 s (0x2540BE400)
                adds r6, r6, r4
                adc r7, r5, #2
            1:  mrrc p15, 1, r4, r5, c14
                cmp r5, r7
                blo 1b
                bhi fail
                cmp r4, r6
                blo 1b
            fail:
                shutdown 3
            trap:
                cmp r1, #4                    @ XENARM_TRAP_UPCALL
                bne fail
                shutdown 0
            .ltorg
            ready: .ascii "ready\\n"
            .balign 8
            xatp: .hword 0x7FF0, 0            @ DOMID_SELF, size
                  .word 0                     @ XENMAPSPACE_shared_info
                  .quad 0                     @ idx
                  .quad 0x39100               @ gpfn
            vectors: .word trap, trap, trap, trap, trap
            .balign 8
            .space 1024
            stack_top:
            """)
    }

    func testASpinningGuestWithUpcallsUnmaskedGetsADom0NotificationLongBeforeItsSliceEnds() throws {
        // One slice of 200 M instructions is seconds of interpretation: delivered only at its end, the event
        // would arrive seconds late (or the guest would give up after 10 s and crash).
        let run = try GuestRun([DomainConfig(name: "spinner", memoryBytes: 1 << 20,
                                             kernelPath: try Self.spinnerWaitingForAnUpcall())],
                               pcpus: 1, slice: 200_000_000)
        let h = run.hypervisor
        let d1 = h.domains[0].id
        let guestPort = try h.eventChannels.allocUnbound(in: d1, remote: .dom0)
        let dom0Port = try h.eventChannels.bindInterdomain(in: .dom0, remote: d1, remotePort: guestPort)
        let endedAt = Atomic<UInt64>(0)
        let clock = h.clock
        h.onDomainEnded = { _, _ in endedAt.store(clock.now(), ordering: .releasing) }
        h.start()
        let deadline = Date().addingTimeInterval(20)
        while !run.lines.contains("[spinner] ready"), Date() < deadline { usleep(1000) }
        XCTAssertEqual(run.lines, ["[spinner] ready"])
        usleep(20_000)  // well inside the spin loop, and inside its first slice
        let sent = clock.now()
        try h.eventChannels.send(from: .dom0, port: dom0Port)
        let done = DispatchSemaphore(value: 0)
        Thread { h.waitUntilAllEnded(); done.signal() }.start()
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(run.domain("spinner").state, .shutdown(reason: "poweroff"), "the upcall came")
        let latency = endedAt.load(ordering: .acquiring) &- sent
        // 8192 instructions are well under a millisecond of interpretation; the bound leaves room for a loaded
        // host preempting the pCPU thread, and is still far below the slice (seconds).
        XCTAssertLessThan(latency, 100_000_000, "delivered after \(latency / 1000) µs")
        print("Dom0 notification to a spinning guest: upcall after \(latency / 1000) µs")
    }
}
