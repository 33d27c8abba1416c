import Dom0Backend
import XCTest
import XenABI

final class XenstoreStoreTests: XCTestCase {
    func testWriteCreatesParentsAndReadReturnsTheValue() throws {
        let h = try XenstoreHarness()
        let c = h.connect(domain: 0)
        XCTAssertEqual(try h.write(c, "/a/b/c", "hello"), "OK\0")
        XCTAssertEqual(try h.read(c, "/a/b/c"), "hello")
        XCTAssertEqual(try h.read(c, "/a/b"), "")
        XCTAssertEqual(try h.call(c, .directory, ["/a"]), "b\0")
    }

    func testReadOfAMissingNodeIsENOENT() throws {
        let h = try XenstoreHarness()
        XCTAssertEqual(try h.read(h.connect(domain: 0), "/nope"), "ERR:ENOENT")
    }

    func testDirectoryListsChildrenInCreationOrder() throws {
        let h = try XenstoreHarness()
        let c = h.connect(domain: 0)
        for n in ["z", "a", "m"] { _ = try h.write(c, "/d/\(n)", n) }
        XCTAssertEqual(try h.call(c, .directory, ["/d"]), "z\0a\0m\0")
    }

    func testMkdirLeavesAnExistingValueAlone() throws {
        let h = try XenstoreHarness()
        let c = h.connect(domain: 0)
        _ = try h.write(c, "/k", "v")
        XCTAssertEqual(try h.call(c, .mkdir, ["/k"]), "OK\0")
        XCTAssertEqual(try h.read(c, "/k"), "v")
    }

    func testRmRemovesTheSubtreeAndAbsentChildOfExistingParentIsOK() throws {
        let h = try XenstoreHarness()
        let c = h.connect(domain: 0)
        _ = try h.write(c, "/r/x/y", "1")
        XCTAssertEqual(try h.call(c, .rm, ["/r/x"]), "OK\0")
        XCTAssertEqual(try h.read(c, "/r/x/y"), "ERR:ENOENT")
        XCTAssertEqual(try h.call(c, .directory, ["/r"]), "")
        XCTAssertEqual(try h.call(c, .rm, ["/r/never"]), "OK\0")
        XCTAssertEqual(try h.call(c, .rm, ["/nothere/never"]), "ERR:ENOENT")
        XCTAssertEqual(try h.call(c, .rm, ["/"]), "ERR:EINVAL")
    }

    func testRelativePathsResolveUnderTheCallersDomainHome() throws {
        let h = try XenstoreHarness()
        let dom0 = h.connect(domain: 0)
        _ = try h.call(dom0, .mkdir, ["/local/domain/3"])
        _ = try h.call(dom0, .setPerms, ["/local/domain/3", "b3"])
        let guest = h.connect(domain: 3)
        XCTAssertEqual(try h.write(guest, "data/x", "7"), "OK\0")
        XCTAssertEqual(try h.read(dom0, "/local/domain/3/data/x"), "7")
        XCTAssertEqual(try h.call(guest, .getDomainPath, ["3"]), "/local/domain/3\0")
    }

    func testInvalidPathsAreEINVAL() throws {
        let h = try XenstoreHarness()
        let c = h.connect(domain: 0)
        for bad in ["/a//b", "/a/", "/a b", "", "@other"] {
            XCTAssertEqual(try h.write(c, bad, "x"), "ERR:EINVAL", bad)
        }
    }

    func testDirectoryPartReturnsGenerationAndEveryChildAcrossParts() throws {
        let h = try XenstoreHarness()
        let c = h.connect(domain: 0)
        // 400 children of 19 bytes each (7600 bytes of names) do not fit one message.
        let names = (0 ..< 400).map { String(format: "child-%012d", $0) }
        for n in names { _ = try h.call(c, .mkdir, ["/big/\(n)"]) }
        XCTAssertEqual(try h.call(c, .directory, ["/big"]), "ERR:E2BIG")
        var collected: [String] = []
        var offset = 0
        var generation: String?
        while true {
            let reply = try h.send(c, .directoryPart, ["/big", String(offset)])[0]
            XCTAssertEqual(reply.type, .directoryPart)
            XCTAssertLessThanOrEqual(reply.payload.count, XsLimits.payloadMax)
            var parts = reply.payload.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            if generation == nil { generation = parts[0] } else { XCTAssertEqual(parts[0], generation) }
            parts.removeFirst()
            let finished = reply.payload.suffix(2) == [0, 0]
            let chunk = parts.filter { !$0.isEmpty }
            collected += chunk
            offset += chunk.reduce(0) { $0 + $1.utf8.count + 1 }
            if finished { break }
            XCTAssertFalse(chunk.isEmpty)
        }
        XCTAssertEqual(collected, names)
    }
}
