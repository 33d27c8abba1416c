import Foundation
import XCTest
import XenABI

/// The blkif ring mirror (XenABI/IO/Blkif.swift) against clang's view of `xen/io/blkif.h` for armv7a: the
/// native `arm-abi` layout both blkfront (C) and blkback (Swift) use.
final class BlkifLayoutTests: XCTestCase {
    static func source(_ layouts: [CLayout], _ constants: [CConstant]) -> String {
        ClangLayoutTests.assertions(layouts, constants)
            .replacingOccurrences(of: "#include \"xenarm-pv.h\"", with: "#include <xen/io/blkif.h>")
    }

    func testBlkifRingRequestResponseAndConstantsMatchClang() throws {
        let (status, output) = try ClangLayoutTests.compile(Self.source(Blkif.layouts, Blkif.constants))
        XCTAssertEqual(status, 0, output)
    }

    func testAWrongBlkifOffsetIsCaught() throws {
        let wrong = CLayout("struct blkif_request", size: 112, [.init("id", 4, 8)])
        let (status, output) = try ClangLayoutTests.compile(Self.source([wrong], []))
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("offset struct blkif_request.id"), output)
    }
}
