import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// xenstored's durable state and its record format (the idea of Xen's `xenstore_state.h`: restart state as
/// a versioned stream of typed records).
///
/// What survives a restart (kill -9 included): every node with its value, permissions and child order; the
/// introduced domains; the watches of ZeroMQ clients, keyed by the client's routing id (a Dom0 process that
/// reconnects with the same routing id keeps receiving its events), and the watches of guests' ring connections,
/// keyed by domain id (the ring outlives the daemon, so the guest keeps waiting on its watches). What does not:
/// open transactions (their
/// TRANSACTION_END answers EAGAIN, and the client retries, as for any conflict) and the watches of Unix-socket
/// clients (their connection is gone; libxenstore clients reconnect and re-register).
///
/// Files in the state directory:
///   `snapshot`  the whole state as records, replaced atomically (write `snapshot.tmp`, fsync, rename, fsync dir)
///   `journal`   records appended since that snapshot; each batch is fsynced before any reply it covers is sent
/// A record: u32 length of (kind + body), u32 CRC-32 of (kind + body), u8 kind, body. A torn or corrupt tail of
/// the journal (a crash mid-append) ends the replay there and is cut off: it was never acknowledged.
public struct XenstoreState: Equatable, Sendable {
    public var nodes: [String: XenstoreNode] = [:]
    public var domains: [UInt32: XenstoreDomain] = [:]
    /// Watches of the clients that outlive the daemon: ZeroMQ clients by routing id, guests by domain.
    public var watches: [XenstoreClientIdentity: [XenstoreWatch]] = [:]
    /// Incremented at each start; transaction ids carry it, so a transaction from before a restart is known
    /// to be gone (EAGAIN) rather than never issued (ENOENT).
    public var epoch: UInt32 = 0

    public init() {}

    /// Snapshot stream of this state.
    public func save() -> [UInt8] {
        var out = XenstoreRecord.fileHeader
        XenstoreRecord.epoch(epoch).append(to: &out)
        for (path, node) in nodes.sorted(by: { $0.key < $1.key }) { XenstoreRecord.node(path, node).append(to: &out) }
        for (_, d) in domains.sorted(by: { $0.key < $1.key }) { XenstoreRecord.introduced(d).append(to: &out) }
        for (id, list) in watches.sorted(by: { XenstoreClientIdentity.precedes($0.key, $1.key) }) {
            for w in list { XenstoreRecord.watchAdded(identity: id, w).append(to: &out) }
        }
        return out
    }

    /// Applies one record (snapshot or journal).
    mutating func apply(_ record: XenstoreRecord) {
        switch record {
        case let .epoch(e): epoch = e
        case let .node(path, node): nodes[path] = node
        case let .removed(path): nodes[path] = nil
        case let .introduced(d): domains[d.domain] = d
        case let .released(id): domains[id] = nil
        case let .watchAdded(identity, w):
            if !(watches[identity]?.contains(w) ?? false) { watches[identity, default: []].append(w) }
        case let .watchRemoved(identity, w):
            watches[identity]?.removeAll { $0 == w }
            if watches[identity]?.isEmpty == true { watches[identity] = nil }
        case let .watchesReset(identity): watches[identity] = nil
        }
    }

    /// Reads a snapshot stream. Throws on a bad header or a damaged record: a snapshot is written whole
    /// and renamed into place, so damage there is not a crash artefact but real corruption.
    public static func restore(_ bytes: [UInt8]) throws(XenstorePersistError) -> XenstoreState {
        var state = XenstoreState()
        let (records, end) = try XenstoreRecord.decodeStream(bytes)
        guard end == bytes.count else { throw .corrupt(offset: end, reason: "damaged snapshot record") }
        for r in records { state.apply(r) }
        return state
    }
}

public enum XenstorePersistError: Error, Equatable, Sendable, CustomStringConvertible {
    case badHeader
    case corrupt(offset: Int, reason: String)
    case io(String, errno: Int32)

