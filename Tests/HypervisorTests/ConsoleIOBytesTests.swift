import Foundation
import Hypervisor
import XCTest
import XenABI

/// `Hypervisor.onConsoleBytes` (docs/console.md, "Every guest's console in the run dir"): each `console_io` write's
/// bytes arrive raw and whole — a `\r`, a line split across writes, a last line without its newline — while the
/// line sink still gets `[NAME] line` lines.
final class ConsoleIOBytesTests: XCTestCase {
    static let program = """
        _start:
            print first, 7
            print second, 6
            print third, 4
            shutdown 0
        .ltorg
        .data
        first: .ascii "one\\r\\ntw"
        second: .ascii "o\\nthre"
        third: .ascii "e!\\n4"
        """

    func testEveryConsoleIOWriteReachesTheByteSinkRawAndInOrder() throws {
        let path = try GuestProgram.build(Self.program)
        let h = try Hypervisor(Hypervisor.Configuration(
            memoryBytes: 8 << 20, reserveBytes: 1 << 20, scheduler: Scheduler.Options(pcpus: 1),
            domains: [DomainConfig(name: "g", memoryBytes: 1 << 20, kernelPath: path)]))
        let seen = Seen()
        h.onConsoleLine = { _, line in seen.add(line: line) }
        h.onConsoleBytes = { domain, bytes in seen.add(bytes: bytes, from: domain.name) }
        h.start()
        h.waitUntilAllEnded()
        XCTAssertEqual(h.domains[0].state, .shutdown(reason: "poweroff"))
        XCTAssertEqual(seen.writes, [Array("one\r\ntw".utf8), Array("o\nthre".utf8), Array("e!\n4".utf8)])
        XCTAssertEqual(seen.names, ["g", "g", "g"])
        XCTAssertEqual(seen.lines, ["one", "two", "three!", "4"])
    }
}

private final class Seen: @unchecked Sendable {
    private let lock = NSLock()
    private var _writes: [[UInt8]] = [], _names: [String] = [], _lines: [String] = []
    func add(bytes: [UInt8], from name: String) { lock.withLock { _writes.append(bytes); _names.append(name) } }
    func add(line: String) { lock.withLock { _lines.append(line) } }
    var writes: [[UInt8]] { lock.withLock { _writes } }
    var names: [String] { lock.withLock { _names } }
    var lines: [String] { lock.withLock { _lines } }
}
