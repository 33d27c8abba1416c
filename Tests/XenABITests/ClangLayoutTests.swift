import Foundation
import XCTest
import XenABI

/// Every offset, size and constant XenABI mirrors is checked against clang's view of the real headers
/// (`/usr/include/xen` from libxen-dev and Guests/include/xenarm-pv.h) for armv7a: the tables become
/// `_Static_assert`s, and a mismatch is a compile error naming the field.
final class ClangLayoutTests: XCTestCase {
    static let clang = "/opt/swift/usr/bin/clang"
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The C source: one assertion per size, per field offset and width, per constant.
    static func assertions(_ layouts: [CLayout], _ constants: [CConstant]) -> String {
        var c = """
            #include <stdint.h>
            #include <stddef.h>
            #include <xen/xen.h>
            #include <xen/event_channel.h>
            #include <xen/grant_table.h>
            #include <xen/memory.h>
            #include "xenarm-pv.h"

            """
        for l in layouts {
            c += "_Static_assert(sizeof(\(l.cType)) == \(l.size), \"sizeof \(l.cType)\");\n"
            for f in l.fields {
                c += "_Static_assert(offsetof(\(l.cType), \(f.name)) == \(f.offset), \"offset \(l.cType).\(f.name)\");\n"
                c += "_Static_assert(sizeof(((\(l.cType) *)0)->\(f.name)) == \(f.width), \"width \(l.cType).\(f.name)\");\n"
            }
        }
        for k in constants {
            c += "_Static_assert((long long)(\(k.expression)) == \(k.value)LL, \"value of \(k.expression)\");\n"
        }
        return c
    }

    /// Compiles `source` for armv7a; returns clang's exit status and diagnostics.
    static func compile(_ source: String) throws -> (Int32, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xenabi-\(UUID().uuidString)")
        let include = dir.appendingPathComponent("include")
        try FileManager.default.createDirectory(at: include, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Only the xen headers on the system path: /usr/include itself would bring glibc's, which break for armv7a.
        try FileManager.default.createSymbolicLink(atPath: include.appendingPathComponent("xen").path,
                                                   withDestinationPath: "/usr/include/xen")
        let file = dir.appendingPathComponent("layouts.c")
        try source.write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: clang)
        process.arguments = [
            "--target=armv7a-none-eabi", "-ffreestanding", "-DXEN_HAVE_PV_UPCALL_MASK", "-fsyntax-only",
            // Without it xen-compat.h maps __HYPERVISOR_event_channel_op to the pre-3.2 number 16 (guests need it too).
            "-D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__",
            "-isystem", include.path, "-I", repo.appendingPathComponent("Guests/include").path, file.path,
        ]
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    func testEveryMirroredLayoutAndConstantMatchesClangForArmv7a() throws {
        let (status, output) = try Self.compile(Self.assertions(XenABICatalogue.layouts, XenABICatalogue.constants))
        XCTAssertEqual(status, 0, output)
    }

    func testTheCheckFailsWhenAnOffsetIsWrong() throws {
        // The check itself must be able to fail: a deliberately wrong table is rejected by clang.
        let wrong = CLayout("struct gnttab_copy", size: 40, [.init("dest.domid", 20, 2)])
        let (status, output) = try Self.compile(Self.assertions([wrong], []))
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("offset struct gnttab_copy.dest.domid"), output)
    }

    func testEveryLayoutTableIsInsideItsSize() {
        for l in XenABICatalogue.layouts {
            for f in l.fields { XCTAssertLessThanOrEqual(f.offset + f.width, l.size, "\(l.cType).\(f.name)") }
        }
    }
}
