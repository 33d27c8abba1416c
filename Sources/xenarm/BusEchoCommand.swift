import ArgumentParser
import Foundation
import Hypervisor
import Wire

/// `xenarm bus-echo`: a minimal Dom0 process on the hypervisor bus (docs/hypervisor-bus.md). It authenticates
/// as --name, binds a Dom0 port to the guest's --port in --domain, and answers every event on it with a notify
/// back: the Dom0 half of the event channel round trip guest → Dom0 process → guest (the guest half is
/// Guests/apps/evtchn-ping). It stops after --count events, when the domain ends, or after --idle seconds
/// without an event.
struct BusEchoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bus-echo",
        abstract: "Dom0 test process: echo a guest's event channel notifications over the hypervisor bus.")

    @Option(help: "The hypervisor bus endpoint (the hypervisor's --endpoint).")
    var endpoint: String

    @Option(help: "The launch's bus secret file (RUN/bus.secret).")
    var busSecret: String

    @Option(help: "The process name to authenticate as (a backend or xenstored of the topology).")
    var name: String

    @Option(help: "The guest domain id.")
    var domain: UInt16

    @Option(help: "The guest's port offered to Dom0.")
    var port: UInt32

    @Option(help: "Stop after this many events (0: until the domain ends).")
    var count: Int = 0

    @Option(help: "Stop after this many seconds without an event.")
    var idle: Int = 30

    func run() throws {
        let secret: [UInt8]
        do { secret = try BusSecret.load(from: busSecret) } catch {
            FileHandle.standardError.write(Data("bus-echo: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let context = try ZMQContext()
        let client = try BusClient(context: context, endpoint: endpoint, name: name, secret: secret)
        let local = try client.bindInterdomain(domain: domain, remotePort: port)
        say("bus-echo: bound d\(domain) port \(port) to Dom0 port \(local)")
        var echoed = 0
        while count == 0 || echoed < count {
            guard let push = try client.nextPush(timeout: .seconds(idle)) else {
                say("bus-echo: idle for \(idle) s after \(echoed) events")
                break
            }
            switch push {
            case let .event(p) where p == local:
                // One-way (BusSignal): the echo does not wait for an acknowledgement the guest does not need.
                try client.signal(port: local)
                echoed += 1
            case let .domain(e) where e.domain == domain && e.event != .created:
                say("bus-echo: domain \(domain) ended (event \(e.event.rawValue))")
                say("bus-echo: echoed \(echoed) events")
                return
            default:
                continue
            }
        }
        say("bus-echo: echoed \(echoed) events")
        if client.signalRefusals > 0 {
            say("bus-echo: \(client.signalRefusals) signals refused (\(client.lastSignalRefusal ?? ""))")
        }
    }

    /// One line on stdout at once (a test waits for it).
    private func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
}
