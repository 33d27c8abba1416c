import Foundation
import Wire
import XCTest

/// The control protocol's JSON codec (docs/launcher.md, "Control protocol").
final class ControlMessageTests: XCTestCase {
    static let samples: [ControlMessage] = [
        .ready(name: "disk0", pid: 1234, endpoint: "ipc:///tmp/run/disk0.ipc"),
        .metrics(name: "disk0", counters: ["requests": 10, "bytes": 40960, "errors": 0, "malformed": 2]),
        .shutdown, .status, .kill(name: "disk0", signal: "KILL"), .restart(name: "tty0"), .stop,
    ]

    private func decode(_ text: String) throws -> ControlMessage { try ControlMessage(decoding: Data(text.utf8)) }

    func testEveryKindRoundTrips() throws {
        for message in Self.samples {
            XCTAssertEqual(try ControlMessage(decoding: message.encoded()), message)
        }
    }

    func testTheWireFormIsTheDocumentedJSON() throws {
        XCTAssertEqual(String(decoding: ControlMessage.ready(name: "d", pid: 7, endpoint: "ipc:///x").encoded(), as: UTF8.self),
                       #"{"endpoint":"ipc:///x","name":"d","pid":7,"type":"ready"}"#)
        XCTAssertEqual(String(decoding: ControlMessage.stop.encoded(), as: UTF8.self), #"{"type":"stop"}"#)
        XCTAssertEqual(try decode(#"{"type":"kill","name":"disk0","signal":"TERM"}"#), .kill(name: "disk0", signal: "TERM"))
    }

    func testKillWithoutASignalMeansKill() throws {
        XCTAssertEqual(try decode(#"{"type":"kill","name":"x"}"#), .kill(name: "x", signal: "KILL"))
    }

    func testUnknownExtraFieldsAreIgnored() throws {
        XCTAssertEqual(try decode(#"{"type":"status","verbose":true}"#), .status)
    }

    func testNotJSONIsMalformed() {
        XCTAssertThrowsError(try decode("hello")) { XCTAssertEqual($0 as? ControlError, .malformed(detail: "not valid JSON")) }
        XCTAssertThrowsError(try decode("")) { guard case .malformed = $0 as? ControlError else { return XCTFail("\($0)") } }
    }

    func testAJSONValueThatIsNotAnObjectIsMalformed() {
        for text in ["[1,2]", "42", #""status""#, "null"] {
            XCTAssertThrowsError(try decode(text), text) {
                guard case .malformed = $0 as? ControlError else { return XCTFail("\(text): \($0)") }
            }
        }
    }

    func testAMissingTypeIsReported() {
        XCTAssertThrowsError(try decode(#"{"name":"x"}"#)) {
            XCTAssertEqual($0 as? ControlError, .missingField(type: "?", field: "type"))
        }
    }

    func testAnUnknownTypeIsReported() {
        XCTAssertThrowsError(try decode(#"{"type":"reboot"}"#)) { XCTAssertEqual($0 as? ControlError, .unknownType("reboot")) }
    }

    func testAMissingRequiredFieldIsNamed() {
        XCTAssertThrowsError(try decode(#"{"type":"ready","name":"x","pid":1}"#)) {
            XCTAssertEqual($0 as? ControlError, .missingField(type: "ready", field: "endpoint"))
        }
        XCTAssertThrowsError(try decode(#"{"type":"restart"}"#)) {
            XCTAssertEqual($0 as? ControlError, .missingField(type: "restart", field: "name"))
        }
    }

    func testAFieldOfTheWrongTypeIsMalformed() {
        XCTAssertThrowsError(try decode(#"{"type":"ready","name":"x","pid":"one","endpoint":"e"}"#)) {
            XCTAssertEqual($0 as? ControlError, .malformed(detail: #"field "pid" has the wrong type"#))
        }
        XCTAssertThrowsError(try decode(#"{"type":"metrics","name":"x","counters":{"requests":1.5}}"#)) {
            guard case .malformed = $0 as? ControlError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try decode(#"{"type":"ready","name":"x","pid":99999999999,"endpoint":"e"}"#)) {
            guard case .malformed = $0 as? ControlError else { return XCTFail("\($0)") }
        }
    }

    func testAnOversizedFrameIsRefusedBeforeParsing() {
        let big = Data(repeating: 0x20, count: ControlMessage.maximumBytes + 1)
        XCTAssertThrowsError(try ControlMessage(decoding: big)) {
            XCTAssertEqual($0 as? ControlError, .oversized(bytes: ControlMessage.maximumBytes + 1))
        }
    }

    func testDeeplyNestedJSONDoesNotCrash() {
        let nested = #"{"type":"status","x":"# + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}"
        _ = try? decode(nested)
    }

    /// 100 000 mutations of valid messages: every one decodes or throws a `ControlError`, none traps.
    func testMutatedMessagesNeverCrashTheDecoder() {
        var mutator = Mutator(rng: SplitMix64(seed: 0xC0_47_01))
        var decoded = 0, rejected = 0
        for i in 0..<100_000 {
            let bytes = mutator.mutate([UInt8](Self.samples[i % Self.samples.count].encoded()))
            do {
                _ = try ControlMessage(decoding: Data(bytes))
                decoded += 1
            } catch is ControlError {
                rejected += 1
            } catch {
                XCTFail("non-ControlError \(error) for \(bytes)")
                return
            }
        }
        XCTAssertGreaterThan(rejected, 50_000)
        XCTAssertGreaterThan(decoded, 0)
    }

    func testRepliesRoundTripWithTheirStatusTable() throws {
        let status = StatusReport(
            topology: "t", runDirectory: "/tmp/r", launcherPid: 9, uptimeSeconds: 1.5, malformedControlMessages: 3,
            processes: [ProcessStatus(name: "disk0", kind: "device disk", pid: 10, state: "ready", restarts: 1,
                                      uptimeSeconds: 0.5, lastExit: "signal KILL", endpoint: "ipc:///tmp/r/disk0.ipc",
                                      counters: ["requests": 5])])
        for reply in [ControlReply(ok: true, status: status), .failure("no process named x"),
                      ControlReply(ok: true, message: "sent KILL")] {
            XCTAssertEqual(try ControlReply(decoding: reply.encoded()), reply)
        }
        XCTAssertEqual(String(decoding: ControlReply.failure("bad").encoded(), as: UTF8.self), #"{"error":"bad","ok":false}"#)
    }
}
