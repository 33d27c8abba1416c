import Foundation
import XenABI

/// The hypervisor core of one emulated machine: machine memory cut into the reserve and one block per domain,
/// the domains and their vCPUs, the hypercall table and the scheduler. `xenarm hypervisor` wraps it in a
/// process; tests drive it directly.
public final class Hypervisor: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var memoryBytes: UInt64
        public var reserveBytes: UInt64
        public var scheduler: Scheduler.Options
        public var domains: [DomainConfig]
        public init(memoryBytes: UInt64, reserveBytes: UInt64, scheduler: Scheduler.Options, domains: [DomainConfig]) {
            self.memoryBytes = memoryBytes; self.reserveBytes = reserveBytes
            self.scheduler = scheduler; self.domains = domains
        }
    }

    public let machine: MachineMemory
    public let reserve: ReservePages
    public let registry = DomainRegistry()
    public let dispatch: HypercallDispatch
    public let clock = GuestClock()
    public let scheduler: Scheduler
    /// Event channels and grant tables of every domain (Dom0's ports live on the bus).
    public let eventChannels: EventChannels
    public let grantTables: GrantTables

    /// Where complete console lines go (default: `[NAME] line` on stdout). Called on vCPU threads.
    public var onConsoleLine: @Sendable (Domain, String) -> Void = { domain, line in
        Hypervisor.printLine("[\(domain.name)] \(line)")
    }
    /// Every `console_io` write's bytes, raw and whole, before they are cut into lines (`xenarm hypervisor` appends
    /// them to the guest's console log, docs/console.md). Called on vCPU threads; nil: nothing.
    public var onConsoleBytes: (@Sendable (Domain, [UInt8]) -> Void)?
    /// Called once per domain when it ends (on the thread that ended it).
    public var onDomainEnded: (@Sendable (Domain, DomainState) -> Void)?

    /// Builds every domain of `configuration` (ids 1, 2, … in order). Throws `DomainBuildError` or
    /// `MachineMemory.AllocationError`.
    public init(_ configuration: Configuration, dispatch: HypercallDispatch = .standard()) throws {
        machine = try MachineMemory(size: configuration.memoryBytes, hypervisorReserve: configuration.reserveBytes)
        reserve = ReservePages(machine: machine)
        self.dispatch = dispatch
        scheduler = Scheduler(options: configuration.scheduler, clock: clock)
        eventChannels = EventChannels(directory: registry)
        grantTables = GrantTables(directory: registry)
        let ops = EventChannelOps(channels: eventChannels)
        let grants = GrantTableOps(copier: GrantCopy(tables: grantTables))
        dispatch.register(.eventChannelOp) { call, _ in .fromRegister(ops.handle(call)) }
        dispatch.register(.grantTableOp) { call, _ in .fromRegister(grants.handle(call)) }
        let builder = DomainBuilder(machine: machine, reserve: reserve)
        for (k, config) in configuration.domains.enumerated() {
            let (domain, boot) = try builder.build(config, id: DomID(UInt16(k + 1)))
            let vcpu = VCPU(index: 0, domain: domain, hypervisor: self)
            vcpu.boot(boot)
            domain.vcpus = [vcpu]
            registry.add(domain)
            eventChannels.addDomain(domain.id, sharedInfo: SharedInfoPage(borrowing: domain.sharedInfo))
            grantTables.add(domain.grantTable)
            // The console and xenstore ports, offered to Dom0 as the toolstack does (HVM params).
            if let console = try? eventChannels.allocUnbound(in: domain.id, remote: .dom0),
               let store = try? eventChannels.allocUnbound(in: domain.id, remote: .dom0) {
                domain.hvmParams[HVMCommand.paramConsoleEvtchn] = UInt64(console)
                domain.hvmParams[HVMCommand.paramStoreEvtchn] = UInt64(store)
            }
            scheduler.add(vcpu)
        }
        registry.onKick = { [unowned self] domain in scheduler.kick(domain) }
        scheduler.onTimer = { [unowned self] vcpu in
            eventChannels.raise(virq: .timer, in: vcpu.domain.id)
        }
        scheduler.eventsWaiting = { [unowned self] domain in
            domain.upcallPending || eventChannels.hasRaised(domain.id)
        }
    }

    /// Every domain in id order.
    public var domains: [Domain] { registry.all }

    /// Starts the pCPU threads: every domain begins to run.
    public func start() { scheduler.start() }

    /// Waits until every domain has ended.
    public func waitUntilAllEnded() { scheduler.waitUntilAllEnded() }

    /// Ends `domain` (shutdown, crash, destroy): only it. The first end wins.
    public func endDomain(_ domain: Domain, _ state: DomainState) {
        guard domain.end(state) else { return }
        eventChannels.removeDomain(domain.id)
        grantTables.remove(domain.id)
        ConsoleIO.flush(domain, self)
        scheduler.domainEnded(domain)
        onDomainEnded?(domain, state)
    }

    func consoleLine(_ domain: Domain, _ line: String) { onConsoleLine(domain, line) }

    private static let outputLock = NSLock()

    /// Writes one line to stdout at once (the launcher's log follows it live).
    public static func printLine(_ text: String) {
        outputLock.lock(); defer { outputLock.unlock() }
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
