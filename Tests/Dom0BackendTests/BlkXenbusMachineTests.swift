import XCTest
import Dom0Backend

/// blkback's xenbus handshake (Dom0Backend/Blk/BlkXenbus.swift), transition by transition.
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

    func testABrokenRingGoesBackToInitWaitAndTheNextInitialisedReconnects() {
        var m = BlkXenbusMachine()
        _ = m.frontend(.initialised); _ = m.connected()
        XCTAssertEqual(m.ringBroken(), .disconnect(write: .initWait))
        XCTAssertEqual(m.frontend(.connected), .none)
        XCTAssertEqual(m.frontend(.initialised), .connect)
    }

    func testClosingAndClosedAreFollowedAndAFrontendStartingOverIsOfferedTheDiskAgain() {
        var m = BlkXenbusMachine()
        _ = m.frontend(.initialised); _ = m.connected()
        XCTAssertEqual(m.frontend(.closing), .disconnect(write: .closing))
        XCTAssertEqual(m.frontend(.closed), .none)
        XCTAssertEqual(m.frontend(.initialising), .write(.initWait))
        XCTAssertEqual(m.phase, .waiting)
    }

    func testARefusedProtocolWritesClosing() {
        var m = BlkXenbusMachine()
        _ = m.frontend(.initialised)
        XCTAssertEqual(m.refused(), .write(.closing))
        XCTAssertEqual(m.phase, .closed)
    }

    func testGarbageStatesChangeNothing() {
        var m = BlkXenbusMachine()
        for v in [-1, 9, 1000] { XCTAssertEqual(m.frontend(XenbusState(rawValue: v)), .none) }
        XCTAssertNil(XenbusState(node: "x3"))
        XCTAssertEqual(XenbusState(node: "4"), .connected)
    }
}
