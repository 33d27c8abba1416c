import Foundation
import Synchronization

/// Runs vCPUs on a pool of host threads, the pCPUs (DESIGN.md §2 "scheduler"), credit-style:
///
/// - **weight**: each vCPU accrues virtual runtime at `256 / weight` of the host CPU time its slices used (the
///   pCPU thread's CPU clock, not the wall clock: on a loaded host a slice preempted by the host would otherwise
///   be charged for time the guest never ran, and one such slice skews the split for a long while); a free pCPU
///   runs the runnable vCPU with the least virtual runtime, so busy domains share pCPUs in proportion to weight.
/// - **cap**: a domain with cap C% runs at most C% of one pCPU per accounting window (`capWindowNanoseconds`),
///   even when every other pCPU is idle; past it, its vCPUs wait for the next window. The cap counts the wall
///   time its slices held the pCPU (host preemption included: the pCPU was the capped domain's meanwhile), so
///   on a loaded host the capped domain gets C% of what the pCPU delivers, not more.
/// - slices: a vCPU runs `CPU.run(budget: sliceInstructions)` at a time, shorter when it yields or blocks.
/// - wake-ups: an event for the domain (`kick`), its `set_timer_op` deadline, a poll timeout.
/// - idle: a pCPU with nothing to run first spins up to `spinNanoseconds` (yielding the host CPU each turn)
///   watching for new work, then sleeps on the condition. At most one pCPU spins at a time. A guest blocked
///   on a Dom0 answer (an event channel round trip) is then resumed by the pCPU that is already awake, without a
///   futex wake-up and a trip through the host scheduler's run queue.
///
/// One lock guards every vCPU's scheduling fields; a vCPU runs on one pCPU at a time, outside the lock.
public final class Scheduler: @unchecked Sendable {
    public struct Options: Sendable {
        public var pcpus: Int
        public var sliceInstructions: Int
        public var capWindowNanoseconds: UInt64
        /// How long an idle pCPU watches for work before it sleeps (0: sleep at once).
        public var spinNanoseconds: UInt64
        /// A running vCPU looks for events raised for it every this many instructions (and after each
        /// hypercall); 0 = only at the end of its slice (for comparison runs).
        public var eventCheckInstructions: Int
        public init(pcpus: Int, sliceInstructions: Int = 200_000, capWindowNanoseconds: UInt64 = 100_000_000,
                    spinNanoseconds: UInt64 = 100_000, eventCheckInstructions: Int = 8192) {
            self.pcpus = max(1, pcpus); self.sliceInstructions = max(1, sliceInstructions)
            self.capWindowNanoseconds = max(1_000_000, capWindowNanoseconds)
            self.spinNanoseconds = min(spinNanoseconds, 10_000_000)
            self.eventCheckInstructions = max(0, eventCheckInstructions)
        }
    }

    public let options: Options
    let clock: GuestClock
    private let condition = NSCondition()
    private var vcpus: [VCPU] = []
    private var usage: [DomID: UInt64] = [:]
    private var windowStart: UInt64 = 0
    private var started = false
    /// pCPU threads waiting for work: only they need a signal when something becomes runnable. (Signalling
    /// after every slice makes every waiter contend for the lock; on a loaded host a woken thread preempted
    /// while holding it stalls the running pCPUs.)
    private var idle = 0
    /// Bumped (under the lock) whenever something may have become runnable: what a spinning pCPU watches.
    private let generation = Atomic<UInt64>(0)
    /// A pCPU is spinning (at most one: on a loaded host two spinners would take both cores from the threads
    /// that produce the work, the bus thread and the Dom0 processes).
    private var spinning = false
    /// What a spinning pCPU may do meanwhile (serve the hypervisor bus); true when it did something.
    private var idleWork: (@Sendable () -> Bool)?
    /// Set once every vCPU has ended; `waitUntilAllEnded` waits on its own condition.
    private var allEnded = false
    private let ended = NSCondition()
    /// Called (outside the lock) when a vCPU's timer deadline passes.
    var onTimer: ((VCPU) -> Void)?
    /// True if an event waits for the domain (pending in shared_info or raised and not yet delivered).
    var eventsWaiting: ((Domain) -> Bool) = { $0.upcallPending }

    init(options: Options, clock: GuestClock) {
        self.options = options
        self.clock = clock
    }

    /// Work an idle pCPU does while it spins: `BusThread.idleWork`, so a Dom0 notification is handled by the pCPU
    /// that will run the woken guest. Called without the scheduler's lock; must not block.
    public func setIdleWork(_ work: (@Sendable () -> Bool)?) {
        condition.lock(); defer { condition.unlock() }
        idleWork = work
    }