    public var description: String {
        switch self {
        case .badHeader: "not a xenstored state file (bad magic or version)"
        case let .corrupt(o, r): "state file corrupt at byte \(o): \(r)"
        case let .io(what, e): "\(what): \(String(cString: strerror(e)))"
        }
    }
}

/// One record of the state stream.
public enum XenstoreRecord: Equatable, Sendable {
    case epoch(UInt32)
    case node(String, XenstoreNode)
    case removed(String)
    case introduced(XenstoreDomain)
    case released(UInt32)
    case watchAdded(identity: XenstoreClientIdentity, XenstoreWatch)
    case watchRemoved(identity: XenstoreClientIdentity, XenstoreWatch)
    case watchesReset(identity: XenstoreClientIdentity)

    /// "XSST" then the format version. Version 1 is this file's layout; a reader refuses any other. Kinds 9-11
    /// (guests' watches) were added later within version 1: files written before them read the same.
    public static let magic: [UInt8] = Array("XSST".utf8)
    public static let version: UInt32 = 1
    static var fileHeader: [UInt8] {
        var h = magic
        h += withUnsafeBytes(of: version.littleEndian, Array.init)
        return h
    }

    /// Largest record body accepted when reading: a node is at most a 4096-byte value plus its path,
    /// permissions and child names; a node with thousands of children can exceed that, so the bound is
    /// generous, and only protects the reader from a damaged length.
    static let maximumRecordLength = 64 << 20
    /// Kinds 6, 7, 8 (a ZeroMQ client's watch added, removed, reset) plus this are the same for a guest's ring.
    static let ringKindOffset: UInt8 = 3

