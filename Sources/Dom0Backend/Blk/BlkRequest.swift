import Wire
import XenABI

/// What one ring request asks of the disk, once checked (`BlkRequestCheck`).
public enum BlkWork: Equatable, Sendable {
    /// Read `sectors` sectors from `firstSector` into the segments' pages, in segment order.
    case read(firstSector: UInt64, sectors: UInt32, segments: [BlkifSegment])
    /// Write the segments' sectors, in order, from `firstSector`.
    case write(firstSector: UInt64, sectors: UInt32, segments: [BlkifSegment])
    case flush
    case discard(firstSector: UInt64, sectors: UInt64)

    /// Bytes moved between the guest and the disk (0 for flush and discard).
    public var dataBytes: Int {
        switch self {
        case let .read(_, n, _), let .write(_, n, _): return Int(n) * Blkif.sectorSize
        case .flush, .discard: return 0
        }
    }
}

/// Why a request is answered without touching the disk: the status it gets and a reason for the log.
public struct BlkRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// An operation this backend does not offer (unknown, barrier, indirect): BLKIF_RSP_EOPNOTSUPP.
        case unsupportedOperation(UInt8)
        /// nr_segments outside 1…11 (read/write) or not 0 (flush).
        case segmentCount(UInt8)
        /// A segment with first_sect > last_sect or last_sect > 7.
        case segmentBounds(index: Int, first: UInt8, last: UInt8)
        /// Sectors past the end of the disk (or an overflowing range).
        case outOfRange(first: UInt64, count: UInt64, capacity: UInt64)
        /// A write or discard to a read-only disk.
        case readOnly
    }
    public var reason: Reason
    public var status: Int16 {
        if case .unsupportedOperation = reason { return Blkif.responseNotSupported }
        return Blkif.responseError
    }
    public var description: String {
        switch reason {
        case let .unsupportedOperation(op): return "unsupported operation \(op)"
        case let .segmentCount(n): return "nr_segments \(n)"
        case let .segmentBounds(i, f, l): return "segment \(i): first_sect \(f), last_sect \(l)"
        case let .outOfRange(first, count, capacity): return "sectors \(first)+\(count) past the end (\(capacity))"
        case .readOnly: return "write to a read-only disk"
        }
    }
}

/// The checks blkback makes on every request before it acts (docs/block.md, "Validation"), as one pure function.
/// The guest wrote every field: nothing here traps, every refusal is a `BlkRefusal`.
public enum BlkRequestCheck {
    public static func check(_ r: BlkifRequest, capacitySectors: UInt64, readOnly: Bool)
        -> Result<BlkWork, BlkRefusal> {
        switch r.operation {
        case .read, .write:
            guard r.nrSegments >= 1, Int(r.nrSegments) <= Blkif.maxSegments else {
                return .failure(.init(reason: .segmentCount(r.nrSegments)))
            }
            var sectors: UInt32 = 0
            for (i, s) in r.segments.enumerated() {
                guard s.firstSector <= s.lastSector, s.lastSector < Blkif.sectorsPerPage else {
                    return .failure(.init(reason: .segmentBounds(index: i, first: s.firstSector, last: s.lastSector)))
                }
                sectors += UInt32(s.lastSector - s.firstSector) + 1
            }
            guard inside(r.sectorNumber, UInt64(sectors), capacitySectors) else {
                return .failure(.init(reason: .outOfRange(first: r.sectorNumber, count: UInt64(sectors),
                                                          capacity: capacitySectors)))
            }
            if r.operation == .write {
                if readOnly { return .failure(.init(reason: .readOnly)) }
                return .success(.write(firstSector: r.sectorNumber, sectors: sectors, segments: r.segments))
            }
            return .success(.read(firstSector: r.sectorNumber, sectors: sectors, segments: r.segments))
        case .flushDiskCache:
            guard r.nrSegments == 0 else { return .failure(.init(reason: .segmentCount(r.nrSegments))) }
            return .success(.flush)
        case .discard:
            guard inside(r.sectorNumber, r.discardSectors, capacitySectors) else {
                return .failure(.init(reason: .outOfRange(first: r.sectorNumber, count: r.discardSectors,
                                                          capacity: capacitySectors)))
            }
            if readOnly { return .failure(.init(reason: .readOnly)) }
            return .success(.discard(firstSector: r.sectorNumber, sectors: r.discardSectors))
        default:
            return .failure(.init(reason: .unsupportedOperation(r.operation.rawValue)))
        }
    }

    /// `first + count ≤ capacity` without overflow.
    static func inside(_ first: UInt64, _ count: UInt64, _ capacity: UInt64) -> Bool {
        let (end, overflow) = first.addingReportingOverflow(count)
        return !overflow && end <= capacity
    }

    /// The disk model transactions of a checked request: one for read/write/flush; a discard is cut into pieces
    /// of at most `DiskRequest.maxSectors` (a discard may cover the whole disk; a disk request may not).
    public static func diskRequests(_ work: BlkWork, data: [UInt8] = [], id: (Int) -> UInt64) -> [DiskRequest] {
        switch work {
        case let .read(first, n, _):
            return [DiskRequest(op: .read, requestID: id(0), firstSector: first, sectorCount: n)]
        case let .write(first, n, _):
            return [DiskRequest(op: .write, requestID: id(0), firstSector: first, sectorCount: n, data: data)]
        case .flush:
            return [DiskRequest(op: .flush, requestID: id(0), firstSector: 0, sectorCount: 0)]
        case let .discard(first, n):
            var out: [DiskRequest] = []
            var at = first, left = n
            while left > 0 {
                let piece = min(left, UInt64(DiskRequest.maxSectors))
                out.append(DiskRequest(op: .discard, requestID: id(out.count), firstSector: at,
                                       sectorCount: UInt32(piece)))
                at += piece; left -= piece
            }
            return out
        }
    }

    /// Where each segment's bytes sit in its page: (offset, length), `first_sect × 512` and
    /// `(last_sect - first_sect + 1) × 512`. Only for checked segments.
    public static func pageSpan(_ s: BlkifSegment) -> (offset: Int, length: Int) {
        (Int(s.firstSector) * Blkif.sectorSize, (Int(s.lastSector) - Int(s.firstSector) + 1) * Blkif.sectorSize)
    }
}
