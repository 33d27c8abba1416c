import XCTest
import ARMCore

/// The short-descriptor MMU walked over page tables the test writes into guest memory, enabled by the guest
/// code itself (MCR to TTBR0, DACR, SCTLR).
final class MMUTests: XCTestCase {
    static let ttb: UInt32 = 0x10000, l2: UInt32 = 0x14000

    /// Tables:
    ///   VA 0x000xxxxx → PA 0x00000000 section, full access, domain 0 (the code)
    ///   VA 0x800xxxxx → PA 0x00100000 section, AP = 000 (no access) but domain 1 = manager
    ///   VA 0x801xxxxx → PA 0x00100000 section, domain 2 = no access
    ///   VA 0x802xxxxx → PA 0x00100000 section, APX:AP = 101 (privileged read-only)
    ///   VA 0x803xxxxx → L2 table: page 0 → PA 0x105000; page 1 fault; page 2 → PA 0x106000 XN;
    ///                   pages 0x10–0x1F: one 64 KiB large page → PA 0x110000
    ///   VA 0x804xxxxx → PA 0x00100000 section, AP = 001 (privileged only)
    ///   VA 0x810xxxxx–0x81Fxxxxx → supersection → PA 0x00000000
    func makeHost() -> TestHost {
        let h = TestHost()
        func l1(_ index: UInt32, _ descriptor: UInt32) { h.poke32(Self.ttb + index * 4, descriptor) }
        l1(0x000, 0x0000_0C02)
        l1(0x800, 0x0010_0022)
        l1(0x801, 0x0010_0C42)
        l1(0x802, 0x0010_8402)
        l1(0x803, Self.l2 | 0x01)
        l1(0x804, 0x0010_0402)
        for k in 0x810...0x81F { l1(UInt32(k), 0x0004_0C02) }
        h.poke32(Self.l2 + 0 * 4, 0x0010_5032)
        h.poke32(Self.l2 + 2 * 4, 0x0010_6033)
        for k in 0x10...0x1F { h.poke32(Self.l2 + UInt32(k) * 4, 0x0011_0031) }
        // Aborts are recorded and the faulting instruction skipped.
        h.action = { trap in
            switch trap {
            case .dataAbort: return .resume
            default: return .stop
            }
        }
        return h
    }

    static let enable = """
        ldr r0, =0x10000
        mcr p15, 0, r0, c2, c0, 0
        mov r0, #0
        mcr p15, 0, r0, c2, c0, 2
        mov r0, #0x0d
        mcr p15, 0, r0, c3, c0, 0
        mrc p15, 0, r0, c1, c0, 0
        orr r0, r0, #1
        mcr p15, 0, r0, c1, c0, 0
        """

    func dataAborts(_ h: TestHost) -> [(UInt32, UInt32)] {
        h.traps.compactMap { if case let .dataAbort(a, s) = $0 { return (a, s) } else { return nil } }
    }

    func testSectionsPagesLargePagesAndSupersectionsTranslate() throws {
        let h = makeHost()
        h.poke32(0x10_0010, 0xAAAA_0001)
        h.poke32(0x10_5004, 0xAAAA_0002)
        h.poke32(0x11_2344, 0xAAAA_0003)
        h.poke32(0x01_2344, 0xAAAA_0004)
        try h.run(Self.enable + """

            ldr r1, =0x80000010
            ldr r1, [r1]
            ldr r2, =0x80300004
            ldr r2, [r2]
            ldr r3, =0x80312344
            ldr r3, [r3]
            ldr r4, =0x81012344
            ldr r4, [r4]
            ldr r5, =0x80000020
            mov r6, #0x55
            str r6, [r5]
            svc #0
            """)
        XCTAssertEqual(dataAborts(h).count, 0)
        XCTAssertEqual([h.r[1], h.r[2], h.r[3], h.r[4]], [0xAAAA_0001, 0xAAAA_0002, 0xAAAA_0003, 0xAAAA_0004])
        XCTAssertEqual(h.peek32(0x10_0020), 0x55) // manager domain ignores AP = 000
    }

