/// The disk family (0x01xx): the native driver inside blkback talks to a disk model process, which owns the
/// image file. Sectors are 512 bytes, as in blkif.h. A retried request reuses its `requestID`, so a disk
/// model may recognise a retry after a restart; every operation is idempotent for the same id and data.

/// Bytes per sector (blkif.h's 512-byte sector unit, whatever the image's block size).
public let diskSectorSize = 512

/// A disk transaction (kind 0x0101, version 1).
///
/// | off | size | field |
/// |----:|----:|---|
/// | 0 | 8 | request id |
/// | 8 | 8 | first sector |
/// | 16 | 4 | sector count |
/// | 20 | 1 | op |
/// | 21 | 3 | reserved, zero |
/// | 24 | 4 | data length (WRITE: sector count × 512; others 0) |
/// | 28 | 4 | reserved, zero |
/// | 32 | n | data |
public struct DiskRequest: WireMessage {
    public static let kind = MessageKind.diskRequest
    public static let version: UInt16 = 1
    public static let size = 32
    /// At most 256 sectors (128 KiB) per request. A blkif request carries at most 11 segments of one 4 KiB
    /// page (44 KiB, BLKIF_MAX_SEGMENTS_PER_REQUEST); 128 KiB also covers a 32-page indirect request, and
    /// keeps a frame far below `FrameHeader.maxFrameSize`.
    public static let maxSectors: UInt32 = 256
    public static let maxDataLength = Int(maxSectors) * diskSectorSize

    /// The operation. A struct over the raw byte so an unknown op decodes and gets status `badRequest`.
    public struct Op: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let read = Op(rawValue: 0)
        public static let write = Op(rawValue: 1)
        public static let flush = Op(rawValue: 2)
        public static let discard = Op(rawValue: 3)
        public var description: String {
            switch self {
            case .read: return "READ"
            case .write: return "WRITE"
            case .flush: return "FLUSH"
            case .discard: return "DISCARD"
            default: return "op(\(rawValue))"
            }
        }
    }

    public var op: Op
    public var requestID: UInt64
    public var firstSector: UInt64
    public var sectorCount: UInt32
    /// WRITE data; empty for the other ops.
    public var data: [UInt8]

    public init(op: Op, requestID: UInt64, firstSector: UInt64, sectorCount: UInt32, data: [UInt8] = []) {
        self.op = op
        self.requestID = requestID
        self.firstSector = firstSector
        self.sectorCount = sectorCount
        self.data = data
    }

    public func encode(into writer: inout ByteWriter) {
        writer.write(requestID)
        writer.write(firstSector)
        writer.write(sectorCount)
        writer.write(op.rawValue)
        writer.writeZeros(3)
        writer.write(UInt32(data.count))
        writer.write(UInt32(0))
        writer.write(bytes: data)
    }

    /// Checks structure and bounds only; whether the request makes sense for a disk is `check(...)`.
    public init(decoding reader: inout ByteReader) throws(WireError) {
        requestID = try reader.readUInt64()
        firstSector = try reader.readUInt64()
        sectorCount = try reader.readUInt32()
        op = Op(rawValue: try reader.readUInt8())
        try reader.skipReserved(3)
        let length = Int(try reader.readUInt32())
        try reader.skipReserved(4)
        guard sectorCount <= Self.maxSectors else {
            throw WireError.oversized(length: Int(sectorCount) * diskSectorSize, limit: Self.maxDataLength)
        }
        guard length <= Self.maxDataLength else { throw WireError.oversized(length: length, limit: Self.maxDataLength) }
        data = try reader.readBytes(length)
    }

    /// The status a disk of `capacitySectors` sectors must answer, or `.ok` if it may proceed.
    /// Shared by every disk model so they refuse the same things the same way.
    public func check(capacitySectors: UInt64, readOnly: Bool) -> DiskResponse.Status {
        switch op {
        case .read, .write, .discard:
            if op == .write && data.count != Int(sectorCount) * diskSectorSize { return .misaligned }
            if op != .write && !data.isEmpty { return .badRequest }
            let (end, overflow) = firstSector.addingReportingOverflow(UInt64(sectorCount))
            if overflow || end > capacitySectors { return .outOfRange }
            if readOnly && op != .read { return .readOnly }
            return .ok
        case .flush:
            return data.isEmpty && sectorCount == 0 ? .ok : .badRequest
        default:
            return .badRequest
        }
    }
}

/// The answer to a `DiskRequest` (kind 0x0102, version 1).
///
/// | off | size | field |
/// |----:|----:|---|
/// | 0 | 8 | request id (as in the request) |
/// | 8 | 1 | status |
/// | 9 | 3 | reserved, zero |
/// | 12 | 4 | data length (READ with status ok: sector count × 512; else 0) |
/// | 16 | n | data |
public struct DiskResponse: WireMessage {
    public static let kind = MessageKind.diskResponse
    public static let version: UInt16 = 1
    public static let size = 16

    /// Outcome of a disk request. A struct over the raw byte: unknown statuses stay representable.
    public struct Status: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let ok = Status(rawValue: 0)
        /// Sectors beyond the end of the image.
        public static let outOfRange = Status(rawValue: 1)
        /// WRITE data is not sector count × 512 bytes.
        public static let misaligned = Status(rawValue: 2)
        /// A write or discard to a read-only disk.
        public static let readOnly = Status(rawValue: 3)
        /// The image file failed (EIO, ENOSPC…).
        public static let ioError = Status(rawValue: 4)
        /// An unknown op or fields that do not fit the op.
        public static let badRequest = Status(rawValue: 5)
        public var description: String {
            switch self {
            case .ok: return "ok"
            case .outOfRange: return "outOfRange"
            case .misaligned: return "misaligned"
            case .readOnly: return "readOnly"
            case .ioError: return "ioError"
            case .badRequest: return "badRequest"
            default: return "status(\(rawValue))"
            }
        }
    }

    public var requestID: UInt64
    public var status: Status
    public var data: [UInt8]

    public init(requestID: UInt64, status: Status, data: [UInt8] = []) {
        self.requestID = requestID
        self.status = status
        self.data = data
    }

    public func encode(into writer: inout ByteWriter) {
        writer.write(requestID)
        writer.write(status.rawValue)
        writer.writeZeros(3)
        writer.write(UInt32(data.count))
        writer.write(bytes: data)
    }

    public init(decoding reader: inout ByteReader) throws(WireError) {
        requestID = try reader.readUInt64()
        status = Status(rawValue: try reader.readUInt8())
        try reader.skipReserved(3)
        let length = Int(try reader.readUInt32())
        guard length <= DiskRequest.maxDataLength else {
            throw WireError.oversized(length: length, limit: DiskRequest.maxDataLength)
        }
        data = try reader.readBytes(length)
    }
}
