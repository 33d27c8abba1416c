/// The checks whose attempts run inside probe guests (docs/guest-abi.md, "Guest programs"): each probe prints
/// one structured line per attempt and per positive control; these functions turn a domain's lines into
/// verdicts. A missing line is an unobserved attempt or control, and so a failing check.
struct IsolationGuestChecks {
    let log: IsolationLog
    let roles: IsolationRoles
    /// How each domain ended (`[t] NAME domain N ended: REASON`), with the time it was seen.
    let ends: [String: (reason: String, at: Double)]

    typealias L = IsolationLog

    private func lines(_ d: IsolationRoles.Domain?, _ prefix: String) -> [IsolationLog.Line] {
        guard let d else { return [] }
        return log.console(d.name).filter { $0.text.hasPrefix(prefix) }
    }

    private func missing(_ group: String, _ name: String, _ attempted: String, _ expected: String, _ role: String)
        -> IsolationCheck {
        IsolationCheck(group: group, name: name, attempted: attempted, expected: expected,
                       observed: "no \(role) probe in the topology", control: "not run", verdict: .fails)
    }

    // MARK: memory (probe-mem)

    func memory() -> [IsolationCheck] {
        let g = "memory"
        guard let d = roles.memory else {
            return [missing(g, "outside-own-block", "probe-mem accesses", "fault", "probe-mem")]
        }
        let probes = lines(d, "PROBE ").map { line -> (name: String, target: UInt64?, result: String, text: String) in
            let words = line.text.split(separator: " ").map(String.init)
            return (words.count > 1 ? words[1] : "", L.int(line.text, "target").map(UInt64.init),
                    L.fields(line.text)["result"] ?? "", line.text)
        }
        let controls = Dictionary(lines(d, "CONTROL ").map { line -> (String, String) in
            let words = line.text.split(separator: " ").map(String.init)
            return (words.count > 1 ? words[1] : "", line.text)
        }, uniquingKeysWith: { a, _ in a })
        func control(_ name: String) -> (String?, Bool?) {
            guard let text = controls[name] else { return (nil, nil) }
            return (text, L.fields(text)["result"] == "ok")
        }
        func targetCheck(_ name: String, _ target: UInt64, _ what: String) -> IsolationCheck {
            let hits = probes.filter { $0.target == target && ($0.name == "raw-read" || $0.name == "raw-write") }
            let observed = hits.isEmpty ? nil : hits.map { "\($0.name) \($0.result)" }.joined(separator: ", ")
                + (hits.first.map { " (" + (L.fields($0.text)["kind"] ?? "?") + ")" } ?? "")
            let refused = hits.isEmpty ? nil : Set(hits.map(\.name)) == ["raw-read", "raw-write"]
                && hits.allSatisfy { $0.result == "fault" }
            let (ctext, cok) = control("raw-own")
            return .judge(group: g, name: name,
                          attempted: "\(d.name): read and write \(what) at 0x\(String(target, radix: 16)), translation off",
                          expected: "data abort in that guest", observed: observed, refused: refused,
                          control: ctext.map { _ in "raw read/write of own RAM: " + (cok == true ? "ok" : "failed") },
                          controlSucceeded: cok)
        }
        let ramEnd = 0x4000_0000 + d.memoryBytes
        var checks = [
            targetCheck("below-own-block", 0x3FFF_FFFC, "the word below its RAM"),
            targetCheck("past-own-block", ramEnd, "the first word past its RAM"),
        ]
        let extras = ["addr", "addr2"].compactMap { L.int(d.args, $0).map(UInt64.init) }
        for target in extras {
            if target >= 0x4000_0000 {
                checks.append(targetCheck("other-domain-block", target, "where the next domain's block follows"))
            } else {
                checks.append(targetCheck("hypervisor-reserve", target, "the hypervisor reserve's machine address"))
            }
        }
        // Page tables pointed at foreign frames.
        let pte = probes.filter { $0.name.hasPrefix("pte-") }
        let pteRefused = pte.isEmpty ? nil : pte.allSatisfy { $0.result == "fault" || $0.result == "refused" }
            && pte.contains { $0.name == "pte-read" }
        let (ptext, pok) = control("pte-own")
        checks.append(.judge(
            group: g, name: "foreign-page-table-entry",
            attempted: "\(d.name): its page table maps a page at each target frame, then reads, writes, re-installs",
            expected: "accesses fault; the table is refused",
            observed: pte.isEmpty ? nil : "\(pte.filter { $0.result == "fault" }.count) faults, "
                + "\(pte.filter { $0.result == "refused" }.count) refusals, "
                + "\(pte.filter { $0.result == "no-fault" }.count) accesses through",
            refused: pteRefused,
            control: ptext.map { _ in "same entry at its own frame: " + (pok == true ? "read back" : "failed") },
            controlSucceeded: pok))
        // Applications and their kernel.
        let user = probes.filter { $0.name.hasPrefix("user-") && $0.name.hasSuffix("-kernel") }
        let userRefused = user.count == 3 ? user.allSatisfy { $0.result == "fault" && $0.text.contains("vmode=user") } : (user.isEmpty ? nil : false)
        let (utext, uok) = control("user-own")
        checks.append(.judge(
            group: g, name: "application-to-kernel",
            attempted: "\(d.name): applications read, write and execute kernel memory",
            expected: "faults delivered to its kernel",
            observed: user.isEmpty ? nil : user.map { "\($0.name) \($0.result)" + (L.fields($0.text)["kind"].map { " \($0)" } ?? "") }
                .joined(separator: ", "),
            refused: userRefused,
            control: utext.map { _ in "an application reads and writes its own data: " + (uok == true ? "ok" : "failed") },
            controlSucceeded: uok))
        let app = probes.first { $0.name == "app-hypercall" }
        let ended = ends[d.name]?.reason
        checks.append(.judge(
            group: g, name: "application-hypercall",
            attempted: "\(d.name): an application issues HVC #0xEA1 (shutdown)",
            expected: "undefined-instruction trap to its kernel; domain lives on",
            observed: app.map { "\($0.result) " + (L.fields($0.text)["kind"] ?? "") + "; domain \(ended ?? "running")" },
            refused: app.map { $0.result == "fault" && $0.text.contains("kind=undefined") && ended == "poweroff" },
            control: uok == nil ? nil : "the application's system calls work: " + (uok == true ? "ok" : "failed"),
            controlSucceeded: uok))
        return checks
    }

