import Hypervisor
import XCTest
import XenABI

final class HypercallDispatchTests: XCTestCase {
    static let program = """
        _start:
            hcall 63                  @ nothing there
            ldr r1, =result
            str r0, [r1]
            mov r0, #7
            mov r1, #8
            hcall 40                  @ the test's own family
            ldr r1, =result
            str r0, [r1, #4]
            print msg, 5
            shutdown 0
        .ltorg
        .data
        msg: .ascii "done\\n"
        .align 2
        result: .word 0, 0
        """

    func testUnknownNumbersAnswerENOSYSAndAreCountedAndRegisteredFamiliesAreRouted() throws {
        let path = try GuestProgram.build(Self.program)
        let dispatch = HypercallDispatch.standard()
        XCTAssertFalse(dispatch.handles(HypercallNumber(rawValue: 40)))
        dispatch.register(HypercallNumber(rawValue: 40)) { call, vcpu in
            .value(call.arguments.0 * 100 + call.arguments.1 + UInt32(vcpu.domain.id.rawValue) * 1000)
        }
        XCTAssertTrue(dispatch.handles(HypercallNumber(rawValue: 40)))
        XCTAssertTrue(dispatch.handles(.consoleIO) && dispatch.handles(.schedOp) && dispatch.handles(.arch0))
        let h = try Hypervisor(Hypervisor.Configuration(
            memoryBytes: 8 << 20, reserveBytes: 1 << 20, scheduler: Scheduler.Options(pcpus: 1),
            domains: [DomainConfig(name: "g", memoryBytes: 1 << 20, kernelPath: path)]), dispatch: dispatch)
        h.onConsoleLine = { _, _ in }
        h.start()
        h.waitUntilAllEnded()
        let d = h.domains[0]
        XCTAssertEqual(d.state, .shutdown(reason: "poweroff"))
        XCTAssertEqual(d.counters[.unknownHypercalls], 1)
        XCTAssertEqual(d.counters[.hypercallErrors], 1)
        XCTAssertEqual(d.counters[.hypercalls], 4)
        // Read the results the guest stored (its data follows the text in its block).
        let words = UnsafeBufferPointer(start: d.memory.host.assumingMemoryBound(to: UInt32.self), count: 1024)
        XCTAssertTrue(zip(words, words.dropFirst()).contains { $0 == XenErrno.ENOSYS.registerValue && $1 == 1708 })
    }

    func testTheRegisterFormOfAnErrnoBecomesACountedError() {
        XCTAssertEqual(HypercallResult.fromRegister(XenErrno.EINVAL.registerValue), .error(.EINVAL))
        XCTAssertEqual(HypercallResult.fromRegister(5), .value(5))
    }
}