    func testDomainPermissionAndTranslationFaultsReportTheirFSR() throws {
        let h = makeHost()
        try h.run(Self.enable + """

            ldr r1, =0x80100000
            ldr r2, [r1]
            ldr r1, =0x80200000
            ldr r2, [r1]
            str r2, [r1]
            ldr r1, =0x80301000
            ldr r2, [r1]
            ldr r1, =0x90000000
            ldr r2, [r1]
            svc #0
            """)
        let aborts = dataAborts(h)
        XCTAssertEqual(aborts.count, 4)
        guard aborts.count == 4 else { return }
        XCTAssertEqual(aborts[0].0, 0x8010_0000)
        XCTAssertEqual(aborts[0].1, FaultStatus.fsr(FaultStatus.domainSection, domain: 2))
        XCTAssertEqual(aborts[1].0, 0x8020_0000) // the read was allowed, the write was not
        XCTAssertEqual(aborts[1].1, FaultStatus.fsr(FaultStatus.permissionSection, domain: 0, write: true))
        XCTAssertEqual(aborts[2].1, FaultStatus.fsr(FaultStatus.translationPage, domain: 0))
        XCTAssertEqual(aborts[3].1, FaultStatus.fsr(FaultStatus.translationSection))
    }

    func testUserModeIsRefusedPrivilegedOnlyMemoryAndUnprivilegedLoadsToo() throws {
        let h = makeHost()
        try h.run(Self.enable + """

            ldr r1, =0x80400000
            ldr r2, [r1]
            ldrt r3, [r1]
            cps #0x10
            ldr r4, [r1]
            svc #0
            """)
        let aborts = dataAborts(h)
        XCTAssertEqual(aborts.count, 2)
        XCTAssertEqual(aborts.map(\.1), [FaultStatus.fsr(FaultStatus.permissionSection), FaultStatus.fsr(FaultStatus.permissionSection)])
    }

    func testTLBKeepsAStaleTranslationUntilTLBMaintenance() throws {
        let h = makeHost()
        h.poke32(0x10_0000, 1)
        h.poke32(0x20_0000, 2)
        try h.run(Self.enable + """

            ldr r1, =0x80000000
            ldr r2, [r1]
            ldr r5, =0x10000 + 0x800 * 4
            ldr r6, =0x00200c22
            str r6, [r5]
            ldr r3, [r1]
            mcr p15, 0, r0, c8, c7, 0
            ldr r4, [r1]
            svc #0
            """)
        XCTAssertEqual([h.r[2], h.r[3], h.r[4]], [1, 1, 2])
    }

    func testExecuteNeverRaisesAPrefetchAbortWithIFSR() throws {
        let h = makeHost()
        h.poke(0x10_6000, try Toolchain.assemble("svc #9")) // position independent
        try h.run(Self.enable + """

            ldr r0, =0x80302000
            blx r0
            """)
        guard case let .prefetchAbort(address, status)? = h.traps.last else { return XCTFail("\(h.traps)") }
        XCTAssertEqual(address, 0x8030_2000)
        XCTAssertEqual(status, FaultStatus.fsr(FaultStatus.permissionPage))
    }

    func testAlignmentCheckingFollowsSCTLRA() throws {
        let h = makeHost()
        try h.run("""
            mov r1, #0x8000
            ldr r2, [r1, #2]
            mrc p15, 0, r0, c1, c0, 0
            orr r0, r0, #2
            mcr p15, 0, r0, c1, c0, 0
            ldr r3, [r1, #2]
            ldrh r4, [r1, #1]
            svc #0
            """)
        let aborts = dataAborts(h)
        XCTAssertEqual(aborts.map(\.0), [0x8002, 0x8001])
        XCTAssertEqual(aborts.map { $0.1 & 0x40F }, [FaultStatus.alignment, FaultStatus.alignment])
    }
}
