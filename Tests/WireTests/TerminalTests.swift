import Wire
import XCTest

final class TerminalTests: XCTestCase {
    func testTerminalOutputMeetsTheMessageContract() {
        assertMessageContract([
            TerminalOutput(domain: 1, bytes: Array("Hello from domU\r\n".utf8)),
            TerminalOutput(domain: .max, bytes: []),
            TerminalOutput(domain: 2, bytes: (0 ..< terminalMaxChunk).map { UInt8(truncatingIfNeeded: $0) }),
        ])
    }

    func testTerminalInputMeetsTheMessageContract() {
        assertMessageContract([
            TerminalInput(domain: 3, bytes: Array("ls\n".utf8)),
            TerminalInput(domain: 0, bytes: [0x03, 0xFF, 0x00]),
        ])
    }

    func testAttachAndDetachMeetTheMessageContract() {
        assertMessageContract([TerminalAttach(domain: 1), TerminalAttach(domain: 2, readOnly: true)])
        assertMessageContract([TerminalDetach(domain: 1), TerminalDetach(domain: 0xFFFF)])
    }

    func testOutputLayoutMatchesTheDocumentedTable() {
        XCTAssertEqual(TerminalOutput(domain: 0x0102, bytes: [0x41, 0x42]).encodedPayload(),
                       [0x02, 0x01, 0, 0, 2, 0, 0, 0, 0x41, 0x42])
        XCTAssertEqual(TerminalAttach(domain: 5, readOnly: true).encodedPayload(), [5, 0, 0, 0, 1, 0, 0, 0])
    }

    func testChunkAboveTheBoundIsOversized() {
        var writer = ByteWriter()
        writer.write(UInt32(1)); writer.write(UInt32(terminalMaxChunk + 1))
        writer.write(bytes: [UInt8](repeating: 0x41, count: terminalMaxChunk + 1))
        XCTAssertThrowsError(try TerminalInput(decodingPayload: writer.bytes)) {
            XCTAssertEqual($0 as? WireError, .oversized(length: terminalMaxChunk + 1, limit: terminalMaxChunk))
        }
    }

    func testUnknownAttachFlagsAreMalformed() {
        XCTAssertThrowsError(try TerminalAttach(decodingPayload: [1, 0, 0, 0, 2, 0, 0, 0])) {
            XCTAssertEqual($0 as? WireError, .malformed("unknown attach flags 0x2"))
        }
    }
}
