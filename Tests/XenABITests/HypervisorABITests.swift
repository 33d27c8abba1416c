import XCTest
import XenABI

/// The layouts and constants the hypervisor core reads in guest memory (sched, memory, hvm, version, vcpu,
/// xenarm-pv.h), checked against clang's view of the real headers for armv7a like the rest of XenABI.
final class HypervisorABITests: XCTestCase {
    static let extraHeaders = """
        #include <xen/sched.h>
        #include <xen/version.h>
        #include <xen/vcpu.h>
        #include <xen/hvm/hvm_op.h>
        #include <xen/hvm/params.h>

        """

    func testHypervisorLayoutsAndConstantsMatchClangForArmv7a() throws {
        let source = ClangLayoutTests.assertions(HypervisorABICatalogue.layouts, HypervisorABICatalogue.constants)
            .replacingOccurrences(of: "#include \"xenarm-pv.h\"\n", with: "#include \"xenarm-pv.h\"\n" + Self.extraHeaders)
        let (status, output) = try ClangLayoutTests.compile(source)
        XCTAssertEqual(status, 0, output)
    }

    func testTheTrapFrameOffsetsAgreeWithTheSharedMirror() {
        let l = XenarmTrapFrame.layout
        XCTAssertEqual(XenarmPV.TrapFrame.size, l.size)
        XCTAssertEqual(XenarmPV.TrapFrame.pc, l.offset("pc"))
        XCTAssertEqual(XenarmPV.TrapFrame.cpsr, l.offset("cpsr"))
        XCTAssertEqual(XenarmPV.TrapFrame.upcallMask, l.offset("upcall_mask"))
        XCTAssertEqual(XenarmPV.TrapFrame.faultStatus, l.offset("fault_status"))
    }
}
