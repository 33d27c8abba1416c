import Logging
import Wire

/// One `xenarm device terminal` process as a library type: the log, the server socket, the loop that also sends
/// the model's unsolicited frames (output to attached users, input to the console side).
///
/// Threading: make it and call `run` on the same thread. `stopSignal` and `counters` are safe from any thread.
public final class TerminalModelProcess {
    public struct Configuration: Sendable {
        public var name: String
        public var endpoint: String
        public var logPath: String

        public init(name: String, endpoint: String, logPath: String) {
            self.name = name
            self.endpoint = endpoint
            self.logPath = logPath
        }
    }

    public let configuration: Configuration
    public let stopSignal: StopSignal
    public let metrics = TerminalMetrics()
    private let server: RequestServer<TerminalModel>
    private let logger: Logger

    public var endpoint: String { server.endpoint }

    public init(_ configuration: Configuration, context: ZMQContext, stopSignal: StopSignal = StopSignal()) throws {
        self.configuration = configuration
        self.stopSignal = stopSignal
        var logger = Logger(label: "xenarm.device.terminal")
        logger[metadataKey: "name"] = "\(configuration.name)"
        self.logger = logger
        let log = try TerminalLog(path: configuration.logPath)
        do {
            server = try RequestServer(context: context, bind: configuration.endpoint,
                                       handler: TerminalModel(log: log, metrics: metrics), logger: logger)
        } catch {
            throw TerminalError.bind(endpoint: configuration.endpoint, detail: "\(error)")
        }
        logger.info("logging to \(configuration.logPath), serving on \(server.endpoint)")
    }

    public var counters: @Sendable () -> [String: Int64] {
        let metrics = self.metrics, wire = server.counters
        return { metrics.counters(wire: wire.snapshot()) }
    }

    /// Serves until `stopSignal` is set; the log is fsynced on the way out.
    public func run(pollMilliseconds: Int = 100) throws {
        while !stopSignal.isStopped {
            // (Result instead of `catch .contextTerminated`: Swift 6.3 crashes compiling that typed-throws pattern.)
            let served = Result { () throws(WireError) in try server.serve(timeoutMilliseconds: pollMilliseconds) }
            if case .failure(let error) = served {
                if case .contextTerminated = error { break }
                throw error
            }
            deliverOutbox()
            server.handler.log.syncIfDue()
        }
        server.handler.log.sync()
        let summary = counters().sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        logger.info("stopped: \(summary)")
    }

    /// Sends the queued unsolicited frames without blocking. A peer that is gone is forgotten; a peer whose
    /// queue is full loses this frame (counted): a slow user must not stall the console.
    private func deliverOutbox() {
        guard !server.handler.outbox.isEmpty else { return }
        let queued = server.handler.outbox
        server.handler.outbox.removeAll(keepingCapacity: true)
        var gone = Set<PeerID>()
        for (peer, frame) in queued where !gone.contains(peer) {
            let sent = Result { () throws(WireError) in
                try server.socket.send(peer.bytes, more: true, dontWait: true)
                try server.socket.send(frame, dontWait: true)
            }
            if case .failure(let error) = sent {
                if case .peerUnreachable = error {
                    gone.insert(peer)
                } else {
                    metrics.deliveriesDropped.add(1, ordering: .relaxed)
                }
            }
        }
        for peer in gone {
            logger.info("peer \(peer) is gone: detached")
            server.handler.forget(peer)
        }
    }
}