    func add(_ vcpu: VCPU) {
        condition.lock(); defer { condition.unlock() }
        vcpus.append(vcpu)
    }

    /// Starts the pCPU threads.
    func start() {
        condition.lock()
        started = true
        windowStart = clock.now()
        condition.unlock()
        for k in 0..<options.pcpus {
            let thread = Thread { [self] in loop() }
            thread.name = "pcpu\(k)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Blocks the caller until every vCPU has ended.
    func waitUntilAllEnded() {
        ended.lock(); defer { ended.unlock() }
        while !allEnded { ended.wait() }
    }

    /// Wakes the pCPU threads waiting for work, if any (call with the lock held).
    private func wakeIdle() {
        generation.add(1, ordering: .releasing)
        guard idle > 0 else { return }
        // A spinning pCPU sees the generation change and takes one runnable vCPU (or recomputes the deadlines, or
        // notices that every vCPU ended, and then wakes the others): wake the sleepers only if there is more than
        // that to do. Each woken sleeper that finds nothing costs a host context switch per event.
        if spinning && vcpus.lazy.filter({ $0.runState == .runnable }).count <= 1 { return }
        condition.broadcast()
    }

    /// An event became pending for `domain`: wake its blocked vCPUs (a poller only if one of its ports is pending).
    func kick(_ domain: Domain) {
        condition.lock(); defer { condition.unlock() }
        // A poller wakes on any event of its domain too: raised ports reach shared_info only on the vCPU's
        // thread, so which port it was is known after the wake-up (poll returns; the guest checks its ports).
        for v in vcpus where v.domain === domain {
            if v.runState == .blocked { wake(v) }
            // A running vCPU looks at this between instruction chunks (`VCPU.eventCheckInstructions`).
            if v.runState == .running { v.eventsRaised.store(true, ordering: .relaxed) }
        }
        wakeIdle()
    }

    func setTimer(_ vcpu: VCPU, deadline: UInt64?) {
        condition.lock(); defer { condition.unlock() }
        vcpu.timerDeadline = deadline
        wakeIdle()
    }

    /// The domain ended: its vCPUs that are not running end now (a running one ends after its slice).
    func domainEnded(_ domain: Domain) {
        condition.lock(); defer { condition.unlock() }
        for v in vcpus where v.domain === domain && v.runState != .running { v.runState = .ended }
        wakeIdle()
    }

    /// Host nanoseconds each domain has run in the current cap window (for tests and metrics).
    public var windowUsage: [DomID: UInt64] {
        condition.lock(); defer { condition.unlock() }
        return usage
    }

    // MARK: The pCPU loop (runs with the lock held except while a vCPU runs)

    private func wake(_ v: VCPU) {
        v.runState = .runnable
        v.wakeDeadline = nil
        v.pollPorts = []
        // A vCPU that slept does not get to monopolise a pCPU to catch up: it starts level with the least.
        if let least = vcpus.filter({ $0 !== v && $0.runState == .runnable }).map(\.virtualRuntime).min() {
            v.virtualRuntime = max(v.virtualRuntime, least)
        }
    }

    /// Host ns a capped domain may run per window.
    private func allowance(_ d: Domain) -> UInt64 { options.capWindowNanoseconds * UInt64(d.cap) / 100 }

    private func overCap(_ d: Domain) -> Bool {
        d.cap > 0 && (usage[d.id] ?? 0) >= allowance(d)
    }

    /// The instruction budget of `v`'s next slice: the full slice, or for a capped domain no more than what
    /// its remaining allowance buys at the rate it last ran.
    private func budget(_ v: VCPU) -> Int {
        let d = v.domain
        guard d.cap > 0, v.instructionsPerMicrosecond > 0 else { return options.sliceInstructions }
        let left = allowance(d) - min(allowance(d), usage[d.id] ?? 0)
        let affordable = Double(left) / 1000 * v.instructionsPerMicrosecond
        return max(1000, min(options.sliceInstructions, Int(affordable)))
    }

    private func loop() {
        condition.lock()
        /// The generation this pCPU last spun on without seeing work: it sleeps rather than spin on it again.
        var spunOn: UInt64?
        while true {
            if vcpus.allSatisfy({ $0.runState == .ended }) {
                condition.broadcast()
                condition.unlock()
                ended.lock()
                allEnded = true
                ended.broadcast()
                ended.unlock()
                return
            }
            let now = clock.now()
            var fired: [VCPU] = []
            for v in vcpus where v.runState != .ended {
                if let d = v.timerDeadline, d <= now {
                    v.timerDeadline = nil
                    fired.append(v)
                    if v.runState == .blocked && v.pollPorts.isEmpty { wake(v) }
                }
                if v.runState == .blocked, let w = v.wakeDeadline, w <= now { wake(v) }
            }
            if !fired.isEmpty {
                wakeIdle()
                condition.unlock()
                for v in fired { onTimer?(v) }
                condition.lock()
                continue
            }
            if now &- windowStart >= options.capWindowNanoseconds {
                windowStart = now
                // A capped domain's overshoot (its last slice ran past its allowance) is carried into the next
                // window, as Xen's credit scheduler carries negative credit: the long-run share stays at the cap.
                var carried: [DomID: UInt64] = [:]
                for v in vcpus where v.domain.cap > 0 {
                    let used = usage[v.domain.id] ?? 0, allowed = allowance(v.domain)
                    if used > allowed { carried[v.domain.id] = min(used - allowed, allowed) }
                }
                usage = carried
                wakeIdle()
            }
            let candidates = vcpus.filter { $0.runState == .runnable && !overCap($0.domain) }
            if let v = candidates.min(by: { $0.virtualRuntime < $1.virtualRuntime }) {
                v.runState = .running
                let slice = budget(v)
                condition.unlock()
                let t0 = clock.now(), c0 = Self.threadCPUTime()
                let retired = v.cpu.instructionsRetired
                let outcome = v.runSlice(budget: slice)
                let ran = clock.now() &- t0, used = Self.threadCPUTime() &- c0
                if ran > 0 {
                    v.instructionsPerMicrosecond = Double(v.cpu.instructionsRetired &- retired) * 1000 / Double(ran)
                }
                condition.lock()
                finish(v, outcome, ran: ran, used: used)
                wakeIdle()
                continue
            }
            // Nothing to run: watch for work a moment (a Dom0 answer is often a few tens of µs away), then sleep
            // until the next deadline, the next cap window if a capped vCPU waits, or a kick.
            let seen = generation.load(ordering: .acquiring)
            if options.spinNanoseconds > 0, !spinning, spunOn != seen {
                spinning = true
                let work = idleWork
                condition.unlock()
                let until = clock.now() &+ options.spinNanoseconds
                while generation.load(ordering: .acquiring) == seen, clock.now() < until {
                    if work?() != true { sched_yield() }
                }
                condition.lock()
                spinning = false
                spunOn = seen
                continue
            }
            var next: UInt64?
            func consider(_ t: UInt64?) { if let t { next = min(next ?? t, t) } }
            for v in vcpus where v.runState != .ended {
                consider(v.timerDeadline)
                if v.runState == .blocked { consider(v.wakeDeadline) }
                if v.runState == .runnable && overCap(v.domain) { consider(windowStart + options.capWindowNanoseconds) }
            }
            idle += 1
            if let next {
                // At most a second at a time: a guest may ask for a deadline centuries away.
                let wait = min(1.0, Double(next > now ? next - now : 0) / 1e9)
                _ = condition.wait(until: Date(timeIntervalSinceNow: wait))
            } else {
                condition.wait()
            }
            idle -= 1
        }
    }

    /// CPU time of the calling thread, ns (CLOCK_THREAD_CPUTIME_ID).
    static func threadCPUTime() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }

    /// Books a slice: `ran` wall ns (cap usage, `run_ns`), `used` CPU ns of the pCPU thread (virtual runtime).
    private func finish(_ v: VCPU, _ outcome: VCPU.SliceOutcome, ran: UInt64, used: UInt64) {
        let domain = v.domain
        v.virtualRuntime &+= used * 256 / UInt64(max(1, domain.weight))
        usage[domain.id, default: 0] &+= ran
        domain.counters.add(.runNanoseconds, Int64(ran))
        if domain.state.hasEnded {
            v.runState = .ended
            return
        }
        switch outcome {
        case .ranOut:
            v.runState = .runnable
        case .yielded:
            v.runState = .runnable
            if let most = vcpus.filter({ $0 !== v && $0.runState == .runnable }).map(\.virtualRuntime).max() {
                v.virtualRuntime = max(v.virtualRuntime, most &+ 1)
            }
        case let .blocked(deadline, ports):
            // An event that arrived while the slice ended must not be lost: check under the lock.
            let ready = eventsWaiting(domain) || ports.contains(where: { domain.isPortPending($0) })
            if ready || (deadline.map { $0 <= clock.now() } ?? false) {
                v.runState = .runnable
            } else {
                v.runState = .blocked
                v.wakeDeadline = deadline
                v.pollPorts = ports
            }
        case .ended:
            v.runState = .ended
        }
        domain.setBlocked(domain.vcpus.allSatisfy { $0.runState == .blocked })
    }
}
