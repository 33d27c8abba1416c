import Wire

/// The disk model: answers `DiskRequest`s against one `DiskImage` (the native device behind blkback).
///
/// A `RequestHandler`, so `RequestServer` does the socket work and refuses bad frames (malformed, truncated,
/// oversized, unknown kind, wrong version) with an `ErrorReply` before this code runs; what reaches `execute`
/// is a structurally valid request, checked here for what a disk allows (`DiskRequest.check`).
///
/// Every request id is looked up in the `RequestLedger` first: a retry is answered with the recorded reply and
/// never executed twice (docs/devices.md, "Idempotence").
public struct DiskModel: RequestHandler {
    public let image: DiskImage
    public let metrics: DiskMetrics
    private var ledger: RequestLedger<DiskResponse>

    public init(image: DiskImage, metrics: DiskMetrics = DiskMetrics(),
                ledger: RequestLedger<DiskResponse> = RequestLedger()) {
        self.image = image
        self.metrics = metrics
        self.ledger = ledger
    }

    public var acceptedKinds: [MessageKind: UInt16] { [DiskRequest.kind: DiskRequest.version] }

    public mutating func handle(_ request: IncomingRequest, reply: inout Reply) throws {
        // A payload that does not decode throws WireError: the server answers ErrorReply and counts it.
        reply.send(execute(try request.decode(DiskRequest.self)))
    }

    /// Answers one request: from the ledger if it is a retry, else by doing it.
    public mutating func execute(_ request: DiskRequest) -> DiskResponse {
        let fingerprint = RequestLedger<DiskResponse>.Fingerprint(
            operation: request.op.rawValue, firstSector: request.firstSector,
            sectorCount: UInt64(request.sectorCount), data: request.data)
        switch ledger.lookup(id: request.requestID, fingerprint: fingerprint) {
        case .replay(let response):
            metrics.countReplay()
            return response
        case .conflict:
            metrics.countConflict()
            return DiskResponse(requestID: request.requestID, status: .badRequest)
        case .new:
            break
        }
        let response = perform(request)
        metrics.count(request, response)
        // An I/O error may be transient (a full host disk that gets space): its retry runs again. Every other
        // outcome is a function of the request and the image geometry, so it is recorded.
        if response.status != .ioError {
            ledger.record(id: request.requestID, fingerprint: fingerprint, reply: response,
                          payload: response.data.count)
            metrics.setEvictions(ledger.evictions)
        }
        return response
    }

    private func perform(_ request: DiskRequest) -> DiskResponse {
        let status = request.check(capacitySectors: image.sectorCount, readOnly: image.isReadOnly)
        guard status == .ok else { return DiskResponse(requestID: request.requestID, status: status) }
        // The decoder bounds the count; a request built in-process (`execute` is public) is held to the same bound.
        guard request.sectorCount <= DiskRequest.maxSectors else {
            return DiskResponse(requestID: request.requestID, status: .badRequest)
        }
        // Only meaningful for READ/WRITE/DISCARD, which `check` bounded by the capacity; a FLUSH's sector field is
        // ignored and may hold anything, hence the wrapping multiply (its result is unused for FLUSH).
        let offset = request.firstSector &* UInt64(DiskImage.sectorSize)
        let length = UInt64(request.sectorCount) * UInt64(DiskImage.sectorSize)
        do {
            switch request.op {
            case .read:
                let data = try image.read(offset: offset, length: Int(length))
                return DiskResponse(requestID: request.requestID, status: .ok, data: data)
            case .write:
                try image.write(offset: offset, bytes: request.data)
            case .flush:
                try image.flush()
            case .discard:
                try image.discard(offset: offset, length: length)
            default:
                return DiskResponse(requestID: request.requestID, status: .badRequest)
            }
            return DiskResponse(requestID: request.requestID, status: .ok)
        } catch {
            return DiskResponse(requestID: request.requestID, status: Self.status(for: error))
        }
    }

    /// The one mapping from the image's errors to the status a client sees.
    static func status(for error: DiskError) -> DiskResponse.Status {
        switch error {
        case .outOfRange: return .outOfRange
        case .misaligned: return .misaligned
        case .readOnly: return .readOnly
        case .io: return .ioError
        case .imageMissing, .sizeMismatch, .badSize, .notRegularFile, .openFailed: return .ioError
        }
    }
}
