import Foundation
import Logging
import Wire
import XenABI
#if canImport(Glibc)
import Glibc
#endif

/// One `xenarm xenstored` process as a library type: the daemon core, its ZeroMQ ROUTER for Dom0 processes
/// (one xs_wire message per frame, the routing id is the connection), and its Unix socket speaking exact
/// xs_wire as a byte stream (Debian's xenstore-* tools, `XENSTORED_PATH`).
///
/// One loop does everything: poll, read whole messages, hand them to the core, make the journal durable
/// (one fdatasync covers every request read in that round), then deliver replies and watch events.
///
/// Threading: make it and call `run` on the same thread; `stopSignal` and `counters` work from any thread.
public final class XenstoredProcess {
    public struct Configuration: Sendable {
        public var name: String
        public var endpoint: String
        public var socketPath: String?
        public var stateDirectory: String
        public var quota: XenstoreQuota

        public init(name: String, endpoint: String, socketPath: String?, stateDirectory: String,
                    quota: XenstoreQuota = XenstoreQuota()) {
            self.name = name; self.endpoint = endpoint; self.socketPath = socketPath
            self.stateDirectory = stateDirectory; self.quota = quota
        }
    }

    /// A Unix-socket client: its fd, its connection in the core, bytes read but not yet a whole message,
    /// bytes to write and where each queued message ends (for the outstanding-message count).
    final class SocketClient {
        let fd: Int32
        let connection: Int
        var input: [UInt8] = []
        var output: [UInt8] = []
        var written = 0
        var messageEnds: [Int] = []
        var closeAfterFlush = false
        init(fd: Int32, connection: Int) { self.fd = fd; self.connection = connection }
        var queuedMessages: Int { messageEnds.count }
    }

    /// Frames bigger than this are cut off by libzmq (the peer is disconnected); between a maximal xs_wire
    /// message and this, the daemon answers E2BIG. 64 KiB: big enough to answer honest mistakes.
    static let zmqMaximumFrame: Int64 = 64 << 10
    /// Messages read from the ROUTER per round before the journal is synced and replies go out: bounds a
    /// reply's latency while letting one fdatasync cover a burst.
    static let zmqBatch = 256

    public let configuration: Configuration
    public let stopSignal: StopSignal
    public let daemon: Xenstored
    private let router: ZMQSocket
    private let listenFD: Int32
    private var clients: [Int32: SocketClient] = [:]
    private var clientByConnection: [Int: SocketClient] = [:]
    /// Messages for ZeroMQ watchers that are not connected (yet): held and retried each round. Only clients
    /// with watches get them held (their watches persist); others lose a reply they are not there to read.
    private var held: [[UInt8]: [[UInt8]]] = [:]
    /// Held messages per client before the oldest are dropped: a watcher that never comes back must not
    /// grow the daemon without bound.
    static let maximumHeldPerClient = 4096
    private var logger: Logger
    /// One read buffer for every client (the loop is single-threaded): 64 KiB takes a pipelined burst at once.
    private var readBuffer = [UInt8](repeating: 0, count: 65536)
    public var endpoint: String

    public init(_ configuration: Configuration, context: ZMQContext, stopSignal: StopSignal = StopSignal()) throws {
        self.configuration = configuration
        self.stopSignal = stopSignal
        var logger = Logger(label: "xenarm.xenstored")
        logger[metadataKey: "name"] = "\(configuration.name)"
        self.logger = logger
        let started = Date()
        let state = try XenstoreStateDirectory(path: configuration.stateDirectory)
        daemon = try Xenstored(quota: configuration.quota, stateDirectory: state)
        router = try context.socket(.router)
        try router.set(.maxMessageSize(Self.zmqMaximumFrame))
        // Mandatory routing: a send to a routing id that is not connected fails at once instead of vanishing, so
        // events for a watcher that has not reconnected yet (after our restart) can be held for it.
        try router.set(.routerMandatory(true))
        try router.bind(configuration.endpoint)
        endpoint = (try? router.lastEndpoint()) ?? configuration.endpoint
        if let path = configuration.socketPath {
            listenFD = try Self.listen(path)
        } else {
            listenFD = -1
        }
        logger.info("""
            serving on \(endpoint)\(configuration.socketPath.map { " and " + $0 } ?? ""); state in \
            \(configuration.stateDirectory): \(daemon.tree.nodes.count) nodes, \(daemon.domains.count) domains, \
            epoch \(daemon.epoch), restored in \(Int(Date().timeIntervalSince(started) * 1000)) ms
            """)
    }

