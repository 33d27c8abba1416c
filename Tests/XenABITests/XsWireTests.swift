import Foundation
import XCTest
import XenABI

/// `xen/io/xs_wire.h` as XenABI mirrors it: offsets, sizes, type numbers and limits checked against clang's
/// view of the real header for armv7a (`_Static_assert`s), plus the header's round trip.
final class XsWireTests: XCTestCase {
    static let clang = "/opt/swift/usr/bin/clang"

    static func assertions() -> String {
        // xsd_errors is only declared when the errno names are defined; freestanding, they come from here.
        var c = "#include <stdint.h>\n#include <stddef.h>\n"
        for e in XsError.allCases { c += "#define \(e.name) \(e.rawValue)\n" }
        c += "#include <xen/io/xs_wire.h>\n"
        c += "_Static_assert(sizeof(struct xsd_sockmsg) == \(XsHeader.size), \"sizeof xsd_sockmsg\");\n"
        for f in XsHeader.offsets {
            c += "_Static_assert(offsetof(struct xsd_sockmsg, \(f.name)) == \(f.offset), \"offset \(f.name)\");\n"
        }
        c += "_Static_assert(sizeof(struct xenstore_domain_interface) == \(XenstoreDomainInterface.size), \"sizeof xenstore_domain_interface\");\n"
        for f in XenstoreDomainInterface.offsets {
            c += "_Static_assert(offsetof(struct xenstore_domain_interface, \(f.name)) == \(f.offset), \"offset \(f.name)\");\n"
        }
        for (raw, name) in XsMessageType.names {
            c += "_Static_assert(\(name) == \(raw), \"value of \(name)\");\n"
        }
        c += "_Static_assert(XS_TYPE_COUNT == \(XsMessageType.typeCount), \"XS_TYPE_COUNT\");\n"
        c += "_Static_assert(XENSTORE_PAYLOAD_MAX == \(XsLimits.payloadMax), \"payload max\");\n"
        c += "_Static_assert(XENSTORE_ABS_PATH_MAX == \(XsLimits.absolutePathMax), \"abs path max\");\n"
        c += "_Static_assert(XENSTORE_REL_PATH_MAX == \(XsLimits.relativePathMax), \"rel path max\");\n"
        c += "_Static_assert(XENSTORE_RING_SIZE == \(XsLimits.ringSize), \"ring size\");\n"
        // xsd_errors: same names in the same order as the header's table.
        c += "static const char *const mirrored[] = {\(XsError.allCases.map { "\"\($0.name)\"" }.joined(separator: ", "))};\n"
        c += "_Static_assert(sizeof(mirrored) / sizeof(mirrored[0]) == sizeof(xsd_errors) / sizeof(xsd_errors[0]), \"xsd_errors count\");\n"
        return c
    }

    static func compile(_ source: String) throws -> (Int32, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xswire-\(UUID().uuidString)")
        let include = dir.appendingPathComponent("include")
        try FileManager.default.createDirectory(at: include, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Only the xen headers: /usr/include itself would bring glibc's, which break for armv7a.
        try FileManager.default.createSymbolicLink(atPath: include.appendingPathComponent("xen").path,
                                                   withDestinationPath: "/usr/include/xen")
        let file = dir.appendingPathComponent("xs_wire.c")
        try source.write(to: file, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: clang)
        p.arguments = ["--target=armv7a-none-eabi", "-ffreestanding", "-fsyntax-only", "-Wno-unused-const-variable",
                       "-isystem", include.path, file.path]
        let pipe = Pipe()
        p.standardError = pipe
        p.standardOutput = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self))
    }

    func testLayoutsTypesAndLimitsMatchClangForArmv7a() throws {
        let (status, output) = try Self.compile(Self.assertions())
        XCTAssertEqual(status, 0, output)
    }

    func testTheCheckCanFail() throws {
        let (status, _) = try Self.compile(Self.assertions() + "_Static_assert(XS_READ == 3, \"deliberately wrong\");\n")
        XCTAssertNotEqual(status, 0)
    }

    func testErrorNamesAreInTheHeadersOrder() {
        XCTAssertEqual(XsError.allCases.map(\.name), ["EINVAL", "EACCES", "EEXIST", "EISDIR", "ENOENT", "ENOMEM", "ENOSPC",
                                                      "EIO", "ENOTEMPTY", "ENOSYS", "EROFS", "EBUSY", "EAGAIN", "EISCONN",
                                                      "E2BIG", "EPERM"])
    }

    func testHeaderRoundTripsLittleEndianAndUnknownTypesStayRepresentable() {
        let m = XsMessage(type: XsMessageType(rawValue: 0x1234_5678), requestID: 7, transactionID: 9, payload: [1, 2])
        let bytes = m.encoded()
        XCTAssertEqual(Array(bytes[0 ..< 4]), [0x78, 0x56, 0x34, 0x12])
        let h = XsHeader(bytes: bytes)!
        XCTAssertEqual(h, m.header)
        XCTAssertEqual(h.type.cName, "XS_305419896")
        XCTAssertNil(XsHeader(bytes: [UInt8](repeating: 0, count: 15)))
    }
}
