import Hypervisor
import XCTest

/// The credit-style scheduler measured on real spinning guests: each spins on CNTVCT (guest time = host
/// monotonic ns) for a fixed wall time, then powers off; the share it got is its `run_ns` counter.
final class SchedulerTests: XCTestCase {
    static func spinner(milliseconds: Int) throws -> String {
        try GuestProgram.build("""
            _start:
                mrrc p15, 1, r4, r5, c14      @ CNTVCT: guest ns
                ldr r6, =\(milliseconds * 1_000_000)
                adds r6, r6, r4
                adc r7, r5, #0                @ deadline in r7:r6
            1:  mrrc p15, 1, r4, r5, c14
                cmp r5, r7
                blo 1b
                bhi 2f
                cmp r4, r6
                blo 1b
            2:  shutdown 0
            .ltorg
            """)
    }

    func share(_ d: Domain, of elapsed: UInt64) -> Double { Double(d.counters[.runNanoseconds]) / Double(elapsed) }

    func testACappedSpinnerLeavesItsNeighbourTheRestOfThePCPU() throws {
        let spin = try Self.spinner(milliseconds: 800)
        let run = try GuestRun([DomainConfig(name: "capped", memoryBytes: 1 << 20, kernelPath: spin, cap: 20),
                                DomainConfig(name: "free", memoryBytes: 1 << 20, kernelPath: spin)], pcpus: 1)
        let start = run.hypervisor.clock.now()
        run.run()
        let elapsed = run.hypervisor.clock.now() - start
        let capped = share(run.domain("capped"), of: elapsed), free = share(run.domain("free"), of: elapsed)
        XCTAssertLessThanOrEqual(capped, 0.30, "capped at 20%: got \(capped)")
        XCTAssertGreaterThanOrEqual(capped, 0.10, "a capped domain still runs: got \(capped)")
        XCTAssertGreaterThanOrEqual(free, 0.60, "the neighbour gets the rest: got \(free)")
    }

    func testACapHoldsEvenWhenOtherPCPUsAreIdle() throws {
        let run = try GuestRun([DomainConfig(name: "alone", memoryBytes: 1 << 20,
                                             kernelPath: try Self.spinner(milliseconds: 600), cap: 25)], pcpus: 2)
        let start = run.hypervisor.clock.now()
        run.run()
        let got = share(run.domain("alone"), of: run.hypervisor.clock.now() - start)
        XCTAssertLessThanOrEqual(got, 0.35, "cap 25% with idle pCPUs: got \(got)")
    }

    func testWeightsSplitOnePCPUInProportion() throws {
        let spin = try Self.spinner(milliseconds: 900)
        let run = try GuestRun([DomainConfig(name: "heavy", memoryBytes: 1 << 20, kernelPath: spin, weight: 512),
                                DomainConfig(name: "light", memoryBytes: 1 << 20, kernelPath: spin, weight: 256)],
                               pcpus: 1)
        run.run()
        let heavy = Double(run.domain("heavy").counters[.runNanoseconds])
        let light = Double(run.domain("light").counters[.runNanoseconds])
        XCTAssertEqual(heavy / light, 2.0, accuracy: 0.6, "weights 512:256, got \(heavy / light)")
    }

    func testABlockedGuestWakesOnItsTimerAndUsesNoCPUWhileAsleep() throws {
        // set_timer_op(now + 300 ms), SCHEDOP_block, then power off.
        let path = try GuestProgram.build("""
            _start:
                mrrc p15, 1, r4, r5, c14
                ldr r6, =300000000
                adds r0, r4, r6
                adc r1, r5, #0
                hcall 15                      @ set_timer_op(r1:r0)
                mov r0, #1
                hcall 29                      @ SCHEDOP_block
                shutdown 0
            .ltorg
            """)
        let run = try GuestRun([DomainConfig(name: "sleeper", memoryBytes: 1 << 20, kernelPath: path)])
        let start = run.hypervisor.clock.now()
        run.run()
        let elapsed = run.hypervisor.clock.now() - start
        XCTAssertEqual(run.domain("sleeper").state, .shutdown(reason: "poweroff"))
        XCTAssertGreaterThanOrEqual(elapsed, 290_000_000)
        // Spinning would cost the whole 300 ms; a blocked vCPU costs its two short slices (generous for a loaded host).
        XCTAssertLessThan(run.domain("sleeper").counters[.runNanoseconds], 150_000_000, "asleep, not spinning")
    }
}
