import Foundation
import Wire
import XenABI

/// A Dom0 process's xenstore connection (libxenstore's role for a backend): a DEALER to xenstored's ZeroMQ
/// ROUTER, one xs_wire message (`xsd_sockmsg` + payload) per frame (docs/xenstore.md), one request at a time.
///
/// **xenstored restarts.** A killed xenstored answers nothing, and a new one knows nothing of this connection's
/// watches. So:
/// - a request without an answer within `attemptTimeout` makes the client throw its socket away, connect a new one,
///   register every watch again and resend the request (same payload: every request a backend makes is
///   idempotent; a transaction from before the restart ends in EAGAIN, which the caller retries), until
///   `giveUpAfter` has passed;
/// - a socket monitor sees the DEALER reconnect on its own (the daemon came back while this client was idle): the
///   watches are registered again at the next `nextEvent`, and each registration fires its initial event, so the
///   owner re-reads what it watches.
///
/// Threading: one thread at a time, like its socket.
public final class XenstoreClient {
    public struct WatchEvent: Equatable, Sendable {
        public var path: String
        public var token: String
    }

    public let endpoint: String
    public var attemptTimeout: Duration
    public var giveUpAfter: Duration
    /// Sockets replaced after a silent daemon, plus reconnections the monitor saw.
    public private(set) var reconnects: UInt64 = 0
    /// Watch registrations sent again after a reconnection.
    public private(set) var rewatches: UInt64 = 0

    private let context: ZMQContext
    private var socket: ZMQSocket
    private var monitor: SocketMonitor?
    private var connectedOnce = false
    private var needRewatch = false
    private var nextRequestID: UInt32 = 1
    private var events: [WatchEvent] = []
    /// Registered watches (path, token), in registration order, re-sent after a reconnection.
    private var watches: [(path: String, token: String)] = []

    public init(context: ZMQContext, endpoint: String, attemptTimeout: Duration = .milliseconds(500),
                giveUpAfter: Duration = .seconds(20)) throws(XenstoreClientError) {
        self.context = context
        self.endpoint = endpoint
        self.attemptTimeout = attemptTimeout
        self.giveUpAfter = giveUpAfter
        do {
            (socket, monitor) = try Self.makeSocket(context, endpoint)
        } catch { throw .wire("\(error)") }
    }

    /// A DEALER and its monitor, the monitor attached before the connection starts: its first CONNECTED event is
    /// then always this connection's own (attached after, the first one seen could be a reconnection's).
    private static func makeSocket(_ context: ZMQContext, _ endpoint: String) throws(WireError)
        -> (ZMQSocket, SocketMonitor?) {
        let s = try context.socket(.dealer)
        try s.set(.linger(milliseconds: 0))
        try s.set(.reconnectInterval(milliseconds: 50))
        try s.set(.reconnectIntervalMax(milliseconds: 500))
        // A reply is at most a header and XENSTORE_PAYLOAD_MAX; more is not xenstored.
        try s.set(.maxMessageSize(Int64(XsHeader.size + XsLimits.payloadMax)))
        let monitor = try? SocketMonitor(s, kinds: [.connected])
        try s.connect(endpoint)
        return (s, monitor)
    }

    /// For a caller's poll loop: readable when a watch event (or a late reply) may be waiting. Drain with
    /// `nextEvent(timeout: .zero)`.
    public var pollSocket: ZMQSocket { socket }

    // MARK: requests

    /// The value at `path`, or nil when it does not exist.
    public func read(_ path: String, transaction: UInt32 = 0) throws(XenstoreClientError) -> String? {
        do {
            let payload = try request(.read, strings: [path], transaction: transaction)
            return String(decoding: payload, as: UTF8.self)
        } catch .xenstore(.ENOENT) {
            return nil
        }
    }

    public func write(_ path: String, _ value: String, transaction: UInt32 = 0) throws(XenstoreClientError) {
        var payload = Array(path.utf8)
        payload.append(0)
        payload += Array(value.utf8)
        _ = try request(XsMessage(type: .write, transactionID: transaction, payload: payload))
    }

