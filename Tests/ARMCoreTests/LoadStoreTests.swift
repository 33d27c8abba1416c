import XCTest
import ARMCore

/// Loads and stores: addressing modes, LDM/STM in all four modes, alignment, the exclusive monitor, MMIO.
final class LoadStoreTests: XCTestCase {
    func testIndexingModesAndWriteback() throws {
        let h = TestHost()
        h.poke32(0x8000, 0x1111_1111); h.poke32(0x8004, 0x2222_2222); h.poke32(0x8008, 0x3333_3333)
        try h.run("""
            mov r0, #0x8000
            ldr r1, [r0, #4]
            ldr r2, [r0, #4]!
            ldr r3, [r0], #-4
            mov r4, #2
            ldr r5, [r0, r4, lsl #2]
            ldrb r6, [r0, #5]
            mov r8, #0x8000
            mvn r9, #0
            strh r9, [r8, #16]!
            ldrsh r10, [r8]
            ldrh r11, [r8], #2
            svc #0
            """)
        XCTAssertEqual(h.r[1], 0x2222_2222)
        XCTAssertEqual(h.r[2], 0x2222_2222)
        XCTAssertEqual(h.r[3], 0x2222_2222)
        XCTAssertEqual(h.r[0], 0x8000)
        XCTAssertEqual(h.r[5], 0x3333_3333)
        XCTAssertEqual(h.r[6], 0x22)
        XCTAssertEqual(h.r[10], 0xFFFF_FFFF)
        XCTAssertEqual(h.r[11], 0xFFFF)
        XCTAssertEqual(h.r[8], 0x8012)
    }

    func testStoreMultipleAndLoadMultipleInAllFourModes() throws {
        let h = TestHost()
        try h.run("""
            mov r1, #1
            mov r2, #2
            mov r3, #3
            mov r0, #0x9000
            stmia r0!, {r1-r3}
            mov r4, #0x9100
            stmib r4!, {r1-r3}
            mov r5, #0x9200
            stmda r5!, {r1-r3}
            mov r6, #0x9300
            stmdb r6!, {r1-r3}
            mov r7, #0x9200
            ldmda r7, {r8-r10}
            svc #0
            """)
        XCTAssertEqual(h.r[0], 0x900C)
        XCTAssertEqual([h.peek32(0x9000), h.peek32(0x9004), h.peek32(0x9008)], [1, 2, 3])
        XCTAssertEqual(h.r[4], 0x910C)
        XCTAssertEqual([h.peek32(0x9104), h.peek32(0x9108), h.peek32(0x910C)], [1, 2, 3])
        XCTAssertEqual(h.r[5], 0x91F4)
        XCTAssertEqual([h.peek32(0x91F8), h.peek32(0x91FC), h.peek32(0x9200)], [1, 2, 3])
        XCTAssertEqual(h.r[6], 0x92F4)
        XCTAssertEqual([h.peek32(0x92F4), h.peek32(0x92F8), h.peek32(0x92FC)], [1, 2, 3])
        XCTAssertEqual([h.r[8], h.r[9], h.r[10]], [1, 2, 3])
    }

    func testPopIntoPCInterworks() throws {
        let h = TestHost()
        try h.run("""
            mov sp, #0x8000
            ldr r0, =target
            push {r0}
            pop {pc}
            mov r1, #1
            svc #1
            target:
            mov r1, #2
            svc #0
            """)
        XCTAssertEqual(h.r[1], 2)
        XCTAssertEqual(h.traps, [.supervisorCall(0)])
    }

    func testDoublewordAccessesRequireWordAlignmentEvenWithoutSCTLRA() throws {
        let h = TestHost()
        h.action = { trap in
            if case .dataAbort = trap { return .stop }
            return .stop
        }
        try h.run("""
            mov r2, #0x8000
            ldr r0, [r2, #1]
            add r2, r2, #2
            ldrd r0, r1, [r2]
            svc #0
            """)
        guard case let .dataAbort(address, status)? = h.traps.last else { return XCTFail("no abort: \(h.traps)") }
        XCTAssertEqual(address, 0x8002)
        XCTAssertEqual(status & 0x40F, FaultStatus.alignment)
    }

    func testExclusiveMonitorPairsLoadAndStore() throws {
        let h = TestHost()
        h.poke32(0x8000, 41)
        try h.run("""
            mov r0, #0x8000
            ldrex r1, [r0]
            add r1, r1, #1
            strex r2, r1, [r0]
            strex r3, r1, [r0]
            ldrex r4, [r0]
            clrex
            strex r5, r4, [r0]
            ldrexb r6, [r0]
            strexh r7, r6, [r0]
            mov r8, #0x8008
            ldrexd r10, r11, [r0]
            strexd r9, r10, r11, [r8]
            svc #0
            """)
        XCTAssertEqual(h.peek32(0x8000), 42)
        XCTAssertEqual(h.r[2], 0)   // paired: succeeds
        XCTAssertEqual(h.r[3], 1)   // monitor closed by the first STREX
        XCTAssertEqual(h.r[5], 1)   // CLREX closed it
        XCTAssertEqual(h.r[7], 1)   // size mismatch
        XCTAssertEqual(h.r[9], 1)   // address mismatch
    }

    func testUnmappedAccessesGoToTheHostAndUnansweredReadsAbort() throws {
        let h = TestHost()
        h.mmioValues[0x1000_0000] = 0xCAFE
        h.action = { _ in .stop }
        try h.run("""
            mov r0, #0x10000000
            ldr r1, [r0]
            mov r2, #7
            strb r2, [r0, #3]
            ldr r3, [r0, #8]
            svc #0
            """)
        XCTAssertEqual(h.r[1], 0xCAFE)
        XCTAssertEqual(h.mmioWrites.count, 1)
        XCTAssertEqual(h.mmioWrites.first?.0, 0x1000_0003)
        XCTAssertEqual(h.mmioWrites.first?.1, .byte)
        guard case let .dataAbort(address, status)? = h.traps.last else { return XCTFail("\(h.traps)") }
        XCTAssertEqual(address, 0x1000_0008)
        XCTAssertEqual(status & 0x40F, FaultStatus.synchronousExternal)
    }
}
