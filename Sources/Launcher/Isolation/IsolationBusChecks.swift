import Foundation
import Wire

/// The hostile Dom0 peer's attacks on the hypervisor bus (docs/hypervisor-bus.md): every one is a real frame
/// on the real ROUTER, answered by the hypervisor; the refusals must also show in its counters (`bus.*` in
/// `xenarm status` metrics). The positive controls use the same connection with the real secret.
struct IsolationBusChecks {
    let launch: IsolationLaunch
    let roles: IsolationRoles
    let secret: [UInt8]
    let endpoint: String
    /// Refs the grant probe exported to Dom0 (`GRANT rw ref=R`): a backend not serving that domain asks for them.
    let exportedRef: UInt32?
    /// The port the offering probe left for Dom0 (`EVTCHN offered port=P`).
    let offeredPort: UInt32?
    let quietProgress: (Double, Double) -> Int

    private let g = "bus"

    func run() -> [IsolationCheck] {
        guard let context = try? ZMQContext() else {
            return [IsolationCheck(group: g, name: "peer", attempted: "open a ZeroMQ context", expected: "ok",
                                   observed: "failed", control: "not run", verdict: .fails)]
        }
        defer { context.shutdown() }
        // The first metrics report comes 500 ms after the hypervisor is ready: the baseline must be one.
        var before = launch.counters("hypervisor")
        launch.log.wait(5) { _ in
            before = launch.counters("hypervisor")
            return before["bus.received"] != nil
        }
        var checks: [IsolationCheck] = []
        var sent = (unauthenticated: 0, unauthorized: 0, replayed: 0, malformed: 0)

        // The control for every admission check: the real secret under the victim's backend name is welcome.
        let backend = roles.victimBackend ?? "cons-victim"
        func welcome() -> (String, Bool) {
            guard let peer = try? IsolationBusPeer(context: context, endpoint: endpoint) else { return ("no socket", false) }
            switch peer.hello(secret: secret, name: backend) {
            case let .success(domains): return ("the real secret as \(backend): welcome for \(domains)", true)
            case let .failure(e): return ("the real secret as \(backend): \(e.reply)", false)
            }
        }

        // Taken once: each welcome replaces the real backend's session until it says hello again.
        let admission = welcome()

        // 1. No hello at all.
        if let peer = try? IsolationBusPeer(context: context, endpoint: endpoint) {
            let replies = [
                peer.request(BusBindInterdomain(domain: roles.eventOffer?.id ?? 1, remotePort: offeredPort ?? 1)),
                peer.request(BusAllocUnbound(domain: 1, side: .dom0)),
                peer.request(BusGrantCopy(ops: [.init(read: roles.grant?.id ?? 1, ref: exportedRef ?? 8, offset: 0, length: 16)])),
                peer.request(BusStatsRequest()),
            ]
            sent.unauthenticated += replies.count
            let (ctext, cok) = admission
            checks.append(.judge(group: g, name: "no-hello", attempted: "bind, alloc, grant copy, stats before any hello",
                                 expected: "unauthorized, each", observed: replies.map(\.description).joined(separator: ", "),
                                 refused: replies.allSatisfy { $0.errorCode == .unauthorized }, control: ctext, controlSucceeded: cok))
        }
        // 2. Wrong secrets under real names (no secret, a stolen name), and the secret under a name nobody has.
        func helloCheck(_ name: String, _ what: String, _ forged: [UInt8], as who: String) {
            guard let peer = try? IsolationBusPeer(context: context, endpoint: endpoint) else { return }
            let reply: String, refused: Bool
            switch peer.hello(secret: forged, name: who) {
            case let .success(d): reply = "welcome for \(d)"; refused = false
            case let .failure(e): reply = e.reply.description; refused = e.reply.errorCode == .unauthorized
            }
            sent.unauthenticated += 1
            let (ctext, cok) = admission
            checks.append(.judge(group: g, name: name, attempted: what, expected: "unauthorized", observed: reply,
                                 refused: refused, control: ctext, controlSucceeded: cok))
        }
        helloCheck("no-secret", "hello as \(backend) with an all-zero secret", [UInt8](repeating: 0, count: 32), as: backend)
        var guessed = secret
        guessed[31] ^= 1
        helloCheck("stolen-name", "hello as xenstored with the secret one bit off", guessed, as: "xenstored")
        helloCheck("unknown-name", "hello with the real secret as blkback-evil (not in the topology)", secret,
                   as: "blkback-evil")

        // 3. Impersonating a backend of another domain: the real secret and the victim backend's real name, then
        // acting for domains it does not serve. Sandwiched between controls on the same session, because the
        // real backend takes its name back (a new hello replaces a session) as soon as it notices.
        checks.append(contentsOf: impersonation(context, backend, &sent.unauthorized))

        // 4. Malformed, truncated, wrong versions, unknown kind, multi-part, oversized.
        if let peer = try? IsolationBusPeer(context: context, endpoint: endpoint) {
            let hello = Frame.encode(BusHello(secret: secret, name: backend), sequence: 1)
            var badProtocol = hello; badProtocol[4] = 9
            var badVersion = hello; badVersion[8] = 2
            var unknownKind = Frame.encode(BusStatsRequest(), sequence: 1); unknownKind[6] = 0x77; unknownKind[7] = 0x03
            var lying = hello; lying[12] = 10; lying[13] = 0; lying[14] = 0; lying[15] = 0
            let cases: [(String, [[UInt8]], ErrorReply.Code)] = [
                ("random bytes", [(0 ..< 64).map { _ in UInt8.random(in: 0 ... 255) }], .malformed),
                ("an empty frame", [[]], .truncated),
                ("a header cut at 20 bytes", [Array(hello.prefix(20))], .truncated),
                ("a length field that lies", [lying], .malformed),
                ("protocol version 9", [badProtocol], .wrongVersion),
                ("hello version 2", [badVersion], .wrongVersion),
                // Before a hello nothing but a hello is looked at: an unknown kind is just unauthenticated.
                ("kind 0x0377 before hello", [unknownKind], .unauthorized),
                ("three parts", [[1], [2], [3]], .malformed),
            ]
            var observed: [String] = [], refused = true
            for (what, parts, code) in cases {
                let reply = peer.exchange(parts)
                observed.append("\(what): \(reply)")
                if reply.errorCode != code { refused = false }
            }
            sent.malformed += cases.count - 1
            sent.unauthenticated += 1
            let stats = peer.request(BusStatsRequest())  // still answered, as unauthenticated
            sent.unauthenticated += 1
            checks.append(.judge(group: g, name: "malformed-frames", attempted: cases.map(\.0).joined(separator: ", "),
                                 expected: "each its ErrorReply", observed: observed.joined(separator: "; "),
                                 refused: refused, control: "the next well-formed request is answered: \(stats)",
                                 controlSucceeded: stats.errorCode == .unauthorized))
            let oversized = peer.exchange([hello + [UInt8](repeating: 0, count: FrameHeader.maxFrameSize)])
            sent.malformed += 1
            let (ctext, cok) = admission
            checks.append(.judge(group: g, name: "oversized-frame", attempted: "a hello padded past 256 KiB",
                                 expected: "oversized", observed: oversized.description,
                                 refused: oversized.errorCode == .oversized, control: ctext, controlSucceeded: cok))
        }
        // 5. Replay: the same sequence twice on an authenticated session.
        checks.append(replay(context, backend, &sent.replayed))
        // 6. Flood: garbage and near-miss hellos, pipelined; every one answered; the neighbour keeps going.
        checks.append(flood(context, backend, &sent))
        // 7. Counted: the hypervisor's own counters moved by at least what was sent.
        usleep(1_200_000)
        let after = launch.freshCounters("hypervisor", after: before)
        func delta(_ k: String) -> Int64 { (after["bus.\(k)"] ?? 0) - (before["bus.\(k)"] ?? 0) }
        let observed = "unauthenticated +\(delta("unauthenticated")) (sent \(sent.unauthenticated)), "
            + "unauthorized +\(delta("unauthorized")) (\(sent.unauthorized)), replayed +\(delta("replayed")) (\(sent.replayed)), "
            + "malformed +\(delta("malformed")) (\(sent.malformed))"
        let counted = delta("unauthenticated") >= Int64(sent.unauthenticated) && delta("unauthorized") >= Int64(sent.unauthorized)
            && delta("replayed") >= Int64(sent.replayed) && delta("malformed") >= Int64(sent.malformed)
        checks.append(.judge(group: g, name: "refusals-counted", attempted: "read bus.* from `xenarm status` metrics before and after",
                             expected: "each refusal counted", observed: before.isEmpty ? nil : observed,
                             refused: before.isEmpty ? nil : counted,
                             control: "bus.received +\(delta("received")) (the counters move)",
                             controlSucceeded: delta("received") > 0))
        return checks
    }

