import XCTest
import Dom0Backend

/// blkback's xenbus handshake (Dom0Backend/Blk/BlkXenbus.swift), transition by transition, with the contract's
/// frontend-initiated reconnection.
final class BlkXenbusMachineTests: XCTestCase {
    func testAnInitialisedFrontendIsConnectedThenConnectedIsWritten() {
        var m = BlkXenbusMachine()
        XCTAssertEqual(m.frontend(.initialising), .none)
        XCTAssertEqual(m.frontend(.initialised), .connect)
        XCTAssertEqual(m.connected(), .write(.connected))
        XCTAssertEqual(m.phase, .connected)
        XCTAssertEqual(m.frontend(.connected), .none)
    }

    func testARestartedBackendIgnoresAFrontendStillConnectedAndWaitsForInitialised() {
        var m = BlkXenbusMachine()
        XCTAssertEqual(m.frontend(.connected), .none)
        XCTAssertEqual(m.phase, .waiting)
        XCTAssertEqual(m.frontend(.initialised), .connect)
    }

    func testInitialisedWhileConnectedIsTheFrontendCatchingUpNotAReconnect() {
        var m = BlkXenbusMachine()
        _ = m.frontend(.initialised); _ = m.connected()
        XCTAssertEqual(m.frontend(.initialised), .none)
    }

    func testABrokenRingStopsWithoutAStateChangeUntilTheFrontendWritesInitialising() {
        var m = BlkXenbusMachine()
        _ = m.frontend(.initialised); _ = m.connected()
        XCTAssertEqual(m.ringBroken(), .disconnect(write: nil))
        XCTAssertEqual(m.phase, .stopped)
        XCTAssertEqual(m.frontend(.connected), .none)
        XCTAssertEqual(m.frontend(.initialised), .none)
        XCTAssertEqual(m.frontend(.initialising), .disconnect(write: .initWait))
        XCTAssertEqual(m.frontend(.initialised), .connect)
    }

    func testClosingOrClosedFromAConnectedFrontendOffersTheDiskAgain() {
        for state in [XenbusState.closing, .closed, .initialising] {
            var m = BlkXenbusMachine()
            _ = m.frontend(.initialised); _ = m.connected()
            XCTAssertEqual(m.frontend(state), .disconnect(write: .initWait))
            XCTAssertEqual(m.phase, .waiting)
        }
    }

    func testALostRingGoesBackToInitWaitOnlyWhenConnected() {
        var m = BlkXenbusMachine()
        XCTAssertEqual(m.lost(), .none)
        _ = m.frontend(.initialised); _ = m.connected()
        XCTAssertEqual(m.lost(), .disconnect(write: .initWait))
        XCTAssertEqual(m.phase, .waiting)
    }

    func testARefusedProtocolWritesClosingUntilTheFrontendStartsOver() {
        var m = BlkXenbusMachine()
        _ = m.frontend(.initialised)
        XCTAssertEqual(m.refused(), .write(.closing))
        XCTAssertEqual(m.phase, .refused)
        XCTAssertEqual(m.frontend(.initialised), .none)
        XCTAssertEqual(m.frontend(.initialising), .write(.initWait))
        XCTAssertEqual(m.frontend(.initialised), .connect)
    }

    func testGarbageStatesChangeNothing() {
        var m = BlkXenbusMachine()
        for v in [-1, 9, 1000] { XCTAssertEqual(m.frontend(XenbusState(rawValue: v)), .none) }
        _ = m.frontend(.initialised); _ = m.connected()
        for v in [-1, 0, 2, 7, 8, 1000] { XCTAssertEqual(m.frontend(XenbusState(rawValue: v)), .none) }
        XCTAssertNil(XenbusState(node: "x3"))
        XCTAssertEqual(XenbusState(node: "4"), .connected)
    }
}