    public func mkdir(_ path: String, transaction: UInt32 = 0) throws(XenstoreClientError) {
        _ = try request(.mkdir, strings: [path], transaction: transaction)
    }

    public func remove(_ path: String, transaction: UInt32 = 0) throws(XenstoreClientError) {
        _ = try request(.rm, strings: [path], transaction: transaction)
    }

    /// The children of `path` ([] when it does not exist).
    public func directory(_ path: String, transaction: UInt32 = 0) throws(XenstoreClientError) -> [String] {
        do {
            let payload = try request(.directory, strings: [path], transaction: transaction)
            return payload.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        } catch .xenstore(.ENOENT) {
            return []
        }
    }

    /// Registers a watch (kept across reconnections). Its initial event arrives through `nextEvent`.
    /// EEXIST counts as success: it means this connection already has the watch, which happens when an attempt's
    /// answer came too late and the request was sent again (found by the restart soak: blkback retried its
    /// WATCH forever on EEXIST after one slow answer, and the guest's disk timed out).
    public func watch(_ path: String, token: String) throws(XenstoreClientError) {
        do { _ = try request(.watch, strings: [path, token]) } catch .xenstore(.EEXIST) {}
        if !watches.contains(where: { $0.path == path && $0.token == token }) { watches.append((path, token)) }
    }

    public func unwatch(_ path: String, token: String) throws(XenstoreClientError) {
        watches.removeAll { $0.path == path && $0.token == token }
        do { _ = try request(.unwatch, strings: [path, token]) } catch .xenstore(.ENOENT) {}
    }

    /// XS_TRANSACTION_START: the transaction id.
    public func transactionStart() throws(XenstoreClientError) -> UInt32 {
        let payload = try request(.transactionStart, strings: [""])
        let text = String(decoding: payload.prefix { $0 != 0 }, as: UTF8.self)
        guard let id = UInt32(text) else { throw .malformed("transaction id '\(text)'") }
        return id
    }

    /// XS_TRANSACTION_END; throws `.xenstore(.EAGAIN)` when the commit conflicted (retry the transaction).
    public func transactionEnd(_ id: UInt32, commit: Bool) throws(XenstoreClientError) {
        _ = try request(.transactionEnd, strings: [commit ? "T" : "F"], transaction: id)
    }

    // MARK: events

    /// The next watch event, waiting up to `timeout` (nil when none came). Registers the watches again first if
    /// the connection was re-established meanwhile.
    public func nextEvent(timeout: Duration) throws(XenstoreClientError) -> WatchEvent? {
        checkMonitor()
        if needRewatch { reregister() }
        if !events.isEmpty { return events.removeFirst() }
        let deadline = ContinuousClock.now + timeout
        repeat {
            guard let frame = receive(until: deadline) else { break }
            if let event = Self.watchEvent(frame) { return event }
            // A late reply to a request given up on: nothing waits for it.
        } while ContinuousClock.now < deadline
        checkMonitor()
        if needRewatch { reregister() }
        return events.isEmpty ? nil : events.removeFirst()
    }

    private func checkMonitor() {
        guard let monitor else { return }
        while let event = try? monitor.next(timeoutMilliseconds: 0) {
            if event.kind == .connected {
                if connectedOnce {
                    needRewatch = true
                    reconnects += 1
                }
                connectedOnce = true
            }
        }
    }


    // MARK: the exchange

    private func request(_ type: XsMessageType, strings: [String], transaction: UInt32 = 0)
        throws(XenstoreClientError) -> [UInt8] {
        try request(XsMessage(type: type, transactionID: transaction, strings: strings))
    }