    // MARK: grants (probe-grant)

    func grants() -> [IsolationCheck] {
        let g = "grants"
        guard let d = roles.grant else { return [missing(g, "copy-checks", "grant copies", "refused", "probe-grant")] }
        var copies: [String: IsolationLog.Line] = [:]
        for line in lines(d, "GNTCOPY ") {
            let words = line.text.split(separator: " ").map(String.init)
            if words.count > 1, copies[words[1]] == nil { copies[words[1]] = line }
        }
        let mismatch = log.console(d.name).contains { $0.text.contains("data-mismatch") || $0.text.contains("data-changed") }
        let control = copies["ok"].map { L.int($0.text, "rc") == 0 && L.int($0.text, "status") == 0 && !mismatch }
        let controlText = copies["ok"].map { "copy through its own grant to itself: status \(L.int($0.text, "status") ?? -99)"
            + (mismatch ? ", data wrong" : ", data equal") }
        let cases: [(String, String, String)] = [
            ("wrong-domain", "copy through a grant made to Dom0, not to itself", "GNTST_general_error"),
            ("read-only-written", "copy into a read-only grant", "GNTST_general_error, page unchanged"),
            ("out-of-page", "copy 200 bytes at offset 4000", "GNTST_bad_copy_arg"),
            ("revoked", "copy through a grant whose access was ended", "GNTST_general_error"),
            ("bad-ref", "copy through reference 0x7fffffff", "GNTST_bad_gntref"),
        ]
        return cases.map { name, what, expected in
            let line = copies[name]
            let status = line.flatMap { L.int($0.text, "status") }
            let rc = line.flatMap { L.int($0.text, "rc") }
            return .judge(group: g, name: name, attempted: "\(d.name): \(what)", expected: expected,
                          observed: line.map { _ in "rc \(rc ?? 0), status \(status ?? 0)" },
                          refused: line.map { _ in (rc ?? 0) != 0 || (status ?? 0) < 0 },
                          control: controlText, controlSucceeded: control)
        }
    }

    // MARK: event channels (probe-evtchn)

