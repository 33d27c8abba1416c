import Launcher
import Wire
import XCTest

final class StatusTableDomainsTests: XCTestCase {
    func report(domains: [DomainStatus]?) -> StatusReport {
        StatusReport(topology: "t", runDirectory: "/r", launcherPid: 1, uptimeSeconds: 1, malformedControlMessages: 0,
                     processes: [ProcessStatus(name: "hypervisor", kind: "hypervisor", pid: 9, state: "ready", restarts: 0,
                                               uptimeSeconds: 1, lastExit: nil, endpoint: nil, counters: [:])],
                     domains: domains)
    }

    func testTheDomainsFollowTheProcessTable() {
        let text = StatusTable.render(report(domains: [DomainStatus(name: "hello", id: 1, state: "running"),
                                                       DomainStatus(name: "compute", id: 2, state: "poweroff")]))
        let rows = text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertTrue(rows.contains(["DOMAIN", "ID", "STATE"]), text)
        XCTAssertTrue(rows.contains(["hello", "1", "running"]), text)
        XCTAssertTrue(rows.contains(["compute", "2", "poweroff"]), text)
    }

    func testATopologyWithoutDomainsShowsNoDomainTable() {
        XCTAssertFalse(StatusTable.render(report(domains: nil)).contains("DOMAIN"))
    }
}
