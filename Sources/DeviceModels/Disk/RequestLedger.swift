/// The record of answered requests that makes a retried request id harmless: a client that timed out (the reply
/// was lost, or the model was slow) sends the same id again and gets the recorded reply; the operation is not
/// executed a second time.
///
/// Keyed by request id alone: a disk model serves one backend (the topology gives each model one client), and
/// request ids are unique per client for the lifetime of a model (DiskRequest's contract: a new request takes a new
/// id, a retry reuses it). A request that reuses an id with *different* content is a client bug; `lookup` reports it
/// as `.conflict` so the model can refuse it instead of answering with another request's result.
///
/// The ledger lives in memory only. After a model restart it is empty, so a retry of a request the dead model had
/// already executed runs again; docs/devices.md explains why that is safe for every disk operation.
public struct RequestLedger<Reply> {
    /// What identifies the content of a request, to tell a genuine retry from a reused id.
    public struct Fingerprint: Hashable, Sendable {
        public var operation: UInt8
        public var firstSector: UInt64
        public var sectorCount: UInt64
        /// FNV-1a over the write data (0 for requests without data): cheap, and enough to catch a client bug;
        /// it is not a defence against a hostile client, which can only confuse its own requests.
        public var dataHash: UInt64

        public init(operation: UInt8, firstSector: UInt64, sectorCount: UInt64, data: [UInt8] = []) {
            self.operation = operation
            self.firstSector = firstSector
            self.sectorCount = sectorCount
            self.dataHash = data.isEmpty ? 0 : Self.fnv1a(data)
        }

        static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes {
                hash ^= UInt64(byte)
                hash &*= 0x100_0000_01b3
            }
            return hash
        }
    }

    public enum Lookup {
        /// Never seen (or already forgotten): execute it.
        case new
        /// A retry of a request already answered: send this reply again.
        case replay(Reply)
        /// The id was used for a different request.
        case conflict
    }

    /// How many replies are kept. A client retries only requests that are still in flight, and a Xen block
    /// frontend has at most one ring of requests in flight: 32 slots per ring page, and Linux blkback accepts rings
    /// of up to 16 pages (`max-ring-page-order` 4), so 512 requests. 4096 is 8 such rings: any request a client can
    /// still retry is found, while the ledger stays a few hundred KiB when the replies carry no data.
    public static var defaultMaxEntries: Int { 4096 }
    /// How many bytes of reply payload (read data) are kept. Read replies carry data; without a byte bound 4096
    /// maximal reads could pin gigabytes. 64 MiB holds far more than one ring's worth of reads; a read reply pushed
    /// out by this bound and then retried is executed again, which is harmless for a read.
    public static var defaultMaxPayloadBytes: Int { 64 << 20 }

    public let maxEntries: Int
    public let maxPayloadBytes: Int
    private var entries: [UInt64: (fingerprint: Fingerprint, reply: Reply, payload: Int, serial: UInt64)] = [:]
    /// Insertion order for FIFO eviction: the oldest reply is the one least likely to be retried. The serial tells
    /// a live slot from one left behind when the same id was recorded again.
    private var order: [(id: UInt64, serial: UInt64)] = []
    private var nextSerial: UInt64 = 0
    private var orderStart = 0
    public private(set) var payloadBytes = 0
    /// Replies dropped to stay within the bounds (exposed in metrics).
    public private(set) var evictions: UInt64 = 0

    public init(maxEntries: Int = Self.defaultMaxEntries, maxPayloadBytes: Int = Self.defaultMaxPayloadBytes) {
        precondition(maxEntries > 0 && maxPayloadBytes >= 0)
        self.maxEntries = maxEntries
        self.maxPayloadBytes = maxPayloadBytes
    }

    public var count: Int { entries.count }

    public func lookup(id: UInt64, fingerprint: Fingerprint) -> Lookup {
        guard let entry = entries[id] else { return .new }
        return entry.fingerprint == fingerprint ? .replay(entry.reply) : .conflict
    }

    /// Records the reply to request `id`. `payload` is the size of the data the reply holds (for the byte bound).
    /// A reply larger than the whole byte budget is not recorded (its retry re-executes; only reads are that big).
    public mutating func record(id: UInt64, fingerprint: Fingerprint, reply: Reply, payload: Int = 0) {
        guard payload <= maxPayloadBytes else { return }
        if let old = entries.removeValue(forKey: id) {
            payloadBytes -= old.payload
            // Its slot in `order` stays; eviction skips ids no longer present.
        }
        nextSerial += 1
        entries[id] = (fingerprint, reply, payload, nextSerial)
        order.append((id, nextSerial))
        payloadBytes += payload
        while entries.count > maxEntries || payloadBytes > maxPayloadBytes {
            evictOldest()
        }
        // Compact the order queue once its consumed prefix dominates, so it stays O(maxEntries).
        if orderStart > 1024 && orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }

    private mutating func evictOldest() {
        while orderStart < order.count {
            let slot = order[orderStart]
            orderStart += 1
            if let entry = entries[slot.id], entry.serial == slot.serial {
                entries.removeValue(forKey: slot.id)
                payloadBytes -= entry.payload
                evictions += 1
                return
            }
        }
    }
}