    func eventChannels() -> [IsolationCheck] {
        let g = "event-channels"
        guard let p = roles.eventProbe else {
            return [missing(g, "other-domain-ports", "bind/send on another domain's ports", "refused", "probe-evtchn")]
        }
        let loop = lines(p, "EVTCHN loopback-delivered").first
        let loopOK = loop.map { (L.int($0.text, "count") ?? 0) >= 1 }
        let loopText = loop.map { "a channel bound to itself delivers: \(L.int($0.text, "count") ?? 0) event(s)" }
        func group(_ name: String, _ cases: [String], _ what: String) -> IsolationCheck {
            let hits = cases.flatMap { c in lines(p, "EVTCHN \(c) ") }
            let rets = hits.compactMap { L.int($0.text, "ret") }
            return .judge(group: g, name: name, attempted: "\(p.name): \(what)", expected: "every call answers an errno",
                          observed: hits.isEmpty ? nil : "\(rets.filter { $0 < 0 }.count) of \(hits.count) refused ("
                            + Set(rets).sorted().map(String.init).joined(separator: ",") + ")",
                          refused: hits.isEmpty ? nil : rets.count == hits.count && rets.allSatisfy { $0 < 0 },
                          control: loopText, controlSucceeded: loopOK)
        }
        let peer = L.int(p.args, "peer") ?? 0
        var checks = [
            group("bind-other-domain-ports", ["bind-peer-port", "alloc-in-peer-table"],
                  "bind_interdomain to each port 1..N of domain \(peer); alloc_unbound in its table"),
            group("status-other-domain-ports", ["status-peer-port"], "EVTCHNOP_status of domain \(peer)'s ports"),
            group("send-close-ports-not-owned", ["send-unbound-port", "close-unbound-port"],
                  "send on and close port numbers it never bound"),
        ]
        if let o = roles.eventOffer {
            let offered = lines(o, "EVTCHN offered port=").first
            let after = lines(o, "EVTCHN offered-after").first
            checks.append(.judge(
                group: g, name: "offered-port-untouched",
                attempted: "\(p.name) tries to bind \(o.name)'s port offered to Dom0",
                expected: "the port stays unbound",
                observed: after.map { "status \(L.int($0.text, "status") ?? -1) (1 = unbound) after the attempts" },
                refused: after.map { L.int($0.text, "ret") == 0 && L.int($0.text, "status") == 1 },
                control: offered.map { "alloc_unbound toward Dom0: port \(L.int($0.text, "port") ?? 0)" },
                controlSucceeded: offered.map { _ in true }))
        }
        if let e = roles.eventExhaust {
            let ex = lines(e, "EVTCHN exhausted").first
            let again = lines(e, "EVTCHN exhaust-control").first
            // The neighbour's own channel works while every port of the exhauster is taken.
            let otherWorks = ex.flatMap { exLine in loop.map { $0.at > exLine.at && loopOK == true } }
            checks.append(.judge(
                group: g, name: "port-exhaustion",
                attempted: "\(e.name) allocates ports until refused and holds them",
                expected: "-ENOSPC for it alone",
                observed: ex.map { "refused after \(L.int($0.text, "count") ?? 0) ports, errno \(L.int($0.text, "ret") ?? 0)" },
                refused: ex.map { L.int($0.text, "ret") == -28 },
                control: (ex == nil || loop == nil) ? nil
                    : "\(p.name)'s loopback delivered " + (otherWorks == true ? "after" : "NOT after") + " the exhaustion; "
                        + "one port freed then re-allocated: " + (again.map { L.int($0.text, "ret") == 0 ? "ok" : "failed" } ?? "not seen"),
                controlSucceeded: otherWorks == true && again.map { L.int($0.text, "ret") == 0 } == true))
        }
        return checks
    }

    // MARK: xenstore (probe-xs)

