import Dom0Backend
import XCTest
import XenABI

final class XenstorePermissionTests: XCTestCase {
    /// Two guests with their homes, as a toolstack leaves them: `/local/domain/N` owned by N.
    func twoGuests() throws -> (XenstoreHarness, dom0: Int, g1: Int, g2: Int) {
        let h = try XenstoreHarness()
        let dom0 = h.connect(domain: 0)
        for d in [1, 2] {
            _ = try h.call(dom0, .mkdir, ["/local/domain/\(d)"])
            _ = try h.call(dom0, .setPerms, ["/local/domain/\(d)", "n\(d)"])
        }
        return (h, dom0, h.connect(domain: 1), h.connect(domain: 2))
    }

    func testADomUCannotReadOrWriteAnotherDomainsNodes() throws {
        let (h, _, g1, g2) = try twoGuests()
        XCTAssertEqual(try h.write(g1, "/local/domain/1/secret", "s"), "OK\0")
        XCTAssertEqual(try h.read(g2, "/local/domain/1/secret"), "ERR:EACCES")
        XCTAssertEqual(try h.write(g2, "/local/domain/1/secret", "x"), "ERR:EACCES")
        XCTAssertEqual(try h.write(g2, "/local/domain/1/new", "x"), "ERR:EACCES")
        XCTAssertEqual(try h.call(g2, .rm, ["/local/domain/1/secret"]), "ERR:EACCES")
        XCTAssertEqual(try h.call(g2, .directory, ["/local/domain/1"]), "ERR:EACCES")
        XCTAssertEqual(try h.read(g1, "/local/domain/1/secret"), "s")
    }

    func testANodeCreatedByADomUIsOwnedByIt() throws {
        let (h, dom0, g1, _) = try twoGuests()
        _ = try h.write(g1, "/local/domain/1/mine", "v")
        XCTAssertEqual(try h.call(dom0, .getPerms, ["/local/domain/1/mine"]), "n1\0")
    }

    func testPerDomainEntriesGrantAndDenyAndTheFirstEntryIsTheDefault() throws {
        let (h, dom0, g1, g2) = try twoGuests()
        _ = try h.write(dom0, "/shared/x", "v")
        _ = try h.call(dom0, .setPerms, ["/shared/x", "n0", "r2"])
        XCTAssertEqual(try h.read(g1, "/shared/x"), "ERR:EACCES")
        XCTAssertEqual(try h.read(g2, "/shared/x"), "v")
        XCTAssertEqual(try h.write(g2, "/shared/x", "w"), "ERR:EACCES")
        _ = try h.call(dom0, .setPerms, ["/shared/x", "r0", "w2"])
        XCTAssertEqual(try h.read(g1, "/shared/x"), "v")
        XCTAssertEqual(try h.write(g2, "/shared/x", "w"), "OK\0")
    }

    func testOnlyTheOwnerMaySetPermissionsAndMayNotGiveTheNodeAway() throws {
        let (h, dom0, g1, g2) = try twoGuests()
        _ = try h.write(g1, "/local/domain/1/n", "v")
        _ = try h.call(g1, .setPerms, ["/local/domain/1/n", "n1", "b2"])
        XCTAssertEqual(try h.call(g2, .setPerms, ["/local/domain/1/n", "b2"]), "ERR:EACCES")
        XCTAssertEqual(try h.call(g1, .setPerms, ["/local/domain/1/n", "n2"]), "ERR:EPERM")
        XCTAssertEqual(try h.call(dom0, .setPerms, ["/local/domain/1/n", "n2"]), "OK\0")
        XCTAssertEqual(try h.call(g1, .setPerms, ["/local/domain/1/n", "bad"]), "ERR:EINVAL")
    }

    func testPrivilegedRequestsAreRefusedToDomUs() throws {
        let (h, _, g1, _) = try twoGuests()
        XCTAssertEqual(try h.call(g1, .introduce, ["5", "1234", "3"]), "ERR:EACCES")
        XCTAssertEqual(try h.call(g1, .release, ["1"]), "ERR:EACCES")
        XCTAssertEqual(try h.call(g1, .isDomainIntroduced, ["1"]), "ERR:EACCES")
    }

    func testPermissionParsing() {
        XCTAssertEqual(XenstorePermission(parsing: "b12"), XenstorePermission(domain: 12, access: .both))
        XCTAssertNil(XenstorePermission(parsing: "x1"))
        XCTAssertNil(XenstorePermission(parsing: "r"))
        XCTAssertNil(XenstorePermission(parsing: "r99999999999"))
        XCTAssertNil(XenstorePermission(parsing: "r-1"))
    }
}
