import Foundation
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// The CLI's side of the control socket (`xenarm status/kill/restart/stop`): one request, one reply.
public enum ControlClient {
    /// Sends `message` to the launcher of `run` and waits up to `timeoutMilliseconds` for its reply.
    public static func request(_ message: ControlMessage, run: RunDirectory,
                               timeoutMilliseconds: Int = 3_000) throws -> ControlReply {
        // connect() to an ipc path nobody listens on succeeds and waits forever: check the path first so the
        // common case (no launch running) gets a precise message at once.
        guard access(run.controlSocketFile, F_OK) == 0 else { throw SupervisorError.noLauncher(runDirectory: run.path) }
        let socket: ControlSocket
        do {
            socket = try ControlSocket.dealer(connecting: run.controlEndpoint)
        } catch {
            throw SupervisorError.control(String(describing: error))
        }
        socket.send([message.encoded()])
        guard let frames = socket.receive(timeoutMilliseconds: timeoutMilliseconds), let last = frames.last else {
            throw SupervisorError.noLauncher(runDirectory: run.path)
        }
        do {
            return try ControlReply(decoding: last)
        } catch {
            throw SupervisorError.control("bad reply from the launcher: \(error)")
        }
    }

    /// Waits until the launcher of `run` has exited (its lock is free), up to `timeoutMilliseconds`.
    public static func waitForExit(run: RunDirectory, timeoutMilliseconds: Int) -> Bool {
        let fd = open(run.lockFile, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return true }
        defer { close(fd) }
        let deadline = Monotonic.milliseconds() + timeoutMilliseconds
        while Monotonic.milliseconds() < deadline {
            if flock(fd, LOCK_SH | LOCK_NB) == 0 {
                flock(fd, LOCK_UN)
                return true
            }
            usleep(20_000)
        }
        return false
    }
}
