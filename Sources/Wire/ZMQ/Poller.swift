import CZMQ

/// Which readiness to wait for or was seen (ZMQ_POLLIN / ZMQ_POLLOUT).
public struct PollEvents: OptionSet, Sendable, Hashable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }
    public static let readable = PollEvents(rawValue: Int16(ZMQ_POLLIN))
    public static let writable = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
}

/// Waits on several sockets at once (zmq_poll(3)). Build it once and poll it in a loop: the item array
/// is reused, so a poll allocates nothing. Same threading rule as the sockets it holds.
public struct Poller {
    private var sockets: [ZMQSocket] = []
    private var items: [zmq_pollitem_t] = []

    public init() {}

    /// Adds a socket; returns its index in `poll`'s result.
    @discardableResult
    public mutating func add(_ socket: ZMQSocket, events: PollEvents = .readable) -> Int {
        sockets.append(socket)
        items.append(zmq_pollitem_t(socket: socket.handle, fd: -1, events: events.rawValue, revents: 0))
        return items.count - 1
    }

    /// Adds a plain file descriptor (a Unix socket, a pipe); returns its index in `poll`'s result.
    @discardableResult
    public mutating func add(fileDescriptor: Int32, events: PollEvents = .readable) -> Int {
        items.append(zmq_pollitem_t(socket: nil, fd: fileDescriptor, events: events.rawValue, revents: 0))
        return items.count - 1
    }

    /// Waits up to `timeoutMilliseconds` (-1 = forever, 0 = just look) and returns, per added socket in
    /// order, the events that are ready (empty when none, and all empty on timeout).
    public mutating func poll(timeoutMilliseconds: Int) throws(WireError) -> [PollEvents] {
        let count = Int32(items.count)
        for socket in sockets {
            precondition(!socket.isClosed, "a socket in a Poller was closed before the poll")
        }
        while true {
            let rc = items.withUnsafeMutableBufferPointer { zmq_poll($0.baseAddress, count, timeoutMilliseconds) }
            if rc >= 0 { break }
            if zmq_errno() == EINTR { continue }
            throw WireError.last("zmq_poll")
        }
        return withExtendedLifetime(sockets) { items.map { PollEvents(rawValue: $0.revents) } }
    }
}
