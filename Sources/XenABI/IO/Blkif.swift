/// The block device ring of `xen/io/blkif.h` on `xen/io/ring.h`, native ARM layout (protocol `arm-abi`,
/// `XEN_IO_PROTO_ABI_ARM`): one 4 KiB shared page, a 64-byte header then 32 slots of 112 bytes, each holding a
/// request until the backend answers it with a response in the same slot.
///
/// Every offset here is checked against clang's view of the real header for armv7a
/// (`Tests/XenABITests/BlkifLayoutTests.swift`). The backend reads the page through grant copies, so decoding
/// works on byte arrays and never traps: every value in it is the guest's.
public enum Blkif {
    /// `BLKIF_OP_*`.
    public struct Operation: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let read = Operation(rawValue: 0)            // BLKIF_OP_READ
        public static let write = Operation(rawValue: 1)           // BLKIF_OP_WRITE
        public static let writeBarrier = Operation(rawValue: 2)    // BLKIF_OP_WRITE_BARRIER
        public static let flushDiskCache = Operation(rawValue: 3)  // BLKIF_OP_FLUSH_DISKCACHE
        public static let reserved1 = Operation(rawValue: 4)       // BLKIF_OP_RESERVED_1
        public static let discard = Operation(rawValue: 5)         // BLKIF_OP_DISCARD
        public static let indirect = Operation(rawValue: 6)        // BLKIF_OP_INDIRECT
        public var description: String {
            switch self {
            case .read: "READ"; case .write: "WRITE"; case .writeBarrier: "WRITE_BARRIER"
            case .flushDiskCache: "FLUSH_DISKCACHE"; case .discard: "DISCARD"; case .indirect: "INDIRECT"
            default: "op(\(rawValue))"
            }
        }
    }

    /// `BLKIF_RSP_*` (the response's `status`, an int16).
    public static let responseOkay: Int16 = 0          // BLKIF_RSP_OKAY
    public static let responseError: Int16 = -1        // BLKIF_RSP_ERROR
    public static let responseNotSupported: Int16 = -2 // BLKIF_RSP_EOPNOTSUPP

    /// BLKIF_MAX_SEGMENTS_PER_REQUEST.
    public static let maxSegments = 11
    /// Sectors per 4 KiB page: a segment's `first_sect`/`last_sect` are 0…7.
    public static let sectorsPerPage: UInt8 = 8
    public static let sectorSize = 512
    /// VDISK_READONLY, in the backend's `info` node.
    public static let vdiskReadOnly = 4
    /// The protocol name of the native ARM layout (`XEN_IO_PROTO_ABI_ARM`).
    public static let protocolARM = "arm-abi"

    // MARK: the shared ring (ring.h DEFINE_RING_TYPES(blkif, ...))

    /// `struct blkif_sring` header: req_prod, req_event, rsp_prod, rsp_event, then padding to 64.
    public static let sring = CLayout("struct blkif_sring", size: 64 + 112, [
        .init("req_prod", 0, 4), .init("req_event", 4, 4), .init("rsp_prod", 8, 4), .init("rsp_event", 12, 4),
        .init("ring", 64, 112),
    ])
    public static let reqProdOffset = 0
    public static let reqEventOffset = 4
    public static let rspProdOffset = 8
    public static let rspEventOffset = 12
    public static let ringOffset = 64
    /// `sizeof(union blkif_sring_entry)`: the larger of request (112) and response (16).
    public static let slotSize = 112
    /// `__RING_SIZE` for one 4 KiB page: (4096 - 64) / 112 = 36, rounded down to a power of two.
    public static let ringSize: UInt32 = 32
    public static let pageSize = 4096

    /// Byte offset in the page of slot `index` (a free-running RING_IDX, masked as RING_GET_REQUEST does).
    public static func slotOffset(_ index: UInt32) -> Int { ringOffset + Int(index & (ringSize - 1)) * slotSize }

    // MARK: requests and responses

    /// `struct blkif_request` (and its segments).
    public static let request = CLayout("struct blkif_request", size: 112, [
        .init("operation", 0, 1), .init("nr_segments", 1, 1), .init("handle", 2, 2), .init("id", 8, 8),
        .init("sector_number", 16, 8), .init("seg", 24, 88),
    ])
    public static let segment = CLayout("struct blkif_request_segment", size: 8, [
        .init("gref", 0, 4), .init("first_sect", 4, 1), .init("last_sect", 5, 1),
    ])
    /// `struct blkif_request_discard`: same head, `nr_sectors` where the segments start.
    public static let discardRequest = CLayout("struct blkif_request_discard", size: 32, [
        .init("operation", 0, 1), .init("flag", 1, 1), .init("handle", 2, 2), .init("id", 8, 8),
        .init("sector_number", 16, 8), .init("nr_sectors", 24, 8),
    ])
    public static let response = CLayout("struct blkif_response", size: 16, [
        .init("id", 0, 8), .init("operation", 8, 1), .init("status", 10, 2),
    ])

    /// The layouts above, for the clang check.
    public static let layouts: [CLayout] = [sring, request, segment, discardRequest, response]
    public static let constants: [CConstant] = [
        CConstant("BLKIF_OP_READ", 0), CConstant("BLKIF_OP_WRITE", 1), CConstant("BLKIF_OP_WRITE_BARRIER", 2),
        CConstant("BLKIF_OP_FLUSH_DISKCACHE", 3), CConstant("BLKIF_OP_DISCARD", 5), CConstant("BLKIF_OP_INDIRECT", 6),
        CConstant("BLKIF_RSP_OKAY", 0), CConstant("BLKIF_RSP_ERROR", -1), CConstant("BLKIF_RSP_EOPNOTSUPP", -2),
        CConstant("BLKIF_MAX_SEGMENTS_PER_REQUEST", 11), CConstant("VDISK_READONLY", 4),
        CConstant("__CONST_RING_SIZE(blkif, 4096)", 32),
    ]
}

