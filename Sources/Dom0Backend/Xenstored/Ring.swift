import XenABI

/// The daemon's side of a guest's xenstore ring page (`struct xenstore_domain_interface`, xs_wire.h): two byte
/// rings of 1024 bytes with free-running 32-bit indices. The guest produces requests (`req_prod`) and consumes
/// replies and watch events (`rsp_cons`); the daemon consumes requests (`req_cons`) and produces replies
/// (`rsp_prod`). A pure value over a copy of the page: the transport copies the page in (a grant copy of the
/// guest's reserved xenstore grant, through the hypervisor bus), calls `step`, copies the changed page out and
/// notifies the guest's event channel when `step` says so.
///
/// Everything in the page is the guest's to scribble on: indices are checked (`prod - cons` must not exceed the
/// ring size, else `error = XENSTORE_ERROR_RINGIDX` and the ring is abandoned, as Xen does), a header announcing
/// more than XENSTORE_PAYLOAD_MAX is `XENSTORE_ERROR_PROTO`. Nothing the guest writes can trap the daemon.
///
/// Restart: a request is consumed (`req_cons` moved past it) in the same page write that carries its reply
/// whenever the whole request fits the ring, so a daemon killed between reading and answering leaves it in the
/// ring and answers it after the restart. A request longer than the ring (up to 16 + 4096 bytes) must be taken
/// in pieces as the guest writes them; such a request is lost with the daemon and the guest resends it.
public struct XenstoreRing: Sendable, Equatable {
    public enum Field {
        public static let reqCons = 2048, reqProd = 2052, rspCons = 2056, rspProd = 2060
        public static let serverFeatures = 2064, connection = 2068, error = 2072
    }
    public static let size = XsLimits.ringSize
    /// XENSTORE_SERVER_FEATURE_ERROR: the daemon reports a broken ring in `error`.
    public static let serverFeatureError: UInt32 = 2
    public static let errorRingIndex: UInt32 = 2  // XENSTORE_ERROR_RINGIDX
    public static let errorProtocol: UInt32 = 3   // XENSTORE_ERROR_PROTO

    /// Bytes of a request longer than the ring, taken so far.
    var partial: [UInt8] = []
    /// Reply bytes not yet written (the response ring was full).
    var pendingOutput: [UInt8] = []
    /// Set once the guest broke the ring: nothing more is read or written.
    public private(set) var failed: UInt32 = 0

    public init() {}

    /// What one `step` did.
    public struct Step: Equatable, Sendable {
        /// Whole requests read, in order: each is a complete xs_wire message (header + payload).
        public var requests: [[UInt8]] = []
        /// Bytes of ring-sized requests read but left in the ring: pass them to `answer(consumed:)`.
        public var peekedBytes = 0
        /// The page changed (indices or response bytes): copy it back to the guest.
        public var pageChanged = false
        /// The guest should be notified (there are new responses or request space was freed).
        public var notify = false
    }

    static func u32(_ page: [UInt8], _ at: Int) -> UInt32 {
        UInt32(page[at]) | UInt32(page[at + 1]) << 8 | UInt32(page[at + 2]) << 16 | UInt32(page[at + 3]) << 24
    }

    static func setU32(_ page: inout [UInt8], _ at: Int, _ v: UInt32) {
        page[at] = UInt8(truncatingIfNeeded: v); page[at + 1] = UInt8(truncatingIfNeeded: v >> 8)
        page[at + 2] = UInt8(truncatingIfNeeded: v >> 16); page[at + 3] = UInt8(truncatingIfNeeded: v >> 24)
    }

    /// Reads whole requests from the page (without consuming those that fit the ring: see `answer`). Every
    /// `read` must be followed by `answer` on the same page before the next `read`, or the requests left in
    /// the ring would be read twice.
    /// `page` must be at least `XenstoreDomainInterface.size` bytes (the transport copies 4096).
    public mutating func read(_ page: inout [UInt8]) -> Step {
        var step = Step()
        guard failed == 0, page.count >= XenstoreDomainInterface.size else { return step }
        Self.setU32(&page, Field.serverFeatures, Self.serverFeatureError)
        var cons = Self.u32(page, Field.reqCons)
        let prod = Self.u32(page, Field.reqProd)
        guard prod &- cons <= UInt32(Self.size) else { return fail(&page, Self.errorRingIndex) }
        var peek = cons
        func available() -> Int { Int(prod &- peek) }
        func bytes(_ n: Int, from start: UInt32) -> [UInt8] {
            (0 ..< n).map { page[Int((start &+ UInt32($0)) & UInt32(Self.size - 1))] }
        }
        while true {
            if partial.isEmpty {
                guard available() >= XsHeader.size else { break }
                let header = XsHeader(bytes: bytes(XsHeader.size, from: peek))!
                guard Int(header.length) <= XsLimits.payloadMax else { return fail(&page, Self.errorProtocol) }
                let total = XsHeader.size + Int(header.length)
                if total <= Self.size {
                    // Fits the ring: wait until it is all there, read it, leave it in the ring until answered.
                    guard available() >= total else { break }
                    step.requests.append(bytes(total, from: peek))
                    peek &+= UInt32(total)
                    step.peekedBytes += total
                    continue
                }
                // Longer than the ring: the guest can only finish writing it as we take it.
                guard peek == cons else { break }  // answer what came before it first
            }
            let want = partial.isEmpty
                ? XsHeader.size + Int(XsHeader(bytes: bytes(XsHeader.size, from: peek))!.length)
                : XsHeader.size + Int(XsHeader(bytes: partial)!.length)
            let take = min(available(), want - partial.count)
            guard take > 0 else { break }
            partial += bytes(take, from: peek)
            peek &+= UInt32(take)
            cons = peek
            Self.setU32(&page, Field.reqCons, cons)
            step.pageChanged = true
            step.notify = true
            if partial.count == want {
                step.requests.append(partial)
                partial.removeAll()
            }
        }
        return step
    }

    /// Consumes the requests `read` left in the ring (`consumed` = its `peekedBytes`) and writes `replies` (whole
    /// messages, replies and events in order) into the response ring as far as it has room; the rest waits
    /// for the next call. Call it with the page `read` saw, after the replies are durable.
    public mutating func answer(_ page: inout [UInt8], consumed: Int, replies: [[UInt8]]) -> Step {
        var step = Step()
        guard failed == 0, page.count >= XenstoreDomainInterface.size else { return step }
        if consumed > 0 {
            Self.setU32(&page, Field.reqCons, Self.u32(page, Field.reqCons) &+ UInt32(consumed))
            step.pageChanged = true
            step.notify = true
        }
        for r in replies { pendingOutput += r }
        let cons = Self.u32(page, Field.rspCons)
        var prod = Self.u32(page, Field.rspProd)
        guard prod &- cons <= UInt32(Self.size) else { return fail(&page, Self.errorRingIndex) }
        let room = Self.size - Int(prod &- cons)
        let n = min(room, pendingOutput.count)
        if n > 0 {
            for i in 0 ..< n { page[Int(prod & UInt32(Self.size - 1)) + 1024] = pendingOutput[i]; prod &+= 1 }
            pendingOutput.removeFirst(n)
            Self.setU32(&page, Field.rspProd, prod)
            step.pageChanged = true
            step.notify = true
        }
        return step
    }

    /// Whether replies are still waiting for room in the response ring.
    public var hasPendingOutput: Bool { !pendingOutput.isEmpty }

    private mutating func fail(_ page: inout [UInt8], _ code: UInt32) -> Step {
        failed = code
        Self.setU32(&page, Field.error, code)
        return Step(requests: [], pageChanged: true, notify: true)
    }
}
