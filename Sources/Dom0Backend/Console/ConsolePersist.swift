import Foundation

/// What a restarted console backend re-reads, and why nothing is lost or repeated (docs/console.md, "Restart").
///
/// **Output (guest → terminal log).** The truth is in two places that survive any process: the ring's `out_cons`
/// (in the guest's page: everything before it has been handed on) and the terminal's log file length (every byte
/// the model ever logged; a chunk is one `write(2)`, so a kill -9 of the model keeps it). The backend keeps one
/// *anchor*: "log length `logLength` corresponds to output stream index `ringIndex`". The mapping is linear (the
/// log only grows by this domain's output), so any anchor stays valid: the stream is logged up to
/// `ringIndex + (currentLogLength - logLength)`.
///
/// The order of a chunk is: read `[out_cons, out_prod)` → `TerminalLoggedOutput` → reply (new log length) →
/// publish `out_cons` → save the anchor (as every anchor stays valid, a kill between the last two leaves an older
/// but still correct one). A kill anywhere in that order is repaired on restart:
/// - before the model logged the chunk: the log did not grow; the chunk is read again from `out_cons` and sent.
/// - after the model logged it, before `out_cons` was published: the log is longer than the anchor says; the
///   restarted backend skips exactly that many bytes (publishing `out_cons` past them) instead of resending.
/// Worked example: anchor (1000, 50), ring `out_cons` 50, `out_prod` 130. The backend sent 80 bytes, the model
/// logged them (log 1080) and the backend died. Restarted: log 1080 → stream logged to 50 + 80 = 130 → publish
/// `out_cons` = 130, send nothing. Had the model died first (log 1000) → logged to 50 → resend 50..<130.
///
/// A terminal model restart is the same computation in a running backend: its chunk went unanswered, it asks the
/// new model for the log length and continues from there.
///
/// An anchor that does not fit (the log shrank, or points outside `[out_cons, out_prod]`) belongs to another
/// launch or another log: it is replaced by (current log length, `out_cons`) and counted as `resumeMismatches`.
/// The anchor also carries the launch's identity (a hash of the bus secret, new for every launch) so a run
/// directory reused by a later launch never applies an old anchor.
///
/// **Input (terminal → guest).** The backend publishes `in_prod` only after the bytes are in the ring; the guest's
/// `in_cons` says what it took. Input held by the backend while the ring is full is lost if the backend is
/// killed (at most `ConsoleBackend.maxPendingInput` bytes, typed by a person, counted on the next run as nothing):
/// a keystroke is not an acknowledged write.
public struct ConsoleAnchor: Equatable, Sendable {
    public static let magic: [UInt8] = Array("XCON".utf8)
    public static let version: UInt16 = 1
    public static let size = 32

    public var launch: UInt64
    public var domain: UInt16
    public var logLength: UInt64
    public var ringIndex: UInt32

    public init(launch: UInt64, domain: UInt16, logLength: UInt64, ringIndex: UInt32) {
        self.launch = launch; self.domain = domain; self.logLength = logLength; self.ringIndex = ringIndex
    }

    /// Record: magic "XCON", version u16, domain u16, launch u64, log length u64, ring index u32, reserved u32;
    /// little-endian.
    public func encoded() -> [UInt8] {
        var b = Self.magic
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { b.append(contentsOf: $0) } }
        put(Self.version); put(domain); put(launch); put(logLength); put(ringIndex); put(UInt32(0))
        return b
    }

    /// nil for anything that is not a whole version-1 record (a torn or foreign file is ignored, not trusted).
    public init?(decoding b: [UInt8]) {
        guard b.count == Self.size, Array(b[0..<4]) == Self.magic else { return nil }
        func get<T: FixedWidthInteger>(_ off: Int, _: T.Type) -> T {
            var v: T = 0
            for i in 0 ..< MemoryLayout<T>.size { v |= T(b[off + i]) << (8 * i) }
            return v
        }
        guard get(4, UInt16.self) == Self.version else { return nil }
        domain = get(6, UInt16.self); launch = get(8, UInt64.self); logLength = get(16, UInt64.self)
        ringIndex = get(24, UInt32.self)
    }

    /// Where the stream is logged up to, given the log's length now; nil when this anchor cannot describe it.
    public func loggedIndex(logLengthNow: UInt64) -> UInt32? {
        guard logLengthNow >= logLength, logLengthNow - logLength <= UInt64(UInt32.max) else { return nil }
        return ringIndex &+ UInt32(logLengthNow - logLength)
    }

    /// Loads the anchor file; nil when missing or unreadable.
    public static func load(path: String) -> ConsoleAnchor? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return ConsoleAnchor(decoding: Array(data))
    }

    /// Writes the anchor with write-to-temp + rename, so a reader sees the old record or the new one, never half.
    /// No fsync: the anchor protects against process kills (the page cache survives them); after a host crash the
    /// whole launch is gone anyway.
    public func save(path: String) throws {
        let temp = path + ".tmp"
        try Data(encoded()).write(to: URL(fileURLWithPath: temp))
        guard rename(temp, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// FNV-1a of the launch's bus secret: a launch identity that needs no extra file.
    public static func launchIdentity(secret: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in secret { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