/// One `blkif_request_segment`: a granted page and the sectors of it the request covers.
public struct BlkifSegment: Equatable, Sendable {
    public var gref: UInt32
    public var firstSector: UInt8
    public var lastSector: UInt8
    public init(gref: UInt32, firstSector: UInt8, lastSector: UInt8) {
        self.gref = gref; self.firstSector = firstSector; self.lastSector = lastSector
    }
}

/// One request slot as the guest wrote it. All fields are kept raw (an unknown operation, 200 segments): judging
/// them is the backend's job. For a discard, `discardSectors` holds `nr_sectors` (the bytes where segments sit).
public struct BlkifRequest: Equatable, Sendable {
    public var operation: Blkif.Operation
    public var nrSegments: UInt8
    public var handle: UInt16
    public var id: UInt64
    public var sectorNumber: UInt64
    /// The first min(nr_segments, 11) segments.
    public var segments: [BlkifSegment]
    /// `blkif_request_discard.nr_sectors` (meaningful for DISCARD only).
    public var discardSectors: UInt64

    public init(operation: Blkif.Operation, nrSegments: UInt8, handle: UInt16 = 0, id: UInt64, sectorNumber: UInt64,
                segments: [BlkifSegment] = [], discardSectors: UInt64 = 0) {
        self.operation = operation; self.nrSegments = nrSegments; self.handle = handle; self.id = id
        self.sectorNumber = sectorNumber; self.segments = segments; self.discardSectors = discardSectors
    }

    /// Decodes the slot at `offset` of `bytes` (at least 112 bytes from there, else nil).
    public init?(bytes: [UInt8], at offset: Int = 0) {
        guard offset >= 0, bytes.count - offset >= Blkif.slotSize else { return nil }
        func u16(_ o: Int) -> UInt16 { UInt16(bytes[offset + o]) | UInt16(bytes[offset + o + 1]) << 8 }
        func u32(_ o: Int) -> UInt32 { UInt32(u16(o)) | UInt32(u16(o + 2)) << 16 }
        func u64(_ o: Int) -> UInt64 { UInt64(u32(o)) | UInt64(u32(o + 4)) << 32 }
        operation = Blkif.Operation(rawValue: bytes[offset])
        nrSegments = bytes[offset + 1]
        handle = u16(2)
        id = u64(8)
        sectorNumber = u64(16)
        discardSectors = operation == .discard ? u64(24) : 0
        let n = min(Int(nrSegments), Blkif.maxSegments)
        segments = (0 ..< n).map { i in
            let s = 24 + i * 8
            return BlkifSegment(gref: u32(s), firstSector: bytes[offset + s + 4], lastSector: bytes[offset + s + 5])
        }
    }

    /// The 112 bytes of the slot (padding zero); what a frontend writes.
    public func encoded() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: Blkif.slotSize)
        func put<T: FixedWidthInteger>(_ v: T, _ at: Int) {
            withUnsafeBytes(of: v.littleEndian) { for i in 0 ..< $0.count { b[at + i] = $0[i] } }
        }
        b[0] = operation.rawValue; b[1] = nrSegments; put(handle, 2); put(id, 8); put(sectorNumber, 16)
        if operation == .discard {
            put(discardSectors, 24)
        } else {
            for (i, s) in segments.prefix(Blkif.maxSegments).enumerated() {
                put(s.gref, 24 + i * 8); b[24 + i * 8 + 4] = s.firstSector; b[24 + i * 8 + 5] = s.lastSector
            }
        }
        return b
    }
}

/// One `blkif_response`.
public struct BlkifResponse: Equatable, Sendable {
    public var id: UInt64
    public var operation: Blkif.Operation
    public var status: Int16
    public init(id: UInt64, operation: Blkif.Operation, status: Int16) {
        self.id = id; self.operation = operation; self.status = status
    }

    /// The 16 bytes written over the request's slot (padding zero).
    public func encoded() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: Blkif.response.size)
        withUnsafeBytes(of: id.littleEndian) { for i in 0 ..< 8 { b[i] = $0[i] } }
        b[8] = operation.rawValue
        withUnsafeBytes(of: UInt16(bitPattern: status).littleEndian) { b[10] = $0[0]; b[11] = $0[1] }
        return b
    }

    public init?(bytes: [UInt8], at offset: Int = 0) {
        guard offset >= 0, bytes.count - offset >= Blkif.response.size else { return nil }
        var v: UInt64 = 0
        for i in 0 ..< 8 { v |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        id = v
        operation = Blkif.Operation(rawValue: bytes[offset + 8])
        status = Int16(bitPattern: UInt16(bytes[offset + 10]) | UInt16(bytes[offset + 11]) << 8)
    }
}
