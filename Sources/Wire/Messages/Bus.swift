/// The hypervisor bus family (0x03xx): how Dom0 processes (xenstored, backends) reach the hypervisor. A Dom0
/// process connects a DEALER to the hypervisor's ROUTER, authenticates with `BusHello`, then allocates, binds,
/// notifies and closes event channel ports for the domains the topology assigns to it, and copies data to and
/// from guest pages through their grants. The hypervisor pushes `BusEvent` (a Dom0 port was notified) and
/// `BusDomainEvent` (lifecycle) to the processes concerned. docs/wire-protocol.md, "Bus family", has the
/// tables; docs/hypervisor-bus.md the rules.

extension MessageKind {
    public static let busHello = MessageKind(0x0301)
    public static let busWelcome = MessageKind(0x0302)
    public static let busAllocUnbound = MessageKind(0x0303)
    public static let busBindInterdomain = MessageKind(0x0304)
    public static let busNotify = MessageKind(0x0305)
    public static let busClose = MessageKind(0x0306)
    public static let busResult = MessageKind(0x0307)
    public static let busGrantCopy = MessageKind(0x0308)
    public static let busGrantCopyResult = MessageKind(0x0309)
    public static let busEvent = MessageKind(0x030A)
    public static let busDomainEvent = MessageKind(0x030B)
    public static let busStatsRequest = MessageKind(0x030C)
    public static let busStats = MessageKind(0x030D)
    public static let busSignal = MessageKind(0x030E)
    public static let busGetParam = MessageKind(0x030F)
    public static let busParam = MessageKind(0x0310)
}

/// Authenticates a connection (kind 0x0301, version 1). Answered by `BusWelcome` or `ErrorReply` `unauthorized`.
///
/// | off | size | field |
/// |----:|----:|---|
/// | 0 | 32 | secret (the launch's `bus.secret`, raw bytes) |
/// | 32 | 2 | name length (1…64) |
/// | 34 | 6 | reserved, zero |
/// | 40 | n | process name (`[A-Za-z0-9._-]`) |
public struct BusHello: WireMessage {
    public static let kind = MessageKind.busHello
    public static let version: UInt16 = 1
    public static let size = 40
    public static let secretLength = 32
    /// Topology names are short identifiers; 64 bytes bounds what an unauthenticated peer can make us read.
    public static let maxNameLength = 64

    public var secret: [UInt8]
    public var name: String

    public init(secret: [UInt8], name: String) { self.secret = secret; self.name = name }

    public func encode(into writer: inout ByteWriter) {
        var s = secret
        if s.count != Self.secretLength { s = Array((s + [UInt8](repeating: 0, count: Self.secretLength)).prefix(Self.secretLength)) }
        writer.write(bytes: s)
        let utf8 = Array(name.utf8)
        writer.write(UInt16(utf8.count))
        writer.writeZeros(6)
        writer.write(bytes: utf8)
    }

    public init(decoding reader: inout ByteReader) throws(WireError) {
        secret = try reader.readBytes(Self.secretLength)
        let length = Int(try reader.readUInt16())
        try reader.skipReserved(6)
        guard length <= Self.maxNameLength else { throw WireError.oversized(length: length, limit: Self.maxNameLength) }
        guard length > 0 else { throw WireError.malformed("empty process name") }
        let bytes = try reader.readBytes(length)
        guard bytes.allSatisfy(Self.isNameByte) else { throw WireError.malformed("process name has bytes outside [A-Za-z0-9._-]") }
        name = String(decoding: bytes, as: UTF8.self)
    }

    static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2E || b == 0x5F || b == 0x2D
    }
}

/// The answer to a good `BusHello` (kind 0x0302, version 1): the domains this process may act for.
///
/// | off | size | field |
/// |----:|----:|---|
/// | 0 | 2 | domain count (≤ 1024) |
/// | 2 | 6 | reserved, zero |
/// | 8 | 2 × n | domain ids |
public struct BusWelcome: WireMessage {
    public static let kind = MessageKind.busWelcome
    public static let version: UInt16 = 1
    public static let size = 8
    public static let maxDomains = 1024
    public var domains: [UInt16]
    public init(domains: [UInt16]) { self.domains = domains }
    public func encode(into writer: inout ByteWriter) {
        writer.write(UInt16(domains.count))
        writer.writeZeros(6)
        for d in domains { writer.write(d) }
    }
    public init(decoding reader: inout ByteReader) throws(WireError) {
        let count = Int(try reader.readUInt16())
        try reader.skipReserved(6)
        guard count <= Self.maxDomains else { throw WireError.oversized(length: count, limit: Self.maxDomains) }
        domains = []
        for _ in 0 ..< count { domains.append(try reader.readUInt16()) }
    }
}

