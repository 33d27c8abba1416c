import Foundation
import Logging
import Wire

/// Runs a `BusServer` on a thread of its own, as the hypervisor process does: the server (and its sockets) is
/// created on that thread, `start` returns once it is bound, and `stop` ends the loop and waits for it.
/// Before returning, `start` sets `channels.dom0Sink` to the server's outbox.
public final class BusThread: @unchecked Sendable {
    // @unchecked: the fields are written on the bus thread before `ready` is signalled and only read after.
    public private(set) var endpoint = ""
    public private(set) var counters = BusCounters()
    private var box: BusOutbox?
    private var failure: Error?
    private let stopSignal = StopSignal()
    private let ready = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    private var serving: BusServer?

    /// Give this to `Scheduler.setIdleWork`: an idle pCPU then serves queued bus requests itself
    /// (`BusServer.serveIfReady`).
    public var idleWork: @Sendable () -> Bool {
        let server = serving!
        return { server.serveIfReady() }
    }

    /// Lifecycle events go here (`BusOutbox.domainEvent`).
    public var outbox: BusOutbox { box! }

    /// Binds `endpoint` and starts serving. Throws the bind or socket error.
    public static func start(context: ZMQContext, endpoint: String, secret: [UInt8], policy: BusPolicy,
                             channels: EventChannels, copier: GrantCopy,
                             parameters: @escaping BusServer.ParameterSource = { _, _ in (false, nil) },
                             logger: Logger = Logger(label: "xenarm.bus")) throws -> BusThread {
        let bus = BusThread()
        let thread = Thread { [bus] in
            defer { bus.finished.signal() }
            let server: BusServer
            do {
                server = try BusServer(context: context, bind: endpoint, secret: secret, policy: policy,
                                       channels: channels, copier: copier, parameters: parameters, logger: logger)
            } catch {
                bus.failure = error
                bus.ready.signal()
                return
            }
            bus.endpoint = server.endpoint
            bus.counters = server.counters
            bus.box = server.outbox
            bus.serving = server
            bus.ready.signal()
            try? server.run(until: bus.stopSignal, pollMilliseconds: 100)
            server.retire()
        }
        thread.name = "xenarm-bus"
        thread.start()
        bus.ready.wait()
        if let failure = bus.failure { throw failure }
        return bus
    }

    /// Ends the serving loop (within its 100 ms poll) and waits until its sockets are closed.
    public func stop() {
        stopSignal.stop()
        finished.wait()
    }
}
