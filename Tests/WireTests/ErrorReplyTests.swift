import Wire
import XCTest

final class ErrorReplyTests: XCTestCase {
    func testErrorReplyMeetsTheMessageContract() {
        assertMessageContract([
            ErrorReply(code: .malformed, answering: 0, text: ""),
            ErrorReply(code: .wrongVersion, answering: .max, text: "kind 0x101: version 2, expected 1"),
            ErrorReply(code: ErrorReply.Code(rawValue: 999), answering: 5, text: "ünïcode ✓"),
        ])
    }

    func testUnknownCodesStayRepresentable() throws {
        let reply = try ErrorReply(decodingPayload: ErrorReply(code: .init(rawValue: 0x7777), answering: 1, text: "")
            .encodedPayload())
        XCTAssertEqual(reply.code.rawValue, 0x7777)
        XCTAssertEqual(reply.code.description, "code(30583)")
    }

    func testLongTextIsCutAtACharacterBoundary() {
        let reply = ErrorReply(code: .internal, answering: 1, text: String(repeating: "é", count: 200))
        XCTAssertEqual(reply.text.utf8.count, ErrorReply.maxTextLength)
        XCTAssertEqual(reply.text, String(repeating: "é", count: 128))
    }

    func testTextLengthAboveTheBoundIsOversized() {
        var writer = ByteWriter()
        writer.write(UInt16(1)); writer.write(UInt16(300)); writer.write(UInt32(0)); writer.write(UInt64(0))
        writer.write(bytes: [UInt8](repeating: 0x41, count: 300))
        XCTAssertThrowsError(try ErrorReply(decodingPayload: writer.bytes)) {
            XCTAssertEqual($0 as? WireError, .oversized(length: 300, limit: 256))
        }
    }

    func testInvalidUTF8IsRepairedNotRefused() throws {
        var writer = ByteWriter()
        writer.write(UInt16(1)); writer.write(UInt16(2)); writer.write(UInt32(0)); writer.write(UInt64(0))
        writer.write(bytes: [0xC3, 0x28])
        XCTAssertEqual(try ErrorReply(decodingPayload: writer.bytes).text, "\u{FFFD}(")
    }

    func testAnErrorReplyFrameIsThrownAsRemoteWhenAnotherKindWasExpected() {
        let frame = Frame.encode(ErrorReply(code: .busy, answering: 3, text: "later"), sequence: 3, flags: [.reply, .error])
        XCTAssertThrowsError(try Frame.decode(DiskResponse.self, from: frame)) {
            XCTAssertEqual($0 as? WireError, .remote(code: .busy, text: "later"))
        }
    }

    func testDecodingErrorsMapToTheirCodes() {
        XCTAssertEqual(ErrorReply.Code(for: .truncated(needed: 1, available: 0)), .truncated)
        XCTAssertEqual(ErrorReply.Code(for: .oversized(length: 2, limit: 1)), .oversized)
        XCTAssertEqual(ErrorReply.Code(for: .unknownKind(MessageKind(9))), .unknownKind)
        XCTAssertEqual(ErrorReply.Code(for: .wrongVersion(kind: .diskRequest, got: 2, expected: 1)), .wrongVersion)
        XCTAssertEqual(ErrorReply.Code(for: .badMagic(0)), .malformed)
        XCTAssertEqual(ErrorReply.Code(for: .malformed("x")), .malformed)
        XCTAssertEqual(ErrorReply.Code(for: .timedOut(operation: "x")), .internal)
    }
}