/// Allocate an unbound port (kind 0x0303, version 1). Answered by `BusResult` (value = the port).
///
/// | off | size | field |
/// |----:|----:|---|
/// | 0 | 2 | guest domain id |
/// | 2 | 1 | side: 0 = a Dom0 port offered to the guest (owned by this process), 1 = a port in the guest offered to Dom0 (as the toolstack does for the xenstore and console channels) |
/// | 3 | 1 | reserved, zero |
public struct BusAllocUnbound: WireMessage {
    public static let kind = MessageKind.busAllocUnbound
    public static let version: UInt16 = 1
    public static let size = 4
    public enum Side: UInt8, Sendable { case dom0 = 0, guest = 1 }
    public var domain: UInt16
    public var side: Side
    public init(domain: UInt16, side: Side) { self.domain = domain; self.side = side }
    public func encode(into writer: inout ByteWriter) {
        writer.write(domain); writer.write(side.rawValue); writer.write(UInt8(0))
    }
    public init(decoding reader: inout ByteReader) throws(WireError) {
        domain = try reader.readUInt16()
        let raw = try reader.readUInt8()
        guard let s = Side(rawValue: raw) else { throw WireError.malformed("side \(raw)") }
        side = s
        try reader.skipReserved(1)
    }
}

/// Bind a new Dom0 port to a guest's unbound port offered to Dom0 (kind 0x0304, version 1). `BusResult`
/// value = the new Dom0 port, owned by this process.
///
/// | off | size | field |
/// |----:|----:|---|
/// | 0 | 2 | guest domain id |
/// | 2 | 2 | reserved, zero |
/// | 4 | 4 | the guest's port |
public struct BusBindInterdomain: WireMessage {
    public static let kind = MessageKind.busBindInterdomain
    public static let version: UInt16 = 1
    public static let size = 8
    public var domain: UInt16
    public var remotePort: UInt32
    public init(domain: UInt16, remotePort: UInt32) { self.domain = domain; self.remotePort = remotePort }
    public func encode(into writer: inout ByteWriter) {
        writer.write(domain); writer.writeZeros(2); writer.write(remotePort)
    }
    public init(decoding reader: inout ByteReader) throws(WireError) {
        domain = try reader.readUInt16()
        try reader.skipReserved(2)
        remotePort = try reader.readUInt32()
    }
}

/// One Dom0 port (kind 0x0305 `BusNotify`: signal the guest end; kind 0x0306 `BusClose`: free it), version 1.
/// `BusResult` value = 0.
///
/// | off | size | field |
/// |----:|----:|---|
/// | 0 | 4 | Dom0 port (owned by this process) |
public struct BusNotify: WireMessage {
    public static let kind = MessageKind.busNotify
    public static let version: UInt16 = 1
    public static let size = 4
    public var port: UInt32
    public init(port: UInt32) { self.port = port }
    public func encode(into writer: inout ByteWriter) { writer.write(port) }
    public init(decoding reader: inout ByteReader) throws(WireError) { port = try reader.readUInt32() }
}

/// A one-way `BusNotify` (kind 0x030E, version 1, same layout): signals the guest end of a Dom0 port this session
/// owns and gets **no reply when it succeeds**; a refusal is answered as a `BusNotify`'s would be (`ErrorReply`
/// `unauthorized`, or `BusResult` with a negative errno), carrying the signal's sequence. For a process that
/// answers events in a loop (a backend's "work done"), it saves a reply frame and a wake-up per notification;
/// authentication, ownership and the replay check are those of `BusNotify`.
public struct BusSignal: WireMessage {
    public static let kind = MessageKind.busSignal
    public static let version: UInt16 = 1
    public static let size = 4
    public var port: UInt32
    public init(port: UInt32) { self.port = port }
    public func encode(into writer: inout ByteWriter) { writer.write(port) }
    public init(decoding reader: inout ByteReader) throws(WireError) { port = try reader.readUInt32() }
}

/// See `BusNotify` (same layout).
public struct BusClose: WireMessage {
    public static let kind = MessageKind.busClose
    public static let version: UInt16 = 1
    public static let size = 4
    public var port: UInt32
    public init(port: UInt32) { self.port = port }
    public func encode(into writer: inout ByteWriter) { writer.write(port) }
    public init(decoding reader: inout ByteReader) throws(WireError) { port = try reader.readUInt32() }
}