    func append(to out: inout [UInt8]) {
        var body: [UInt8] = []
        func u8(_ v: UInt8) { body.append(v) }
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { body += $0 } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { body += $0 } }
        func bytes(_ b: [UInt8]) { u32(UInt32(b.count)); body += b }
        func str(_ s: String) { bytes(Array(s.utf8)) }
        func watch(_ w: XenstoreWatch) { str(w.path); str(w.absolutePath); bytes(w.token) }
        /// The record kind for a ZeroMQ client (routing id follows) or, `ringOffset` later, a guest (domain id).
        func client(_ zmqKind: UInt8, _ identity: XenstoreClientIdentity) {
            switch identity {
            case let .zmq(id): u8(zmqKind); bytes(id)
            case let .ring(domain): u8(zmqKind + Self.ringKindOffset); u32(domain)
            }
        }
        switch self {
        case let .epoch(e): u8(1); u32(e)
        case let .node(path, n):
            u8(2); str(path); bytes(n.value)
            u32(UInt32(n.permissions.entries.count))
            for p in n.permissions.entries { u32(p.domain); u8(p.access.rawValue) }
            u32(UInt32(n.children.count))
            for c in n.children { str(c) }
        case let .removed(path): u8(3); str(path)
        case let .introduced(d): u8(4); u32(d.domain); u64(d.frame); u32(d.port)
        case let .released(id): u8(5); u32(id)
        case let .watchAdded(identity, w): client(6, identity); watch(w)
        case let .watchRemoved(identity, w): client(7, identity); watch(w)
        case let .watchesReset(identity): client(8, identity)
        }
        withUnsafeBytes(of: UInt32(body.count).littleEndian) { out += $0 }
        withUnsafeBytes(of: CRC32.checksum(body).littleEndian) { out += $0 }
        out += body
    }

    /// Decodes records after the file header until the end or the first damaged record; returns them and
    /// the offset where decoding stopped.
    static func decodeStream(_ bytes: [UInt8]) throws(XenstorePersistError) -> ([XenstoreRecord], Int) {
        guard bytes.count >= 8, Array(bytes[0 ..< 4]) == magic,
              UInt32(bytes[4]) | UInt32(bytes[5]) << 8 | UInt32(bytes[6]) << 16 | UInt32(bytes[7]) << 24 == version
        else { throw .badHeader }
        var records: [XenstoreRecord] = []
        var at = 8
        while at + 8 <= bytes.count {
            var r = RecordReader(bytes: bytes, at: at)
            guard let length = r.u32(), let crc = r.u32(), Int(length) <= maximumRecordLength,
                  at + 8 + Int(length) <= bytes.count else { break }
            let body = Array(bytes[(at + 8) ..< (at + 8 + Int(length))])
            guard CRC32.checksum(body) == crc, let record = decodeBody(body) else { break }
            records.append(record)
            at += 8 + Int(length)
        }
        return (records, at)
    }

    static func decodeBody(_ body: [UInt8]) -> XenstoreRecord? {
        var r = RecordReader(bytes: body, at: 0)
        func watch() -> XenstoreWatch? {
            guard let p = r.string(), let a = r.string(), let t = r.bytes() else { return nil }
            return XenstoreWatch(path: p, absolutePath: a, token: t)
        }
        guard let kind = r.u8() else { return nil }
        let record: XenstoreRecord?
        switch kind {
        case 1: record = r.u32().map { .epoch($0) }
        case 2:
            guard let path = r.string(), let value = r.bytes(), let count = r.u32(),
                  count >= 1, Int(count) <= XenstorePermissions.maximumEntries else { return nil }
            var perms: [XenstorePermission] = []
            for _ in 0 ..< count {
                guard let d = r.u32(), let a = r.u8(), a <= 3 else { return nil }
                perms.append(XenstorePermission(domain: d, access: XenstoreAccess(rawValue: a)))
            }
            guard let nchildren = r.u32(), Int(nchildren) <= body.count else { return nil }
            var children: [String] = []
            for _ in 0 ..< nchildren {
                guard let c = r.string() else { return nil }
                children.append(c)
            }
            record = .node(path, XenstoreNode(value: value, permissions: XenstorePermissions(perms)!,
                                              children: children))
        case 3: record = r.string().map { .removed($0) }
        case 4:
            guard let d = r.u32(), let f = r.u64(), let p = r.u32() else { return nil }
            record = .introduced(XenstoreDomain(domain: d, frame: f, port: p))
        case 5: record = r.u32().map { .released($0) }
        case 6:
            guard let id = r.bytes(), let w = watch() else { return nil }
            record = .watchAdded(identity: .zmq(routingID: id), w)
        case 7:
            guard let id = r.bytes(), let w = watch() else { return nil }
            record = .watchRemoved(identity: .zmq(routingID: id), w)
        case 8: record = r.bytes().map { .watchesReset(identity: .zmq(routingID: $0)) }
        case 9:
            guard let d = r.u32(), let w = watch() else { return nil }
            record = .watchAdded(identity: .ring(domain: d), w)
        case 10:
            guard let d = r.u32(), let w = watch() else { return nil }
            record = .watchRemoved(identity: .ring(domain: d), w)
        case 11: record = r.u32().map { .watchesReset(identity: .ring(domain: $0)) }
        default: record = nil
        }
        return r.atEnd ? record : nil
    }
}

/// Bounds-checked little-endian reads over a record (untrusted: a file on disk may be anything).
struct RecordReader {
    let data: [UInt8]
    var at: Int
    init(bytes: [UInt8], at: Int) { data = bytes; self.at = at }
    var atEnd: Bool { at == data.count }
    mutating func u8() -> UInt8? {
        guard at < data.count else { return nil }
        defer { at += 1 }
        return data[at]
    }
    mutating func u32() -> UInt32? {
        guard at + 4 <= data.count else { return nil }
        defer { at += 4 }
        let d = data, a = at
        return (0 ..< 4).reduce(UInt32(0)) { $0 | UInt32(d[a + $1]) << (8 * UInt32($1)) }
    }
    mutating func u64() -> UInt64? {
        guard let lo = u32(), let hi = u32() else { return nil }
        return UInt64(lo) | UInt64(hi) << 32
    }
    mutating func bytes() -> [UInt8]? {
        guard let n = u32(), Int(n) <= data.count - at else { return nil }
        defer { at += Int(n) }
        return Array(data[at ..< at + Int(n)])
    }
    mutating func string() -> String? { bytes().map { String(decoding: $0, as: UTF8.self) } }
}

