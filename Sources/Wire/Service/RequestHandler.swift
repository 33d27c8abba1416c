/// The routing id a ROUTER gives a connected peer (its first message part).
public struct PeerID: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var description: String { bytes.map { String(format2: $0) }.joined() }
}

extension String {
    fileprivate init(format2 byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self.init([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}

/// A request whose header has been checked (magic, versions, kind accepted, payload length).
public struct IncomingRequest {
    public let peer: PeerID
    public let header: FrameHeader
    /// Reads the payload (exactly `header.payloadLength` bytes).
    public let payload: ByteReader

    /// Decodes the payload as `M`, which must be the header's kind and fill the payload exactly.
    public func decode<M: WireMessage>(_: M.Type) throws(WireError) -> M {
        guard header.kind == M.kind else { throw WireError.unknownKind(header.kind) }
        try Frame.checkVersion(header, M.self)
        var reader = payload
        let message = try M(decoding: &reader)
        try reader.expectEnd()
        return message
    }
}

/// Where a handler puts its answer. It encodes into a buffer the server reuses for every reply.
/// A handler that leaves it untouched sends nothing (for one-way messages such as `TerminalOutput`).
public struct Reply {
    var writer = ByteWriter(capacity: 512)
    var sequence: UInt64 = 0
    var sender: UInt32 = 0
    public internal(set) var isSet = false

    /// Answers with `message` (flag `reply`, the request's sequence).
    public mutating func send<M: WireMessage>(_ message: M) {
        Frame.encode(message, sequence: sequence, sender: sender, flags: .reply, into: &writer)
        isSet = true
    }

    /// Answers with an `ErrorReply` (flags `reply|error`).
    public mutating func fail(_ code: ErrorReply.Code, _ text: String) {
        Frame.encode(ErrorReply(code: code, answering: sequence, text: text), sequence: sequence, sender: sender,
                     flags: [.reply, .error], into: &writer)
        isSet = true
    }

    mutating func reset(sequence: UInt64) {
        writer.reset()
        self.sequence = sequence
        isSet = false
    }
}

/// What a server does with requests. One conformer per service (disk model, terminal model…), called by
/// `RequestServer` on its thread; no closure per message.
public protocol RequestHandler {
    /// The kinds this handler serves and the version of each. A frame of any other kind gets `ErrorReply`
    /// `unknownKind`, another version `wrongVersion`, before `handle` runs. Read once when the server starts.
    var acceptedKinds: [MessageKind: UInt16] { get }

    /// Serves one request and fills `reply`. A thrown `WireError` (a decoding failure) becomes the matching
    /// `ErrorReply` and is counted as a reject; any other error becomes `internal`.
    mutating func handle(_ request: IncomingRequest, reply: inout Reply) throws
}
