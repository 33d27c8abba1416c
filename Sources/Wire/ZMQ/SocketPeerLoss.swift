/// Tells a connecting socket's owner that the peer it was waiting on went away, so a request in flight can be
/// sent again as soon as the peer is back instead of after a whole timeout (docs/restart.md, "Prompt resend").
///
/// A SIGKILLed server closes its end of every connection: libzmq reports `ZMQ_EVENT_DISCONNECTED` on the
/// client's monitor at once. A request sent before that is lost with the server; a reply already received is
/// read first (the socket is checked before the monitor), so a server that answered and then died is not
/// asked twice. The timeout stays the fallback for a peer that hangs without closing.
public final class SocketPeerLoss {
    private let monitor: SocketMonitor

    /// What one wait ended with.
    public enum Outcome {
        /// A message (its parts) arrived on the watched socket.
        case message([[UInt8]])
        /// The peer's connection closed while waiting: what was sent on it is lost.
        case peerLost
        case timedOut
    }

    public init(watching socket: ZMQSocket) throws(WireError) {
        monitor = try SocketMonitor(socket, kinds: [.disconnected])
    }

    /// Forgets disconnections seen so far: call right before sending, so a peer that restarted while idle (libzmq
    /// reconnected the socket meanwhile) does not cut the next wait short.
    public func clear() {
        while (try? monitor.socket.tryReceiveMultipart()) != nil {}
    }

    /// Waits until `deadline` for the next message of `socket` (the watched one) or the loss of its peer.
    public func receive(_ socket: ZMQSocket, until deadline: ContinuousClock.Instant) throws(WireError) -> Outcome {
        while true {
            if let parts = try socket.tryReceiveMultipart() { return .message(parts) }
            if let event = try monitor.socket.tryReceiveMultipart() {
                if (try? SocketMonitor.decode(event))?.kind == .disconnected { return .peerLost }
                continue
            }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return .timedOut }
            var poller = Poller()
            _ = poller.add(socket)
            _ = poller.add(monitor.socket)
            let (s, atto) = left.components
            _ = try poller.poll(timeoutMilliseconds: max(1, Int(s * 1000 + atto / 1_000_000_000_000_000)))
        }
    }
}