    private func impersonation(_ context: ZMQContext, _ backend: String, _ unauthorized: inout Int) -> [IsolationCheck] {
        guard let served = roles.victim?.id else {
            return [IsolationCheck(group: g, name: "impersonation", attempted: "act as another domain's backend",
                                   expected: "refused", observed: "no backend in the topology", control: "not run",
                                   verdict: .fails)]
        }
        let grantDomain = roles.grant?.id ?? 0
        let control = BusGrantCopy.Op(read: served, ref: 0, offset: 0, length: 16)
        var results: (bind: String, alloc: String, copy: String, never: String)? = nil
        var refused = false, controlText = "no attempt", controlOK = false
        for _ in 0 ..< 6 {
            guard let peer = try? IsolationBusPeer(context: context, endpoint: endpoint),
                  case .success = peer.hello(secret: secret, name: backend) else { usleep(200_000); continue }
            let c1 = peer.grantCopy([control])
            let bind = peer.result(BusBindInterdomain(domain: roles.eventOffer?.id ?? grantDomain, remotePort: offeredPort ?? 1))
            let alloc = peer.result(BusAllocUnbound(domain: grantDomain, side: .dom0))
            let copy = peer.grantCopy([.init(read: grantDomain, ref: exportedRef ?? 8, offset: 0, length: 64)])
            let never = peer.grantCopy([.init(read: served, ref: 1500, offset: 0, length: 16)])
            let c2 = peer.grantCopy([control])
            guard case let .success(s1) = c1, case let .success(s2) = c2, s1 == [0], s2 == [0] else {
                usleep(300_000)  // the real backend took its name back in between: the attempts prove nothing; again
                continue
            }
            func show<T>(_ r: Result<T, IsolationBusPeer.ReplyError>) -> String {
                switch r { case let .success(v): return "\(v)"; case let .failure(e): return e.reply.description }
            }
            results = (show(bind), show(alloc), show(copy), show(never))
            refused = bind.isRefusedUnauthorized && alloc.isRefusedUnauthorized
                && (try? copy.get()) == [Int16(GrantStatusCode.permissionDenied)]
                && ((try? never.get()).map { $0.count == 1 && $0[0] < 0 } ?? false)
            unauthorized += 3
            controlText = "\(backend) copies 16 bytes of its own domain's console ring (ref 0), before and after: status 0"
            controlOK = true
            break
        }
        let r = results
        return [
            .judge(group: g, name: "impersonate-other-backend",
                   attempted: "the real secret and \(backend)'s name, acting for domain \(grantDomain): bind its port, alloc in it",
                   expected: "unauthorized", observed: r.map { "bind: \($0.bind); alloc: \($0.alloc)" },
                   refused: r == nil ? nil : refused, control: controlText, controlSucceeded: controlOK),
            .judge(group: "grants", name: "backend-not-serving",
                   attempted: "\(backend) (serves domain \(served)) copies domain \(grantDomain)'s grant \(exportedRef.map(String.init) ?? "?") made to Dom0",
                   expected: "GNTST_permission_denied (-8)", observed: r.map { "status \($0.copy)" },
                   refused: r == nil || exportedRef == nil ? nil : refused, control: controlText, controlSucceeded: controlOK),
            .judge(group: "grants", name: "domain-granted-nothing",
                   attempted: "\(backend) copies reference 1500 of its own domain, never granted",
                   expected: "a GNTST error", observed: r.map { "status \($0.never)" },
                   refused: r == nil ? nil : refused, control: controlText, controlSucceeded: controlOK),
        ]
    }

