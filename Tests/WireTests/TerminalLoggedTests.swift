import Wire
import XCTest

/// Acknowledged console output (Wire/Messages/TerminalLogged.swift).
final class TerminalLoggedTests: XCTestCase {
    func testLoggedOutputMeetsTheMessageContract() {
        assertMessageContract([
            TerminalLoggedOutput(domain: 1, bytes: Array("line 000001\n".utf8)),
            TerminalLoggedOutput(domain: 7, bytes: []),
            TerminalLoggedOutput(domain: 2, bytes: (0 ..< terminalMaxChunk).map { UInt8(truncatingIfNeeded: $0) }),
        ])
    }

    func testLogPositionMeetsTheMessageContract() {
        assertMessageContract([TerminalLogPosition(domain: 1, length: 0),
                               TerminalLogPosition(domain: 0xFFFF_FFFF, length: .max)])
    }

    func testLogPositionLayoutMatchesTheDocumentedTable() {
        XCTAssertEqual(TerminalLogPosition(domain: 0x0102, length: 0x0807_0605_0403_0201).encodedPayload(),
                       [0x02, 0x01, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8])
    }
}