    func xenstore() -> [IsolationCheck] {
        let g = "xenstore"
        guard let a = roles.xenstoreAttacker, let v = roles.xenstoreVictim else {
            return [missing(g, "other-domain-nodes", "read/write/chmod/watch another domain's nodes", "EACCES", "probe-xs")]
        }
        func first(_ d: IsolationRoles.Domain, _ prefix: String) -> IsolationLog.Line? { lines(d, prefix).first }
        func pair(_ name: String, _ check: String, _ control: String, _ what: String, _ controlWhat: String,
                  expected: String, controlDomain: IsolationRoles.Domain? = nil, extra: Bool = true) -> IsolationCheck {
            let c = first(a, "CHECK \(check) ")
            let k = first(controlDomain ?? a, "CONTROL \(control) ")
            return .judge(group: g, name: name, attempted: what, expected: expected,
                          observed: c.map { "errno \(L.int($0.text, "ret") ?? 0)" + (L.fields($0.text)["events"].map { ", \($0) events" } ?? "") },
                          refused: c.map { L.int($0.text, "ret") == L.int($0.text, "expect") },
                          control: k.map { "\(controlWhat): " + (L.int($0.text, "ret") == 0 ? "ok" : "errno \(L.int($0.text, "ret") ?? 0)") },
                          controlSucceeded: k.map { L.int($0.text, "ret") == 0 && extra })
        }
        let path = "/local/domain/\(v.id)/data/secret"
        let started = first(v, "VICTIM started"), done = first(v, "VICTIM done")
        let watch = first(a, "CHECK watch-other")
        // The watch window must lie inside the victim's writing: else "no event" proves nothing.
        let during = watch.flatMap { w in started.map { s in w.at > s.at && (done.map { w.at < $0.at } ?? true) } } ?? false
        let quota = first(a, "CHECK quota-exhausted"), after = first(v, "CONTROL victim-write-after-quota")
        let afterQuota = quota.flatMap { q in after.map { $0.at > q.at } } ?? false
        return [
            pair("read-other-domain", "read-other", "read-own", "\(a.name) reads \(path)", "reads its own name",
                 expected: "EACCES (-13)"),
            pair("write-other-domain", "write-other", "write-own", "\(a.name) writes \(path)", "writes its own node",
                 expected: "EACCES (-13)"),
            pair("chmod-other-domain", "chmod-other", "chmod-own", "\(a.name) sets permissions of \(path)",
                 "chmod of its own node", expected: "EACCES (-13)"),
            pair("watch-other-domain", "watch-other", "watch-own",
                 "\(a.name) watches \(path) while \(v.name) rewrites it every 100 ms",
                 "its own watch fires for its own write" + (during ? "" : " (but the window missed the victim's writes)"),
                 expected: "no event", extra: during),
            pair("quota-exhaustion", "quota-exhausted", "victim-write-after-quota",
                 "\(a.name) creates nodes until refused", "\(v.name) writes afterwards" + (afterQuota ? "" : " (not seen after)"),
                 expected: "ENOSPC (-28) for it alone", controlDomain: v, extra: afterQuota),
            .judge(group: g, name: "victim-node-intact",
                   attempted: "after all attempts, \(v.name) reads back its node",
                   expected: "its own last value",
                   observed: first(v, "CHECK victim-secret-intact").map { L.fields($0.text)["value"] ?? "?" },
                   refused: first(v, "CHECK victim-secret-intact").map { L.int($0.text, "ret") == 0 },
                   control: done.map { "\(L.int($0.text, "writes") ?? 0) writes, \(L.int($0.text, "failed") ?? 0) failed" },
                   controlSucceeded: done.map { (L.int($0.text, "writes") ?? 0) > 0 && L.int($0.text, "failed") == 0 }),
        ]
    }

    // MARK: hypercalls (probe-hcall)

