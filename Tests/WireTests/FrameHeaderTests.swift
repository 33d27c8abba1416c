import Wire
import XCTest

final class FrameHeaderTests: XCTestCase {
    private let header = FrameHeader(kind: .diskRequest, kindVersion: 1, flags: [.reply, .error],
                                     payloadLength: 0x0102_0304, sequence: 0x1122_3344_5566_7788, sender: 0xAABB_CCDD)

    func testHeaderLayoutIsLittleEndianAtTheDocumentedOffsets() {
        var writer = ByteWriter()
        header.encode(into: &writer)
        XCTAssertEqual(writer.bytes, [
            0x58, 0x57, 0x49, 0x52, // "XWIR"
            0x01, 0x00, // protocol version 1
            0x01, 0x01, // kind 0x0101
            0x01, 0x00, // kind version 1
            0x03, 0x00, // flags reply|error
            0x04, 0x03, 0x02, 0x01, // payload length
            0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, // sequence
            0xDD, 0xCC, 0xBB, 0xAA, // sender
            0, 0, 0, 0, // reserved
        ])
        XCTAssertEqual(writer.count, FrameHeader.size)
    }

    func testHeaderRoundTrips() throws {
        var writer = ByteWriter()
        header.encode(into: &writer)
        var reader = ByteReader(writer.bytes)
        XCTAssertEqual(try FrameHeader(decoding: &reader), header)
        XCTAssertTrue(reader.isAtEnd)
    }

    func testEveryTruncatedHeaderIsRefusedAsTruncated() {
        let bytes = Frame.encode(ErrorReply(code: .busy, answering: 1, text: ""), sequence: 1)
        for cut in 0 ..< FrameHeader.size {
            XCTAssertThrowsError(try Frame.open(Array(bytes.prefix(cut)))) { error in
                XCTAssertEqual(error as? WireError, .truncated(needed: FrameHeader.size, available: cut))
            }
        }
    }

    func testBadMagicIsRefused() {
        var bytes = Frame.encode(ErrorReply(code: .busy, answering: 1, text: ""), sequence: 1)
        bytes[0] = 0x59
        XCTAssertThrowsError(try Frame.open(bytes)) { error in
            XCTAssertEqual(error as? WireError, .badMagic(0x5249_5759))
        }
    }

    func testWrongProtocolVersionIsRefused() {
        var bytes = Frame.encode(ErrorReply(code: .busy, answering: 1, text: ""), sequence: 1)
        bytes[4] = 2
        XCTAssertThrowsError(try Frame.open(bytes)) { error in
            XCTAssertEqual(error as? WireError, .wrongVersion(kind: .errorReply, got: 2, expected: 1))
        }
    }

    func testUnknownFlagsAndNonZeroReservedAreMalformed() {
        var flags = Frame.encode(ErrorReply(code: .busy, answering: 1, text: ""), sequence: 1)
        flags[11] = 0x80
        XCTAssertThrowsError(try Frame.open(flags)) { XCTAssertEqual($0 as? WireError, .malformed("unknown flags 0x8000")) }
        var reserved = Frame.encode(ErrorReply(code: .busy, answering: 1, text: ""), sequence: 1)
        reserved[31] = 1
        XCTAssertThrowsError(try Frame.open(reserved)) {
            XCTAssertEqual($0 as? WireError, .malformed("reserved byte at offset 31 is 0x1"))
        }
    }

    func testPayloadLengthMustMatchTheFrame() {
        let bytes = Frame.encode(ErrorReply(code: .busy, answering: 1, text: "abc"), sequence: 1)
        XCTAssertThrowsError(try Frame.open(Array(bytes.dropLast()))) { error in
            XCTAssertEqual(error as? WireError, .truncated(needed: bytes.count, available: bytes.count - 1))
        }
        XCTAssertThrowsError(try Frame.open(bytes + [0])) { error in
            XCTAssertEqual(error as? WireError, .malformed("payload length 19 but 20 bytes follow the header"))
        }
    }

    func testFrameAboveTheMaximumIsOversized() {
        let bytes = [UInt8](repeating: 0, count: FrameHeader.maxFrameSize + 1)
        XCTAssertThrowsError(try Frame.open(bytes)) { error in
            XCTAssertEqual(error as? WireError,
                           .oversized(length: FrameHeader.maxFrameSize + 1, limit: FrameHeader.maxFrameSize))
        }
    }

    func testRandomAndMutatedHeadersNeverTrap() {
        var mutator = Mutator(rng: SplitMix64(seed: 0xF4A3E))
        let valid = Frame.encode(ErrorReply(code: .busy, answering: 9, text: "x"), sequence: 9)
        var opened = 0
        for _ in 0 ..< 100_000 {
            if (try? Frame.open(mutator.mutate(valid))) != nil { opened += 1 }
        }
        XCTAssertGreaterThan(opened, 0)
    }

    func testByteReaderRefusesReadsPastTheEnd() {
        var reader = ByteReader([1, 2, 3])
        XCTAssertThrowsError(try reader.readUInt32()) { XCTAssertEqual($0 as? WireError, .truncated(needed: 4, available: 3)) }
        XCTAssertEqual(try reader.readUInt16(), 0x0201)
        XCTAssertThrowsError(try reader.readBytes(2))
        XCTAssertThrowsError(try reader.readBytes(-1))
        XCTAssertEqual(try reader.readBytes(1), [3])
        XCTAssertTrue(reader.isAtEnd)
    }
}
