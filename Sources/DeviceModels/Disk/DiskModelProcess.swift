import Logging
import Wire

/// One `xenarm device disk` process as a library type: the image, the server socket, the serving loop.
/// The executable only parses flags and calls this; tests run it in-process on a thread of their own.
///
/// Threading: make it and call `run` on the same thread (its socket is single-threaded). `stop` and `counters`
/// are safe from any thread (the control thread uses both).
public final class DiskModelProcess {
    public struct Configuration: Sendable {
        public var name: String
        public var endpoint: String
        public var imagePath: String
        public var size: UInt64
        public var create: Bool
        public var readOnly: Bool

        public init(name: String, endpoint: String, imagePath: String, size: UInt64, create: Bool = false,
                    readOnly: Bool = false) {
            self.name = name
            self.endpoint = endpoint
            self.imagePath = imagePath
            self.size = size
            self.create = create
            self.readOnly = readOnly
        }
    }

    public let configuration: Configuration
    public let stopSignal: StopSignal
    public let metrics = DiskMetrics()
    private let server: RequestServer<DiskModel>
    private let logger: Logger

    /// The endpoint actually bound (the real port for `tcp://host:*`).
    public var endpoint: String { server.endpoint }

    /// Opens (or creates) the image and binds the endpoint. Throws `DiskError` for the image, `WireError` for
    /// the socket; both describe the thing by name in one line.
    public init(_ configuration: Configuration, context: ZMQContext, stopSignal: StopSignal = StopSignal()) throws {
        self.configuration = configuration
        self.stopSignal = stopSignal
        var logger = Logger(label: "xenarm.device.disk")
        logger[metadataKey: "name"] = "\(configuration.name)"
        self.logger = logger
        let image = try DiskImage(path: configuration.imagePath, size: configuration.size,
                                  create: configuration.create, readOnly: configuration.readOnly)
        do {
            server = try RequestServer(context: context, bind: configuration.endpoint,
                                       handler: DiskModel(image: image, metrics: metrics), logger: logger)
        } catch {
            throw DiskModelProcessError.bind(endpoint: configuration.endpoint, error: error)
        }
        logger.info("serving \(configuration.imagePath) (\(configuration.size) bytes\(configuration.readOnly ? ", read-only" : "")) on \(server.endpoint)")
    }

    /// A thread-safe reader of the counters, for `ChildControl`'s metrics.
    public var counters: @Sendable () -> [String: Int64] {
        let metrics = self.metrics, wire = server.counters
        return { metrics.counters(wire: wire.snapshot()) }
    }

    /// Serves until `stopSignal` is set, then flushes the image so a clean shutdown loses nothing.
    public func run() throws {
        try server.run(until: stopSignal)
        try server.handler.image.flush()
        let summary = counters().sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        logger.info("stopped: \(summary)")
    }
}

/// A disk model that cannot start because its endpoint cannot be bound (in use, bad address, no permission).
public enum DiskModelProcessError: Error, CustomStringConvertible {
    case bind(endpoint: String, error: WireError)

    public var description: String {
        switch self {
        case .bind(let endpoint, let error): return "cannot bind disk endpoint \(endpoint): \(error)"
        }
    }
}
