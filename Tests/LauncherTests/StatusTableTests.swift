import XCTest
import Launcher
import Wire

final class StatusTableTests: XCTestCase {
    func testTheTableHasOneAlignedRowPerProcessWithTheMainCountersFirst() {
        let report = StatusReport(
            topology: "t", runDirectory: "/tmp/r", launcherPid: 9, uptimeSeconds: 75, malformedControlMessages: 2,
            processes: [
                ProcessStatus(name: "disk0", kind: "device disk", pid: 1234, state: "ready", restarts: 1,
                              uptimeSeconds: 3.25, lastExit: "signal KILL", endpoint: nil,
                              counters: ["writes": 4, "malformed": 0, "requests": 10, "bytes": 4096, "errors": 1]),
                ProcessStatus(name: "exercise", kind: "workload disk-exercise", pid: nil, state: "exited", restarts: 0,
                              uptimeSeconds: nil, lastExit: "exit 0", endpoint: nil, counters: [:]),
            ])
        let lines = StatusTable.render(report).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "t in /tmp/r, launcher pid 9, up 1m15s, 2 malformed control messages")
        XCTAssertEqual(lines[1], "NAME      KIND                    PID   STATE   RESTARTS  UPTIME  LAST EXIT    COUNTERS")
        XCTAssertEqual(lines[2], "disk0     device disk             1234  ready   1         3.2s    signal KILL  requests=10 bytes=4096 errors=1 malformed=0 writes=4")
        XCTAssertEqual(lines[3], "exercise  workload disk-exercise  -     exited  0         -       exit 0       -")
        XCTAssertEqual(lines.count, 4)
    }
}