/// CRC-32 (IEEE 802.3, reflected, as zlib's crc32): detects a torn or damaged record.
enum CRC32 {
    static let table: [UInt32] = (0 ..< 256).map { i in
        var c = UInt32(i)
        for _ in 0 ..< 8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}

/// The state directory: snapshot plus journal, with fsync discipline.
public final class XenstoreStateDirectory {
    public let path: String
    private var journalFD: Int32 = -1
    private var pending: [UInt8] = []
    /// Records in the journal since the last snapshot.
    public private(set) var journalRecords = 0
    /// Journal size past which the next quiet moment writes a snapshot: replaying a long journal would slow
    /// the restart, and a snapshot of a 10 000-node tree takes milliseconds.
    public var snapshotAfterRecords = 50_000

    var snapshotPath: String { path + "/snapshot" }
    var journalPath: String { path + "/journal" }

    public init(path: String) throws(XenstorePersistError) {
        self.path = path
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .io("mkdir \(path)", errno: errno)
        }
    }

    deinit { if journalFD >= 0 { close(journalFD) } }

    /// Loads the snapshot and replays the journal; a torn journal tail is cut off.
    public func load() throws(XenstorePersistError) -> XenstoreState? {
        var state: XenstoreState?
        if let snap = FileManager.default.contents(atPath: snapshotPath) {
            state = try XenstoreState.restore(Array(snap))
        }
        if let journal = FileManager.default.contents(atPath: journalPath), !journal.isEmpty {
            let bytes = Array(journal)
            if let (records, _) = try? XenstoreRecord.decodeStream(bytes) {
                var s = state ?? XenstoreState()
                for r in records { s.apply(r) }
                state = s
            }
        }
        return state
    }

    /// Writes `state` as the new snapshot and starts an empty journal.
    public func writeSnapshot(_ state: XenstoreState) throws(XenstorePersistError) {
        let tmp = snapshotPath + ".tmp"
        try Self.writeFile(tmp, state.save())
        guard rename(tmp, snapshotPath) == 0 else { throw .io("rename \(tmp)", errno: errno) }
        try syncDirectory()
        if journalFD >= 0 { close(journalFD); journalFD = -1 }
        let fd = open(journalPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io("open \(journalPath)", errno: errno) }
        journalFD = fd
        pending = XenstoreRecord.fileHeader
        journalRecords = 0
        try sync()
        try syncDirectory()
    }

    /// Queues a record; it is durable after the next `sync()`.
    public func append(_ record: XenstoreRecord) {
        record.append(to: &pending)
        journalRecords += 1
    }

    public var hasPending: Bool { !pending.isEmpty }

    /// Writes the queued records and fdatasyncs the journal.
    public func sync() throws(XenstorePersistError) {
        guard !pending.isEmpty else { return }
        precondition(journalFD >= 0, "journal used before the first snapshot")
        var offset = 0
        while offset < pending.count {
            let n = pending[offset...].withUnsafeBytes { write(journalFD, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("write \(journalPath)", errno: errno)
            }
            offset += n
        }
        pending.removeAll(keepingCapacity: true)
        guard fdatasync(journalFD) == 0 else { throw .io("fdatasync \(journalPath)", errno: errno) }
    }

    static func writeFile(_ path: String, _ bytes: [UInt8]) throws(XenstorePersistError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io("open \(path)", errno: errno) }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("write \(path)", errno: errno)
            }
            offset += n
        }
        guard fsync(fd) == 0 else { throw .io("fsync \(path)", errno: errno) }
    }

    private func syncDirectory() throws(XenstorePersistError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("open \(path)", errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io("fsync \(path)", errno: errno) }
    }
}