    /// Sends `message` with a fresh req_id and returns the reply's payload; XS_ERROR becomes `.xenstore`.
    private func request(_ message: XsMessage) throws(XenstoreClientError) -> [UInt8] {
        var m = message
        let giveUp = ContinuousClock.now + giveUpAfter
        while true {
            if needRewatch { reregister() }
            m.requestID = nextRequestID
            nextRequestID &+= 1
            if let reply = try exchange(m) {
                if reply.type == .error {
                    let name = String(decoding: reply.payload.prefix { $0 != 0 }, as: UTF8.self)
                    throw .xenstore(XsError(name: name) ?? .EIO)
                }
                guard reply.type == m.type else { throw .malformed("answer \(reply.type) to \(m.type)") }
                return reply.payload
            }
            guard ContinuousClock.now < giveUp else {
                throw .timedOut("\(m.type) to \(endpoint) unanswered for \(giveUpAfter)")
            }
            // The daemon is gone or restarting: a new connection, the watches again, then the request again.
            do { try replaceSocket() } catch { throw .wire("\(error)") }
            needRewatch = true
        }
    }

    /// Registers every watch again on the current connection, one attempt each; an unanswered one leaves
    /// `needRewatch` set for the next request or `nextEvent`.
    private func reregister() {
        needRewatch = false
        for w in watches {
            var watch = XsMessage(type: .watch, strings: [w.path, w.token])
            watch.requestID = nextRequestID
            nextRequestID &+= 1
            rewatches += 1
            guard let reply = try? exchange(watch), reply.type == .watch else {
                needRewatch = true
                return
            }
        }
    }

    private func replaceSocket() throws(WireError) {
        monitor = nil
        socket.close()
        (socket, monitor) = try Self.makeSocket(context, endpoint)
        connectedOnce = false
        reconnects += 1
    }

    /// One send and the wait for its reply (nil on timeout). Watch events met on the way are queued.
    private func exchange(_ m: XsMessage) throws(XenstoreClientError) -> XsMessage? {
        do { try socket.send(m.encoded(), dontWait: true) } catch .timedOut {
            return nil  // not connected yet (EAGAIN): counts as an unanswered attempt
        } catch { throw .wire("\(error)") }
        let deadline = ContinuousClock.now + attemptTimeout
        while let frame = receive(until: deadline) {
            if let event = Self.watchEvent(frame) { events.append(event); continue }
            guard let header = XsHeader(bytes: frame), Int(header.length) == frame.count - XsHeader.size else {
                continue
            }
            guard header.requestID == m.requestID else { continue }  // a late answer to an earlier attempt
            return XsMessage(type: header.type, requestID: header.requestID, transactionID: header.transactionID,
                             payload: Array(frame[XsHeader.size...]))
        }
        return nil
    }

    private static func watchEvent(_ frame: [UInt8]) -> WatchEvent? {
        guard let header = XsHeader(bytes: frame), header.type == .watchEvent,
              Int(header.length) == frame.count - XsHeader.size else { return nil }
        let parts = frame[XsHeader.size...].split(separator: 0, omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return nil }
        return WatchEvent(path: String(decoding: parts[0], as: UTF8.self), token: String(decoding: parts[1], as: UTF8.self))
    }

    private func receive(until deadline: ContinuousClock.Instant) -> [UInt8]? {
        let left = deadline - ContinuousClock.now
        let (s, atto) = left.components
        let ms = max(0, s * 1000 + atto / 1_000_000_000_000_000)
        do {
            try socket.set(.receiveTimeout(milliseconds: Int32(clamping: ms)))
            return try socket.receive()
        } catch {
            return nil
        }
    }
}

/// What a xenstore request can end in.
public enum XenstoreClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// xenstored answered XS_ERROR with this name.
    case xenstore(XsError)
    /// No answer before the client gave up (xenstored down longer than `giveUpAfter`).
    case timedOut(String)
    case wire(String)
    /// An answer that is not the request's type.
    case malformed(String)

    public var description: String {
        switch self {
        case let .xenstore(e): return "xenstore \(e.name)"
        case let .timedOut(what): return "timed out: \(what)"
        case let .wire(what): return "wire: \(what)"
        case let .malformed(what): return "malformed answer: \(what)"
        }
    }
}