    deinit {
        for fd in clients.keys { close(fd) }
        if listenFD >= 0 { close(listenFD) }
    }

    public var counters: @Sendable () -> [String: Int64] {
        let metrics = daemon.metrics
        return { metrics.counters() }
    }

    static func listen(_ path: String) throws -> Int32 {
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw XenstorePersistError.io("socket", errno: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw XenstorePersistError.io("socket path \(path) is too long", errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { let e = errno; close(fd); throw XenstorePersistError.io("bind \(path)", errno: e) }
        guard Glibc.listen(fd, 64) == 0 else { let e = errno; close(fd); throw XenstorePersistError.io("listen \(path)", errno: e) }
        return fd
    }

    /// Serves until `stopSignal` is set.
    public func run(pollMilliseconds: Int = 100) throws {
        while !stopSignal.isStopped {
            var poller = Poller()
            poller.add(router)
            if listenFD >= 0 { poller.add(fileDescriptor: listenFD) }
            let order = Array(clients.values)
            let limit = configuration.quota.outstandingRequestsPrivileged
            for c in order {
                var events: PollEvents = []
                if c.queuedMessages < limit && !c.closeAfterFlush { events.insert(.readable) }
                if c.written < c.output.count { events.insert(.writable) }
                poller.add(fileDescriptor: c.fd, events: events)
            }
            let ready: [PollEvents]
            do {
                ready = try poller.poll(timeoutMilliseconds: pollMilliseconds)
            } catch {
                if case .contextTerminated = error { break }
                throw error
            }
            if ready[0].contains(.readable) { serveRouter() }
            var index = 1
            if listenFD >= 0 {
                if ready[1].contains(.readable) { acceptClients() }
                index = 2
            }
            for (i, c) in order.enumerated() where ready[index + i].contains(.readable) { readClient(c) }
            try daemon.commit()
            deliver()
            if !held.isEmpty { retryHeld() }
            for (i, c) in order.enumerated() where clients[c.fd] != nil {
                if !ready[index + i].isEmpty || c.written < c.output.count { flush(c) }
            }
            daemon.metrics.nodes.store(Int64(daemon.tree.nodes.count), ordering: .relaxed)
        }
        try daemon.commit()
        logger.info("stopped: \(daemon.metrics.counters().sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
    }

    // MARK: ZeroMQ

    private func serveRouter() {
        for _ in 0 ..< Self.zmqBatch {
            let parts: [[UInt8]]
            do {
                guard let p = try router.tryReceiveMultipart() else { return }
                parts = p
            } catch {
                return
            }
            // A ROUTER message is [routing id, frame]; a DEALER that sent several frames as one message broke
            // the one-message-per-frame rule: each frame is answered as a message of its own.
            guard parts.count >= 2 else { continue }
            let connection = daemon.connect(.zmq(routingID: parts[0]))
            for frame in parts.dropFirst() { daemon.handle(connection: connection, frame: frame) }
        }
    }

    // MARK: Unix socket

    private func acceptClients() {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 { return }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            let connection = daemon.connect(.socket)
            let client = SocketClient(fd: fd, connection: connection)
            clients[fd] = client
            clientByConnection[connection] = client
        }
    }

    private func readClient(_ c: SocketClient) {
        let n = readBuffer.withUnsafeMutableBytes { read(c.fd, $0.baseAddress, $0.count) }
        if n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) { return drop(c) }
        guard n > 0 else { return }
        c.input += readBuffer[0 ..< n]
        var at = 0
        while c.input.count - at >= XsHeader.size, !c.closeAfterFlush {
            let header = XsHeader(bytes: c.input[at ..< at + XsHeader.size])!
            if Int(header.length) > XsLimits.payloadMax {
                // The stream cannot be resynchronised past a length we refuse to read: answer and hang up
                // (Xen's xenstored drops such a client too).
                daemon.metrics.malformed.add(1, ordering: .relaxed)
                daemon.outbox.append((c.connection, XsMessage(type: .error, requestID: header.requestID,
                                                              transactionID: header.transactionID,
                                                              strings: [XsError.E2BIG.name])))
                c.closeAfterFlush = true
                break
            }
            let end = at + XsHeader.size + Int(header.length)
            guard c.input.count >= end else { break }
            daemon.metrics.requests.add(1, ordering: .relaxed)
            daemon.dispatch(connection: c.connection, header: header, payload: Array(c.input[(at + XsHeader.size) ..< end]))
            at = end
        }
        c.input.removeFirst(at)
    }

    private func drop(_ c: SocketClient) {
        close(c.fd)
        clients[c.fd] = nil
        clientByConnection[c.connection] = nil
        daemon.disconnect(c.connection)
        daemon.metrics.connectionsClosed.add(1, ordering: .relaxed)
    }

    private func flush(_ c: SocketClient) {
        while c.written < c.output.count {
            let n = c.output[c.written...].withUnsafeBytes { send(c.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { break }
                return drop(c)
            }
            c.written += n
        }
        let done = c.messageEnds.prefix { $0 <= c.written }.count
        c.messageEnds.removeFirst(done)
        if c.written == c.output.count {
            c.output.removeAll(keepingCapacity: true)
            c.written = 0
            c.messageEnds.removeAll()
            if c.closeAfterFlush { drop(c) }
        } else if c.written > 1 << 20 {
            c.output.removeFirst(c.written)
            c.messageEnds = c.messageEnds.map { $0 - c.written }
            c.written = 0
        }
    }

    // MARK: delivery

    /// Sends one frame to a ZeroMQ client; false when it is not connected.
    private func sendZMQ(_ identity: [UInt8], _ frame: [UInt8]) -> Bool {
        do {
            try router.send(identity, more: true, dontWait: true)
        } catch {
            return false  // unreachable (not connected) or its queue is full: nothing was sent
        }
        _ = try? router.send(frame, dontWait: true)
        return true
    }

    private func retryHeld() {
        for (identity, queue) in held {
            var sent = 0
            for frame in queue {
                guard sendZMQ(identity, frame) else { break }
                sent += 1
            }
            held[identity] = sent == queue.count ? nil : Array(queue.dropFirst(sent))
        }
    }

    /// Sends every queued reply and event: ZeroMQ at once (a peer that is gone or full loses it), socket
    /// clients into their buffers (a client that stops reading past the limit is dropped).
    private func deliver() {
        let queued = daemon.outbox
        daemon.outbox.removeAll(keepingCapacity: true)
        var touchedZMQ = Set<Int>()
        for (connection, message) in queued {
            guard let kind = daemon.connectionKind(connection) else { continue }
            switch kind {
            case let .zmq(identity):
                touchedZMQ.insert(connection)
                let frame = message.encoded()
                if held[identity] != nil || !sendZMQ(identity, frame), daemon.hasWatches(connection) {
                    var queue = held[identity] ?? []
                    if queue.count >= Self.maximumHeldPerClient { queue.removeFirst() }
                    queue.append(frame)
                    held[identity] = queue
                }
            case .socket:
                guard let c = clientByConnection[connection] else { continue }
                if c.queuedMessages >= configuration.quota.maximumQueuedMessages {
                    logger.warning("socket client \(connection) has \(c.queuedMessages) messages unread: dropped")
                    drop(c)
                    continue
                }
                c.output += message.encoded()
                c.messageEnds.append(c.output.count)
            case .ring, .local:
                continue
            }
        }
        for connection in touchedZMQ { daemon.forgetIfStateless(connection) }
    }
}