/// The outcome of an event channel request (kind 0x0307, version 1).
///
/// | off | size | field |
/// |----:|----:|---|
/// | 0 | 4 | result: 0 or a negative Xen errno (i32) |
/// | 4 | 4 | value (a port for alloc/bind, else 0) |
public struct BusResult: WireMessage {
    public static let kind = MessageKind.busResult
    public static let version: UInt16 = 1
    public static let size = 8
    public var result: Int32
    public var value: UInt32
    public init(result: Int32, value: UInt32 = 0) { self.result = result; self.value = value }
    public func encode(into writer: inout ByteWriter) {
        writer.write(UInt32(bitPattern: result)); writer.write(value)
    }
    public init(decoding reader: inout ByteReader) throws(WireError) {
        result = Int32(bitPattern: try reader.readUInt32())
        value = try reader.readUInt32()
    }
}

/// A batch of grant copies (kind 0x0308, version 1): each op reads from, or writes into, a frame a guest granted
/// to Dom0. Answered by `BusGrantCopyResult`, one status per op.
///
/// | off | size | field |
/// |----:|----:|---|
/// | 0 | 2 | op count (1…32) |
/// | 2 | 6 | reserved, zero |
/// | 8 | 12 × n | ops (below) |
/// | … | m | data of the write ops, in op order (m = sum of their lengths) |
///
/// Op: | 0 | 1 | direction: 0 read (guest → Dom0), 1 write (Dom0 → guest) | 1 | 1 | reserved | 2 | 2 | granting
/// domain | 4 | 4 | grant ref | 8 | 2 | offset in the page | 10 | 2 | length (≤ 4096) |
public struct BusGrantCopy: WireMessage {
    public static let kind = MessageKind.busGrantCopy
    public static let version: UInt16 = 1
    public static let size = 8
    public static let opSize = 12
    /// 32 ops of a page each = 128 KiB of data, inside the 256 KiB frame limit with room for the headers; a
    /// blkif request has at most 11 segments.
    public static let maxOps = 32
    public static let maxLength = 4096

    public struct Op: Equatable, Sendable {
        public enum Direction: UInt8, Sendable { case read = 0, write = 1 }
        public var direction: Direction
        public var domain: UInt16
        public var ref: UInt32
        public var offset: UInt16
        public var length: UInt16
        /// Write ops: exactly `length` bytes. Read ops: empty.
        public var data: [UInt8]
        public init(read domain: UInt16, ref: UInt32, offset: UInt16, length: UInt16) {
            direction = .read; self.domain = domain; self.ref = ref; self.offset = offset; self.length = length; data = []
        }
        public init(write domain: UInt16, ref: UInt32, offset: UInt16, data: [UInt8]) {
            direction = .write; self.domain = domain; self.ref = ref; self.offset = offset
            length = UInt16(clamping: data.count); self.data = data
        }
    }

    public var ops: [Op]
    public init(ops: [Op]) { self.ops = ops }

    public func encode(into writer: inout ByteWriter) {
        writer.write(UInt16(ops.count))
        writer.writeZeros(6)
        for op in ops {
            writer.write(op.direction.rawValue); writer.write(UInt8(0)); writer.write(op.domain); writer.write(op.ref)
            writer.write(op.offset); writer.write(op.length)
        }
        for op in ops where op.direction == .write { writer.write(bytes: op.data) }
    }

    public init(decoding reader: inout ByteReader) throws(WireError) {
        let count = Int(try reader.readUInt16())
        try reader.skipReserved(6)
        guard count >= 1 else { throw WireError.malformed("empty grant copy batch") }
        guard count <= Self.maxOps else { throw WireError.oversized(length: count, limit: Self.maxOps) }
        ops = []
        ops.reserveCapacity(count)
        for _ in 0 ..< count {
            let raw = try reader.readUInt8()
            guard let direction = Op.Direction(rawValue: raw) else { throw WireError.malformed("direction \(raw)") }
            try reader.skipReserved(1)
            let domain = try reader.readUInt16(), ref = try reader.readUInt32()
            let offset = try reader.readUInt16(), length = try reader.readUInt16()
            guard Int(length) <= Self.maxLength else { throw WireError.oversized(length: Int(length), limit: Self.maxLength) }
            var op = Op(read: domain, ref: ref, offset: offset, length: length)
            op.direction = direction
            ops.append(op)
        }
        for i in ops.indices where ops[i].direction == .write {
            ops[i].data = try reader.readBytes(Int(ops[i].length))
        }
    }
}

