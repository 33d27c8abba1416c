import Foundation

/// `enum xenbus_state` (xen/io/xenbus.h), as the decimal a `state` node holds. A struct over the raw value: a
/// frontend may write anything there.
public struct XenbusState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Parses a `state` node's value (nil when it is not a number).
    public init?(node: String) {
        guard let v = Int(node.trimmingCharacters(in: .whitespaces)) else { return nil }
        rawValue = v
    }
    public static let unknown = XenbusState(rawValue: 0)
    public static let initialising = XenbusState(rawValue: 1)
    public static let initWait = XenbusState(rawValue: 2)
    public static let initialised = XenbusState(rawValue: 3)
    public static let connected = XenbusState(rawValue: 4)
    public static let closing = XenbusState(rawValue: 5)
    public static let closed = XenbusState(rawValue: 6)
    public static let reconfiguring = XenbusState(rawValue: 7)
    public static let reconfigured = XenbusState(rawValue: 8)
    public var node: String { String(rawValue) }
    public var description: String {
        switch rawValue {
        case 0: "Unknown"; case 1: "Initialising"; case 2: "InitWait"; case 3: "Initialised"; case 4: "Connected"
        case 5: "Closing"; case 6: "Closed"; case 7: "Reconfiguring"; case 8: "Reconfigured"
        default: "state(\(rawValue))"
        }
    }
}

/// blkback's half of the xenbus handshake (docs/block.md, "Handshake"; the contract in docs of issue 7) as a
/// value: each frontend `state` seen, and each outcome of a connection attempt, returns what to do; the backend
/// loop does the xenstore and bus I/O.
///
/// Phases: `waiting` (our `state` is InitWait, we wait for the frontend's Initialised), `connected` (ring in
/// service), `closed` (we followed the frontend to Closing/Closed, or refused its protocol). A restarted backend
/// starts in `waiting` whatever the frontend's state is: a frontend still Connected from before the restart sees
/// us leave Connected and initialises the ring again (Initialised), which is what we wait for.
public struct BlkXenbusMachine: Equatable, Sendable {
    public enum Phase: Equatable, Sendable { case waiting, connected, closed }
    public enum Action: Equatable, Sendable {
        case none
        /// Read ring-ref, event-channel and protocol, bind the port, start a fresh ring, then `connected(...)`.
        case connect
        /// Stop the ring and unbind its port, then write `state` = the given value.
        case disconnect(write: XenbusState)
        /// Write `state` (no ring to stop).
        case write(XenbusState)
    }

    public private(set) var phase: Phase = .waiting

    public init() {}

    /// The frontend's `state` node changed (or was read again after a watch event).
    public mutating func frontend(_ state: XenbusState) -> Action {
        switch (phase, state) {
        case (.waiting, .initialised):
            return .connect
        case (.connected, .closing), (.connected, .closed):
            phase = .closed
            return .disconnect(write: state)
        case (.connected, .initialising), (.connected, .unknown):
            // A frontend that started over (a new guest kernel on the same domain): offer the device again.
            phase = .waiting
            return .disconnect(write: .initWait)
        case (.waiting, .closing), (.waiting, .closed):
            phase = .closed
            return .write(state)
        case (.closed, .initialising), (.closed, .initWait):
            phase = .waiting
            return .write(.initWait)
        case (.closed, .initialised):
            return .connect
        default:
            // Connected while we wait: the frontend from before our restart; it will come back as Initialised.
            // Initialised while we are Connected: the frontend has not seen our Connected yet (as Linux
            // blkback, ignored: a frontend that re-initialises does so after seeing us leave Connected).
            return .none
        }
    }

    /// The connection attempt worked: `state` = Connected.
    public mutating func connected() -> Action {
        phase = .connected
        return .write(.connected)
    }

    /// The frontend's ring cannot be served (a protocol other than `arm-abi`, an unreadable ring-ref): Closing,
    /// as Linux's xenbus_dev_fatal does.
    public mutating func refused() -> Action {
        phase = .closed
        return .write(.closing)
    }

    /// The ring broke (indices more than a ring apart): stop it and go back to InitWait, so the frontend
    /// initialises it again exactly as after a backend restart.
    public mutating func ringBroken() -> Action {
        phase = .waiting
        return .disconnect(write: .initWait)
    }
}