    func hypercalls(requiredCalls: Int, quietProgress: (Double, Double) -> Int, hypervisorAlive: Bool) -> [IsolationCheck] {
        let g = "fuzz"
        guard let f = roles.fuzz else { return [missing(g, "random-hypercalls", "random hypercalls", "answered", "probe-hcall")] }
        let fixed = lines(f, "HCALL ").filter { !$0.text.hasPrefix("HCALL xen_version-after") }
        let control = lines(f, "CONTROL set-ttbr-valid-copy").first
        let after = lines(f, "HCALL xen_version-after").first
        let afterOK = after.map { L.int($0.text, "ret") == 0x40011 }
        let random = lines(f, "RANDOM ").first
        let calls = random.flatMap { L.int($0.text, "calls") } ?? 0
        let answered = random.map { (L.int($0.text, "refused") ?? 0) + (L.int($0.text, "accepted") ?? 0) } ?? 0
        let start = fixed.first?.at ?? 0, end = random?.at ?? 0
        let progress = random == nil ? 0 : quietProgress(start, end)
        let ended = ends[f.name]?.reason
        return [
            .judge(group: "hypercalls", name: "bad-arguments",
                   attempted: "\(f.name): every hypercall with bad arguments (\(fixed.count) cases)",
                   expected: "each answers a negative errno",
                   observed: fixed.isEmpty ? nil : "\(fixed.filter { (L.int($0.text, "ret") ?? 0) < 0 }.count) of \(fixed.count) refused",
                   refused: fixed.isEmpty ? nil : fixed.count >= 40 && fixed.allSatisfy { (L.int($0.text, "ret") ?? 0) < 0 },
                   control: control.map { "an unaltered page table copy: ret \(L.int($0.text, "ret") ?? -1)" },
                   controlSucceeded: control.map { L.int($0.text, "ret") == 0 }),
            .judge(group: g, name: "random-hypercalls",
                   attempted: "\(f.name): \(requiredCalls) random hypercalls with random arguments",
                   expected: "all answered; no crash; neighbours go on",
                   observed: random.map { _ in "\(answered) of \(calls) answered; domain \(ended ?? "running"); "
                       + "hypervisor " + (hypervisorAlive ? "alive" : "GONE") + "; \(roles.quiet?.name ?? "neighbour") +\(progress) progress lines meanwhile" },
                   refused: random.map { _ in calls >= requiredCalls && answered == calls && hypervisorAlive
                       && ended == "poweroff" && progress > 0 },
                   control: after.map { _ in "a well-formed xen_version afterwards: " + (afterOK == true ? "4.17" : "wrong") },
                   controlSucceeded: afterOK),
        ]
    }

    // MARK: block (probe-blk, from the blkfront branch)

    /// probe-blk's `PROBE-BLK <case> status=<blkif status>` lines: every malformed request refused by the backend,
    /// next to an honest request on the same ring (`good-raw`) and, after the ring overflow, a reconnection that
    /// works (`good`).
    func block() -> [IsolationCheck] {
        let g = "block"
        guard let d = roles.block else { return [] }
        var status: [String: String] = [:]
        for line in lines(d, "PROBE-BLK ") {
            let words = line.text.split(separator: " ").map(String.init)
            if words.count == 3, words[2].hasPrefix("status="), status[words[1]] == nil {
                status[words[1]] = String(words[2].dropFirst("status=".count))
            }
        }
        let goodRaw = status["good-raw"], good = status["good"]
        let controlRaw = goodRaw.map { "a valid read on the same ring: status \($0)" }
        let malformed = ["bad-op", "past-end", "straddle-end", "nseg-0", "nseg-12", "first-gt-last", "last-gt-7",
                         "gref-range", "gref-revoked", "ro-for-read"]
        let seen = malformed.compactMap { c in status[c].map { (c, $0) } }
        // An error status each (a negative BLKIF_RSP_*): a request silently dropped is not an answer.
        let refused = seen.count == malformed.count && seen.allSatisfy { (Int($0.1) ?? 0) < 0 }
        let foreign = status["gref-foreign"]
        let overflow = status["req-prod-overflow"]
        return [
            .judge(group: g, name: "malformed-ring-requests",
                   attempted: "\(d.name) puts malformed requests on its own ring: " + malformed.joined(separator: ", "),
                   expected: "each answered with an error status",
                   observed: seen.isEmpty ? nil : seen.map { "\($0.0) \($0.1)" }.joined(separator: ", "),
                   refused: seen.isEmpty ? nil : refused, control: controlRaw, controlSucceeded: goodRaw.map { $0 == "0" }),
            .judge(group: g, name: "foreign-grant",
                   attempted: "\(d.name) hands its backend a grant it made to another domain",
                   expected: "an error status: the backend may only copy grants made to it",
                   observed: foreign.map { "status \($0)" }, refused: foreign.map { (Int($0) ?? 0) < 0 },
                   control: controlRaw, controlSucceeded: goodRaw.map { $0 == "0" }),
            .judge(group: g, name: "ring-overflow",
                   attempted: "\(d.name) pushes req_prod 1000 past its ring",
                   expected: "no response; the backend stops that ring only",
                   observed: overflow.map { "response: \($0)" }, refused: overflow.map { $0 == "none" },
                   control: good.map { "after reconnecting, a write and read-back: status \($0)" },
                   controlSucceeded: good.map { $0 == "0" }),
        ]
    }
}