/// The answer to `BusGrantCopy` (kind 0x0309, version 1).
///
/// | off | size | field |
/// |----:|----:|---|
/// | 0 | 2 | op count (as in the request) |
/// | 2 | 6 | reserved, zero |
/// | 8 | 4 × n | per op: status (i16, `GNTST_*`), data length (u16: the read's length when ok, else 0) |
/// | … | m | data of the successful reads, in op order |
public struct BusGrantCopyResult: WireMessage {
    public static let kind = MessageKind.busGrantCopyResult
    public static let version: UInt16 = 1
    public static let size = 8

    public struct Outcome: Equatable, Sendable {
        public var status: Int16
        public var data: [UInt8]
        public init(status: Int16, data: [UInt8] = []) { self.status = status; self.data = data }
    }
    public var outcomes: [Outcome]
    public init(outcomes: [Outcome]) { self.outcomes = outcomes }

    public func encode(into writer: inout ByteWriter) {
        writer.write(UInt16(outcomes.count))
        writer.writeZeros(6)
        for o in outcomes { writer.write(UInt16(bitPattern: o.status)); writer.write(UInt16(o.data.count)) }
        for o in outcomes { writer.write(bytes: o.data) }
    }

    public init(decoding reader: inout ByteReader) throws(WireError) {
        let count = Int(try reader.readUInt16())
        try reader.skipReserved(6)
        guard count <= BusGrantCopy.maxOps else { throw WireError.oversized(length: count, limit: BusGrantCopy.maxOps) }
        var lengths: [Int] = []
        outcomes = []
        for _ in 0 ..< count {
            let status = Int16(bitPattern: try reader.readUInt16())
            let length = Int(try reader.readUInt16())
            guard length <= BusGrantCopy.maxLength else { throw WireError.oversized(length: length, limit: BusGrantCopy.maxLength) }
            outcomes.append(Outcome(status: status))
            lengths.append(length)
        }
        for i in outcomes.indices { outcomes[i].data = try reader.readBytes(lengths[i]) }
    }
}

/// Pushed by the hypervisor (kind 0x030A, version 1, no reply): a Dom0 port owned by the receiving process
/// was notified by its guest end. Repeated notifications before delivery coalesce into one (a pending bit).
///
/// | off | size | field |
/// |----:|----:|---|
/// | 0 | 4 | Dom0 port |
public struct BusEvent: WireMessage {
    public static let kind = MessageKind.busEvent
    public static let version: UInt16 = 1
    public static let size = 4
    public var port: UInt32
    public init(port: UInt32) { self.port = port }
    public func encode(into writer: inout ByteWriter) { writer.write(port) }
    public init(decoding reader: inout ByteReader) throws(WireError) { port = try reader.readUInt32() }
}

/// Pushed by the hypervisor (kind 0x030B, version 1, no reply) to the processes serving a domain.
///
/// | off | size | field |
/// |----:|----:|---|
/// | 0 | 2 | domain id |
/// | 2 | 1 | event: 1 created, 2 shut down, 3 crashed, 4 destroyed; others stay representable |
/// | 3 | 1 | reason (`SHUTDOWN_*` of sched.h for event 2, else 0) |
public struct BusDomainEvent: WireMessage {
    public static let kind = MessageKind.busDomainEvent
    public static let version: UInt16 = 1
    public static let size = 4
    public struct Event: RawRepresentable, Hashable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let created = Event(rawValue: 1)
        public static let shutdown = Event(rawValue: 2)
        public static let crashed = Event(rawValue: 3)
        public static let destroyed = Event(rawValue: 4)
    }
    public var domain: UInt16
    public var event: Event
    public var reason: UInt8
    public init(domain: UInt16, event: Event, reason: UInt8 = 0) { self.domain = domain; self.event = event; self.reason = reason }
    public func encode(into writer: inout ByteWriter) { writer.write(domain); writer.write(event.rawValue); writer.write(reason) }
    public init(decoding reader: inout ByteReader) throws(WireError) {
        domain = try reader.readUInt16(); event = Event(rawValue: try reader.readUInt8()); reason = try reader.readUInt8()
    }
}

/// Ask for the bus counters (kind 0x030C, version 1, empty payload). Answered by `BusStats`.
public struct BusStatsRequest: WireMessage {
    public static let kind = MessageKind.busStatsRequest
    public static let version: UInt16 = 1
    public static let size = 0
    public init() {}
    public func encode(into writer: inout ByteWriter) {}
    public init(decoding reader: inout ByteReader) throws(WireError) {}
}

