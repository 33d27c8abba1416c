import Foundation
import Wire

/// Runs a `RequestServer` on its own thread, as a server process would, for tests that talk to it over
/// real sockets. The server is made inside the thread that serves it (sockets are one-thread objects).
final class ServerThread: @unchecked Sendable {
    // @unchecked: `endpoint`/`counters` are written before `ready` is signalled and only read after.
    private(set) var endpoint = ""
    private(set) var counters: WireCounters?
    private(set) var startError: WireError?
    private let stopSignal = StopSignal()
    private let ready = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    init<H: RequestHandler & SendableMetatype>(context: ZMQContext, bind: String, handler: @escaping @Sendable () -> H) {
        let thread = Thread { [self] in
            defer { finished.signal() }
            let server: RequestServer<H>
            do {
                server = try RequestServer(context: context, bind: bind, handler: handler())
            } catch {
                startError = error as? WireError
                ready.signal()
                return
            }
            endpoint = server.endpoint
            counters = server.counters
            ready.signal()
            try? server.run(until: stopSignal, pollMilliseconds: 20)
            server.socket.close()
        }
        thread.start()
        ready.wait()
    }

    /// Waits until the serving loop has returned on its own (e.g. after a context shutdown).
    func waitUntilFinished(timeout: DispatchTime) -> Bool {
        finished.wait(timeout: timeout) == .success
    }

    /// Stops the loop and waits until the server's socket is closed.
    func stop() {
        stopSignal.stop()
        finished.wait()
    }
}

/// A disk held in memory: the smallest real `RequestHandler`, used to drive servers in tests.
struct MemoryDisk: RequestHandler {
    var sectors: [UInt8]
    var readOnly = false
    init(sectorCount: Int) { sectors = [UInt8](repeating: 0, count: sectorCount * diskSectorSize) }

    var acceptedKinds: [MessageKind: UInt16] { [DiskRequest.kind: DiskRequest.version] }

    mutating func handle(_ request: IncomingRequest, reply: inout Reply) throws {
        let r = try request.decode(DiskRequest.self)
        let status = r.check(capacitySectors: UInt64(sectors.count / diskSectorSize), readOnly: readOnly)
        guard status == .ok else { return reply.send(DiskResponse(requestID: r.requestID, status: status)) }
        let range = Int(r.firstSector) * diskSectorSize ..< (Int(r.firstSector) + Int(r.sectorCount)) * diskSectorSize
        switch r.op {
        case .read: reply.send(DiskResponse(requestID: r.requestID, status: .ok, data: Array(sectors[range])))
        case .write:
            sectors.replaceSubrange(range, with: r.data)
            reply.send(DiskResponse(requestID: r.requestID, status: .ok))
        default: reply.send(DiskResponse(requestID: r.requestID, status: .ok))
        }
    }
}

/// A unique ipc endpoint in the temporary directory.
func temporaryIPCEndpoint(_ name: String) -> String {
    "ipc://\(NSTemporaryDirectory())xenarm-wire-\(getpid())-\(name)-\(UInt32.random(in: 0 ... .max)).sock"
}
