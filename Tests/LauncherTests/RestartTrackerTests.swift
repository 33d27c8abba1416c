import XCTest
import Launcher

/// RestartTracker, transition by transition (docs/launcher.md, "Restart policy").
final class RestartTrackerTests: XCTestCase {
    private func policy(_ mode: RestartPolicy.Mode, max: Int = 3, window: Int = 10_000, backoff: Int = 100,
                        maxBackoff: Int = 1_000) -> RestartPolicy {
        RestartPolicy(mode: mode, maxRestarts: max, windowMilliseconds: window, backoffMilliseconds: backoff,
                      maxBackoffMilliseconds: maxBackoff)
    }

    func testNeverDoesNotRestartAFailure() {
        var t = RestartTracker(policy: policy(.never))
        XCTAssertEqual(t.processExited(.signaled(9), at: 0), .finished)
        XCTAssertEqual(t.processExited(.exited(1), at: 10), .finished)
    }

    func testOnFailureDoesNotRestartExitZero() {
        var t = RestartTracker(policy: policy(.onFailure))
        XCTAssertEqual(t.processExited(.exited(0), at: 0), .finished)
        XCTAssertTrue(t.recentRestarts.isEmpty)
    }

    func testOnFailureRestartsANonZeroExitAndASignal() {
        var t = RestartTracker(policy: policy(.onFailure))
        XCTAssertEqual(t.processExited(.exited(3), at: 0), .restart(afterMilliseconds: 100))
        XCTAssertEqual(t.processExited(.signaled(9), at: 500), .restart(afterMilliseconds: 200))
    }

    func testAlwaysRestartsEvenExitZero() {
        var t = RestartTracker(policy: policy(.always))
        XCTAssertEqual(t.processExited(.exited(0), at: 0), .restart(afterMilliseconds: 100))
    }

    func testBackoffDoublesUpToTheCap() {
        var t = RestartTracker(policy: policy(.always, max: 10, window: 100_000, backoff: 100, maxBackoff: 500))
        let delays = (0..<6).map { i -> RestartTracker.Decision in t.processExited(.exited(1), at: i * 10) }
        XCTAssertEqual(delays, [100, 200, 400, 500, 500, 500].map { .restart(afterMilliseconds: $0) })
    }

    func testMoreThanMaxRestartsInsideTheWindowIsACrashLoop() {
        var t = RestartTracker(policy: policy(.onFailure, max: 3, window: 10_000))
        for i in 0..<3 {
            guard case .restart = t.processExited(.signaled(9), at: i * 1_000) else { return XCTFail("restart \(i)") }
        }
        XCTAssertEqual(t.processExited(.signaled(9), at: 3_000), .giveUp(restarts: 3, windowMilliseconds: 10_000))
    }

    func testRestartsOlderThanTheWindowAreForgotten() {
        var t = RestartTracker(policy: policy(.onFailure, max: 2, window: 1_000))
        XCTAssertEqual(t.processExited(.exited(1), at: 0), .restart(afterMilliseconds: 100))
        XCTAssertEqual(t.processExited(.exited(1), at: 500), .restart(afterMilliseconds: 200))
        // At t = 1600 both earlier restarts are outside the 1 s window: backoff starts over, no give-up.
        XCTAssertEqual(t.processExited(.exited(1), at: 1_600), .restart(afterMilliseconds: 100))
        XCTAssertEqual(t.recentRestarts, [1_600])
    }

    func testResetForgetsPastRestarts() {
        var t = RestartTracker(policy: policy(.onFailure, max: 1))
        XCTAssertEqual(t.processExited(.exited(1), at: 0), .restart(afterMilliseconds: 100))
        t.reset()
        XCTAssertEqual(t.processExited(.exited(1), at: 10), .restart(afterMilliseconds: 100))
    }

    func testZeroMaxRestartsGivesUpAtTheFirstFailure() {
        var t = RestartTracker(policy: policy(.onFailure, max: 0))
        XCTAssertEqual(t.processExited(.exited(2), at: 0), .giveUp(restarts: 0, windowMilliseconds: 10_000))
    }

    func testExitDescriptionsNameTheStatusOrTheSignal() {
        XCTAssertEqual(RestartTracker.Exit.exited(3).description, "exit 3")
        XCTAssertEqual(RestartTracker.Exit.signaled(9).description, "signal KILL")
        XCTAssertEqual(RestartTracker.Exit.signaled(11).description, "signal SEGV")
        XCTAssertTrue(RestartTracker.Exit.exited(0).isSuccess)
        XCTAssertFalse(RestartTracker.Exit.signaled(15).isSuccess)
    }

    func testSignalNamesParseInEverySpelling() {
        XCTAssertEqual(SignalName.number(of: "KILL"), 9)
        XCTAssertEqual(SignalName.number(of: "sigterm"), 15)
        XCTAssertEqual(SignalName.number(of: "19"), SignalName.number(of: "STOP"))
        XCTAssertNil(SignalName.number(of: "BOGUS"))
        XCTAssertNil(SignalName.number(of: "0"))
        XCTAssertEqual(SignalName.name(of: 18), "CONT")
    }
}