    private func replay(_ context: ZMQContext, _ backend: String, _ replayed: inout Int) -> IsolationCheck {
        var observed: String?, refused: Bool?, controlOK = false
        for _ in 0 ..< 6 {
            guard let peer = try? IsolationBusPeer(context: context, endpoint: endpoint),
                  case .success = peer.hello(secret: secret, name: backend) else { usleep(200_000); continue }
            let seq = peer.nextSequence()
            let first = peer.request(BusStatsRequest(), sequence: seq)
            let again = peer.request(BusStatsRequest(), sequence: seq)
            let older = peer.request(BusStatsRequest(), sequence: 1)
            let next = peer.request(BusStatsRequest())
            guard case let .message(k1, _) = first, k1 == .busStats, case let .message(k2, _) = next, k2 == .busStats else {
                usleep(300_000)
                continue
            }
            observed = "same sequence: \(again); an older one: \(older)"
            refused = again.errorCode == .unauthorized && older.errorCode == .unauthorized
            replayed += 2
            controlOK = true
            break
        }
        return .judge(group: g, name: "replayed-frames", attempted: "a stats request sent twice with one sequence, then an older one",
                      expected: "unauthorized (replay)", observed: observed, refused: refused,
                      control: controlOK ? "the first, and the next in sequence, answered with BusStats" : nil,
                      controlSucceeded: controlOK)
    }

