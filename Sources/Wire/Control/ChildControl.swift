import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The supervised process's side of the control channel (docs/launcher.md, "Process contract").
///
/// A child calls `ChildControl.guardParentDeath()` as early as it can, then `ChildControl.start(...)` once its
/// own sockets are bound. From then on a background thread owns a DEALER (routing id = the process name)
/// connected to the launcher's ROUTER: it sends `ready` once, `metrics` every `metricsInterval` from the
/// snapshot closure, and calls `onShutdown` when the launcher sends `shutdown`.
///
/// A child must never outlive its launcher, even one killed with SIGKILL: the kernel sends it SIGTERM when its
/// parent dies (PR_SET_PDEATHSIG), and the background thread also exits the process if its parent changes (in case
/// the process handles SIGTERM and is slow to act on it).
public final class ChildControl: Sendable {
    /// The launcher puts its own pid here, so a child can tell whether it is still the launcher's child.
    public static let launcherPidVariable = "XENARM_LAUNCHER_PID"
    /// How often `metrics` is sent: often enough for `xenarm status` to look live, rare enough to cost nothing.
    public static let metricsIntervalMilliseconds = 500

    public let name: String
    public let controlEndpoint: String
    private let stopped = Atomic<Bool>(false)
    /// Messages other threads asked to send (`post`), sent by the control thread in order.
    private let outbox = Mutex<[ControlMessage]>([])

    private init(name: String, controlEndpoint: String) {
        self.name = name; self.controlEndpoint = controlEndpoint
    }

    /// Arranges for SIGTERM when the parent dies, then checks that the parent is still the launcher named by
    /// `XENARM_LAUNCHER_PID` (it may have died between our fork and the prctl). Does nothing for a process
    /// started by hand (no variable). Exits with status 1 if the launcher is already gone.
    public static func guardParentDeath() {
        guard let text = ProcessInfo.processInfo.environment[launcherPidVariable], let launcher = Int32(text) else {
            return
        }
        setParentDeathSignal(SIGTERM)
        if getppid() != launcher {
            FileHandle.standardError.write(Data("launcher \(launcher) is gone (parent is \(getppid())): exiting\n".utf8))
            exit(1)
        }
    }

    /// Connects to the launcher and starts reporting. Returns nil when `control` is nil (a process run by hand).
    ///
    /// - Parameters:
    ///   - endpoint: the address this process serves on, reported in `ready`.
    ///   - counters: a snapshot of the process's counters (`requests`, `bytes`, `errors`, `malformed`, ...);
    ///     called on the control thread, so it must be thread-safe.
    ///   - onShutdown: called on the control thread when the launcher asks this process to exit. The default
    ///     exits at once with status 0; a process with state to flush passes its own.
    public static func start(name: String, control: String?, endpoint: String,
                             counters: @escaping @Sendable () -> [String: Int64],
                             onShutdown: @escaping @Sendable () -> Void = { exit(0) }) throws -> ChildControl? {
        guard let control else { return nil }
        guardParentDeath()
        let socket = try ControlSocket.dealer(connecting: control, identity: name)
        let child = ChildControl(name: name, controlEndpoint: control)
        let launcher = ProcessInfo.processInfo.environment[launcherPidVariable].flatMap { Int32($0) }
        // libzmq allows moving a socket to another thread with a full barrier between uses; the thread
        // start is one, and this thread never touches the socket again.
        let handOver = SocketHandOver(socket: socket)
        let pid = getpid()
        let thread = Thread {
            child.run(socket: handOver.socket, pid: pid, endpoint: endpoint, launcher: launcher,
                      counters: counters, onShutdown: onShutdown)
        }
        thread.name = "control"
        thread.start()
        return child
    }

    /// Queues `message` for the launcher (from any thread); the control thread sends it within a poll interval.
    public func post(_ message: ControlMessage) {
        outbox.withLock { $0.append(message) }
    }

    /// Waits up to `milliseconds` for every posted message to be handed to the socket (before exiting).
    public func flush(milliseconds: Int) {
        let deadline = Date().addingTimeInterval(Double(milliseconds) / 1000)
        while Date() < deadline && !outbox.withLock({ $0.isEmpty }) { usleep(5_000) }
    }

    /// Stops reporting (the thread ends within a poll interval). The process itself keeps running.
    public func stop() { stopped.store(true, ordering: .relaxed) }

    private func run(socket: ControlSocket, pid: Int32, endpoint: String, launcher: Int32?,
                     counters: @Sendable () -> [String: Int64], onShutdown: @Sendable () -> Void) {
        socket.send([ControlMessage.ready(name: name, pid: pid, endpoint: endpoint).encoded()])
        let interval = Double(Self.metricsIntervalMilliseconds) / 1000
        var nextMetrics = Date().addingTimeInterval(interval)
        var shutdownCalled = false
        while !stopped.load(ordering: .relaxed) {
            if let launcher, getppid() != launcher {
                FileHandle.standardError.write(Data("\(name): launcher \(launcher) is gone: exiting\n".utf8))
                exit(1)
            }
            for message in outbox.withLock({ q -> [ControlMessage] in defer { q.removeAll() }; return q }) {
                socket.send([message.encoded()])
            }
            let wait = max(0, min(20, Int(nextMetrics.timeIntervalSinceNow * 1000)))
            if let frames = socket.receive(timeoutMilliseconds: wait), let last = frames.last,
               let message = try? ControlMessage(decoding: last), message == .shutdown, !shutdownCalled {
                shutdownCalled = true
                onShutdown()
            }
            if nextMetrics.timeIntervalSinceNow <= 0 {
                socket.send([ControlMessage.metrics(name: name, counters: counters()).encoded()])
                nextMetrics = Date().addingTimeInterval(interval)
            }
        }
    }

    /// prctl(2) is variadic in glibc's header, which Swift cannot call; its arguments are plain machine words,
    /// so it is called through a non-variadic pointer (same registers on x86-64 and AArch64 for integer arguments).
    private static func setParentDeathSignal(_ signal: Int32) {
        #if os(Linux)
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "prctl") else { return }
        let prctl = unsafeBitCast(symbol, to: Prctl.self)
        let PR_SET_PDEATHSIG: Int32 = 1  // <linux/prctl.h>
        _ = prctl(PR_SET_PDEATHSIG, UInt(signal), 0, 0, 0)
        #endif
    }
}

/// Carries the control socket from the caller's thread to the control thread (see `start`).
private final class SocketHandOver: @unchecked Sendable {
    let socket: ControlSocket
    init(socket: ControlSocket) { self.socket = socket }
}