/// The bus counters since the hypervisor started (kind 0x030D, version 1): 10 u64 in this order.
///
/// | off | size | field |
/// |----:|----:|---|
/// | 0 | 8 | frames received |
/// | 8 | 8 | refused: not authenticated (no hello, or a bad secret or name) |
/// | 16 | 8 | refused: unauthorized (another domain, another process's port) |
/// | 24 | 8 | refused: replayed (sequence not above the session's last) |
/// | 32 | 8 | refused: malformed, truncated, oversized, unknown kind, wrong version |
/// | 40 | 8 | notifications from Dom0 processes to guests |
/// | 48 | 8 | events pushed to Dom0 processes |
/// | 56 | 8 | grant copy ops done |
/// | 64 | 8 | grant copy ops refused |
/// | 72 | 8 | authenticated sessions opened |
public struct BusStats: WireMessage {
    public static let kind = MessageKind.busStats
    public static let version: UInt16 = 1
    public static let size = 80
    public var received: UInt64 = 0
    public var unauthenticated: UInt64 = 0
    public var unauthorized: UInt64 = 0
    public var replayed: UInt64 = 0
    public var malformed: UInt64 = 0
    public var notifications: UInt64 = 0
    public var eventsPushed: UInt64 = 0
    public var copiesDone: UInt64 = 0
    public var copiesRefused: UInt64 = 0
    public var sessions: UInt64 = 0
    public init() {}
    public var refused: UInt64 { unauthenticated + unauthorized + replayed + malformed }
    public func encode(into writer: inout ByteWriter) {
        for v in [received, unauthenticated, unauthorized, replayed, malformed, notifications, eventsPushed, copiesDone,
                  copiesRefused, sessions] { writer.write(v) }
    }
    public init(decoding reader: inout ByteReader) throws(WireError) {
        received = try reader.readUInt64(); unauthenticated = try reader.readUInt64()
        unauthorized = try reader.readUInt64(); replayed = try reader.readUInt64(); malformed = try reader.readUInt64()
        notifications = try reader.readUInt64(); eventsPushed = try reader.readUInt64()
        copiesDone = try reader.readUInt64(); copiesRefused = try reader.readUInt64(); sessions = try reader.readUInt64()
    }
}

/// Read one HVM parameter of a served domain (kind 0x030F, version 1), as a toolstack reads what the domain
/// builder chose: the frames and ports of the console and xenstore rings. Answered by `BusParam`; a domain the
/// session does not serve is refused (`ErrorReply` `unauthorized`).
///
/// | off | size | field |
/// |----:|----:|---|
/// | 0 | 2 | guest domain id |
/// | 2 | 2 | reserved, zero |
/// | 4 | 4 | parameter index (`HVM_PARAM_*` of `xen/hvm/params.h`; only those in `readable`) |
public struct BusGetParam: WireMessage {
    public static let kind = MessageKind.busGetParam
    public static let version: UInt16 = 1
    public static let size = 8
    /// What a backend needs and nothing more: HVM_PARAM_STORE_PFN (1), HVM_PARAM_STORE_EVTCHN (2),
    /// HVM_PARAM_CONSOLE_PFN (17), HVM_PARAM_CONSOLE_EVTCHN (18). Any other index answers -EPERM.
    public static let readable: Set<UInt32> = [1, 2, 17, 18]
    public var domain: UInt16
    public var index: UInt32
    public init(domain: UInt16, index: UInt32) { self.domain = domain; self.index = index }
    public func encode(into writer: inout ByteWriter) {
        writer.write(domain); writer.writeZeros(2); writer.write(index)
    }
    public init(decoding reader: inout ByteReader) throws(WireError) {
        domain = try reader.readUInt16()
        try reader.skipReserved(2)
        index = try reader.readUInt32()
    }
}

/// The answer to `BusGetParam` (kind 0x0310, version 1).
///
/// | off | size | field |
/// |----:|----:|---|
/// | 0 | 4 | result: 0, or a negative Xen errno (i32): -EPERM an index not in `BusGetParam.readable`, -ESRCH no such domain, -ENOENT not set |
/// | 4 | 4 | parameter index (as asked) |
/// | 8 | 8 | value (0 unless result is 0) |
public struct BusParam: WireMessage {
    public static let kind = MessageKind.busParam
    public static let version: UInt16 = 1
    public static let size = 16
    public var result: Int32
    public var index: UInt32
    public var value: UInt64
    public init(result: Int32, index: UInt32, value: UInt64 = 0) { self.result = result; self.index = index; self.value = value }
    public func encode(into writer: inout ByteWriter) {
        writer.write(UInt32(bitPattern: result)); writer.write(index); writer.write(value)
    }
    public init(decoding reader: inout ByteReader) throws(WireError) {
        result = Int32(bitPattern: try reader.readUInt32())
        index = try reader.readUInt32()
        value = try reader.readUInt64()
    }
}