    private func flood(_ context: ZMQContext, _ backend: String,
                       _ sent: inout (unauthenticated: Int, unauthorized: Int, replayed: Int, malformed: Int)) -> IsolationCheck {
        guard let peer = try? IsolationBusPeer(context: context, endpoint: endpoint) else {
            return .judge(group: g, name: "flood", attempted: "flood", expected: "answered", observed: nil, refused: nil,
                          control: nil, controlSucceeded: nil)
        }
        let good = Frame.encode(BusHello(secret: secret, name: backend), sequence: 1)
        let total = 4000, batch = 400
        var answered = 0, garbage = 0, nearMiss = 0
        let start = launch.log.now
        for _ in 0 ..< total / batch {
            for _ in 0 ..< batch {
                if Bool.random() {
                    _ = peer.sendOnly((0 ..< Int.random(in: 0 ..< 80)).map { _ in UInt8.random(in: 0 ... 255) })
                    garbage += 1
                } else {
                    var m = good
                    m[FrameHeader.size + Int.random(in: 0 ..< 32)] ^= UInt8(1 << Int.random(in: 0 ..< 8))
                    _ = peer.sendOnly(m)
                    nearMiss += 1
                }
            }
            for _ in 0 ..< batch where peer.receive().errorCode != nil { answered += 1 }
        }
        let end = launch.log.now
        sent.malformed += garbage
        sent.unauthenticated += nearMiss
        let (ctext, cok): (String, Bool) = {
            guard let p = try? IsolationBusPeer(context: context, endpoint: endpoint) else { return ("no socket", false) }
            if case let .success(d) = p.hello(secret: secret, name: backend) { return ("right after: the real secret is welcome for \(d)", true) }
            return ("right after: the real secret refused", false)
        }()
        usleep(2_000_000)
        let progress = quietProgress(start, launch.log.now)
        return .judge(group: g, name: "flood",
                      attempted: "\(total) frames in \(String(format: "%.1f", end - start)) s: \(garbage) garbage, \(nearMiss) hellos one bit off the secret",
                      expected: "every one answered with an error; neighbours go on",
                      observed: "\(answered) of \(total) answered with an error; \(roles.quiet?.name ?? "neighbour") +\(progress) progress lines meanwhile",
                      refused: answered == total && progress > 0, control: ctext, controlSucceeded: cok)
    }
}

/// `GNTST_*` values the bus reports per copy (xen/include/public/grant_table.h).
enum GrantStatusCode {
    static let permissionDenied = -8
}

extension Result where Failure == IsolationBusPeer.ReplyError {
    var isRefusedUnauthorized: Bool {
        if case let .failure(e) = self { return e.reply.errorCode == .unauthorized }
        return false
    }
}
