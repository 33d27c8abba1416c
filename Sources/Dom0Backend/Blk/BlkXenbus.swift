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

/// blkback's half of the xenbus handshake (docs/block.md, "Handshake"; /work/contract-blk.md) as a value: each
/// frontend `state` seen, and each outcome of a connection attempt, returns what to do; the backend loop does the
/// xenstore and bus I/O.
///
/// Phases: `waiting` (our `state` is InitWait, we wait for the frontend's Initialised), `connected` (ring in
/// service), `stopped` (the guest broke the ring: nothing more is read from it until the frontend reconnects),
/// `refused` (a protocol we do not serve: Closing). A restarted backend starts in `waiting` whatever the
/// frontend's state is: a frontend still Connected from before the restart sees us leave Connected and
/// initialises the ring again (Initialised), which is what we wait for.
///
/// The frontend reconnects by writing Initialising (or Closing/Closed): with a ring (connected or stopped) the
/// backend drops it and its port, writes InitWait and waits for Initialised as at its start (contract,
/// "Changes" 20:36).
public struct BlkXenbusMachine: Equatable, Sendable {
    public enum Phase: Equatable, Sendable { case waiting, connected, stopped, refused }
    public enum Action: Equatable, Sendable {
        case none
        /// Read ring-ref, event-channel and protocol, bind the port, start a fresh ring, then `connected()`.
        case connect
        /// Stop the ring and unbind its port, then write `state` = the given value (nil: leave it).
        case disconnect(write: XenbusState?)
        /// Write `state` (no ring to stop).
        case write(XenbusState)
    }

    public private(set) var phase: Phase = .waiting

    public init() {}

    /// The frontend's `state` node changed (or was read again after a watch event).
    public mutating func frontend(_ state: XenbusState) -> Action {
        let restarting = state == .initialising || state == .closing || state == .closed
        switch phase {
        case .waiting:
            return state == .initialised ? .connect : .none
        case .connected, .stopped:
            guard restarting else {
                // Initialised while Connected: the frontend has not seen our Connected yet (Linux blkback ignores
                // it too); a frontend that starts over writes Initialising first.
                return .none
            }
            phase = .waiting
            return .disconnect(write: .initWait)
        case .refused:
            guard state == .initialising else { return .none }
            phase = .waiting
            return .write(.initWait)
        }
    }

    /// The connection attempt worked: `state` = Connected.
    public mutating func connected() -> Action {
        phase = .connected
        return .write(.connected)
    }

    /// The frontend's ring cannot be served (a protocol other than `arm-abi`, ring-ref or event-channel missing or
    /// not numbers): Closing, as Linux's xenbus_dev_fatal does. A frontend that fixes it starts over (Initialising).
    public mutating func refused() -> Action {
        phase = .refused
        return .write(.closing)
    }

    /// The guest broke the ring (indices more than a ring apart): stop serving it, leave `state` alone, until the
    /// frontend reconnects.
    public mutating func ringBroken() -> Action {
        guard phase == .connected else { return .none }
        phase = .stopped
        return .disconnect(write: nil)
    }

    /// The ring's state is lost on our side (the hypervisor bus failed mid-call): offer the device again, as a
    /// restarted backend does; the frontend re-initialises and re-issues what had no response.
    public mutating func lost() -> Action {
        guard phase == .connected else { return .none }
        phase = .waiting
        return .disconnect(write: .initWait)
    }
}
