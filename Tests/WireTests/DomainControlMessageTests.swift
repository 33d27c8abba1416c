import Foundation
import Wire
import XCTest

/// The hypervisor's control messages (docs/launcher.md, "Control protocol"): `domain` and `console`.
final class DomainControlMessageTests: XCTestCase {
    private func decode(_ text: String) throws -> ControlMessage { try ControlMessage(decoding: Data(text.utf8)) }

    func testDomainAndConsoleRoundTripInTheDocumentedForm() throws {
        let domain = ControlMessage.domain(name: "hypervisor", domain: "hello", id: 1, state: "crashed: data abort at 0x48000000")
        let console = ControlMessage.console(name: "hypervisor", domain: "hello", line: "RESULT ok \"quoted\" ünïcode")
        XCTAssertEqual(try ControlMessage(decoding: domain.encoded()), domain)
        XCTAssertEqual(try ControlMessage(decoding: console.encoded()), console)
        XCTAssertEqual(String(decoding: ControlMessage.domain(name: "h", domain: "d", id: 2, state: "poweroff").encoded(), as: UTF8.self),
                       #"{"domain":"d","domid":2,"name":"h","state":"poweroff","type":"domain"}"#)
        XCTAssertEqual(try decode(#"{"type":"console","name":"h","domain":"d","line":"x"}"#),
                       .console(name: "h", domain: "d", line: "x"))
    }

    func testAMissingOrMistypedFieldIsReportedNotTrapped() {
        XCTAssertThrowsError(try decode(#"{"type":"domain","name":"h","domain":"d","state":"poweroff"}"#)) { error in
            XCTAssertEqual(error as? ControlError, .missingField(type: "domain", field: "domid"))
        }
        XCTAssertThrowsError(try decode(#"{"type":"console","name":"h","domain":"d"}"#)) { error in
            XCTAssertEqual(error as? ControlError, .missingField(type: "console", field: "line"))
        }
        XCTAssertThrowsError(try decode(#"{"type":"domain","name":"h","domain":"d","domid":"one","state":"x"}"#))
    }
}
