import XenABI

/// The request table (Xen's `wire_funcs` in `tools/xenstored/core.c`): message type → name, handler, flags.
/// `Xenstored.dispatch` answers, once for all types: an unknown type (ENOSYS), a privileged type from an
/// unprivileged caller (EACCES), a transaction id that does not exist (ENOENT) or died with a restart (EAGAIN).
struct XenstoreOperation: Sendable {
    struct Flags: OptionSet, Sendable {
        let rawValue: UInt8
        /// Only Dom0 may send it (XS_FLAG_PRIV).
        static let privileged = Flags(rawValue: 1)
        /// The header's tx_id is ignored: it never runs inside a transaction (XS_FLAG_NOTID).
        static let noTransaction = Flags(rawValue: 2)
        /// It changes the store: a read-only daemon would refuse it (kept for the table's completeness).
        static let writes = Flags(rawValue: 4)
    }

    let type: XsMessageType
    let name: String
    let flags: Flags
    let handler: @Sendable (Xenstored, inout XenstoreRequest) throws(XenstoreError) -> [UInt8]
}

/// One decoded request on its way through a handler.
struct XenstoreRequest {
    let connection: Int
    let caller: XenstoreCaller
    let header: XsHeader
    let payload: [UInt8]
    /// The resolved transaction (nil outside one).
    var transaction: UInt32?

    /// The payload as NUL-terminated strings; every string must be terminated (EINVAL otherwise).
    func strings(count: Int? = nil) throws(XenstoreError) -> [String] {
        guard payload.last == 0 else { throw .malformed("payload is not NUL-terminated") }
        let parts = payload.dropLast().split(separator: 0, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        if let count, parts.count != count { throw .malformed("expected \(count) strings, got \(parts.count)") }
        return parts
    }

    /// The raw bytes of string `index` of a NUL-separated payload (tokens are echoed byte for byte).
    func rawStrings() throws(XenstoreError) -> [[UInt8]] {
        guard payload.last == 0 else { throw .malformed("payload is not NUL-terminated") }
        return payload.dropLast().split(separator: 0, omittingEmptySubsequences: false).map(Array.init)
    }

    /// A decimal domain id argument.
    func domainArgument(_ s: String) throws(XenstoreError) -> UInt32 {
        guard !s.isEmpty, s.count <= 10, s.allSatisfy({ $0.isASCII && $0.isNumber }), let d = UInt32(s),
              d < XenstoreDomain.firstReserved else { throw .malformed("bad domain id \(s.debugDescription)") }
        return d
    }
}

extension Xenstored {
    static let ok: [UInt8] = Array("OK".utf8) + [0]

    /// The table, in xs_wire.h order. Tests read it to check that every type the header defines is here.
    static let operations: [XenstoreOperation] = [
        .init(type: .control, name: "XS_CONTROL", flags: [.privileged, .noTransaction]) { _, r throws(XenstoreError) in
            throw .unsupported("XS_CONTROL \(r.payload.count) bytes") },
        .init(type: .directory, name: "XS_DIRECTORY", flags: []) { x, r throws(XenstoreError) in try x.doDirectory(&r) },
        .init(type: .read, name: "XS_READ", flags: []) { x, r throws(XenstoreError) in try x.doRead(&r) },
        .init(type: .getPerms, name: "XS_GET_PERMS", flags: []) { x, r throws(XenstoreError) in try x.doGetPerms(&r) },
        .init(type: .watch, name: "XS_WATCH", flags: [.noTransaction]) { x, r throws(XenstoreError) in try x.doWatch(&r) },
        .init(type: .unwatch, name: "XS_UNWATCH", flags: [.noTransaction]) { x, r throws(XenstoreError) in try x.doUnwatch(&r) },
        .init(type: .transactionStart, name: "XS_TRANSACTION_START", flags: [.noTransaction]) { x, r throws(XenstoreError) in
            try x.doTransactionStart(&r) },
        .init(type: .transactionEnd, name: "XS_TRANSACTION_END", flags: []) { x, r throws(XenstoreError) in
            try x.doTransactionEnd(&r) },
        .init(type: .introduce, name: "XS_INTRODUCE", flags: [.privileged, .noTransaction, .writes]) { x, r throws(XenstoreError) in
            try x.doIntroduce(&r) },
        .init(type: .release, name: "XS_RELEASE", flags: [.privileged, .noTransaction, .writes]) { x, r throws(XenstoreError) in
            try x.doRelease(&r) },
        .init(type: .getDomainPath, name: "XS_GET_DOMAIN_PATH", flags: [.noTransaction]) { x, r throws(XenstoreError) in
            try x.doGetDomainPath(&r) },
        .init(type: .write, name: "XS_WRITE", flags: [.writes]) { x, r throws(XenstoreError) in try x.doWrite(&r) },
        .init(type: .mkdir, name: "XS_MKDIR", flags: [.writes]) { x, r throws(XenstoreError) in try x.doMkdir(&r) },
        .init(type: .rm, name: "XS_RM", flags: [.writes]) { x, r throws(XenstoreError) in try x.doRm(&r) },
        .init(type: .setPerms, name: "XS_SET_PERMS", flags: [.writes]) { x, r throws(XenstoreError) in try x.doSetPerms(&r) },
        // XS_WATCH_EVENT and XS_ERROR only travel from the daemon to clients.
        .init(type: .watchEvent, name: "XS_WATCH_EVENT", flags: [.noTransaction]) { _, _ throws(XenstoreError) in
            throw .malformed("XS_WATCH_EVENT is sent by the daemon, not to it") },
        .init(type: .error, name: "XS_ERROR", flags: [.noTransaction]) { _, _ throws(XenstoreError) in
            throw .malformed("XS_ERROR is sent by the daemon, not to it") },
        .init(type: .isDomainIntroduced, name: "XS_IS_DOMAIN_INTRODUCED", flags: [.privileged, .noTransaction]) {
            x, r throws(XenstoreError) in try x.doIsDomainIntroduced(&r) },
        .init(type: .resume, name: "XS_RESUME", flags: [.privileged, .noTransaction]) { _, _ throws(XenstoreError) in
            throw .unsupported("XS_RESUME (no suspended domains in xenarm)") },
        .init(type: .setTarget, name: "XS_SET_TARGET", flags: [.privileged, .noTransaction]) { _, _ throws(XenstoreError) in
            throw .unsupported("XS_SET_TARGET (no device-model stub domains in xenarm)") },
        .init(type: .resetWatches, name: "XS_RESET_WATCHES", flags: [.noTransaction]) { x, r throws(XenstoreError) in
            try x.doResetWatches(&r) },
        .init(type: .directoryPart, name: "XS_DIRECTORY_PART", flags: []) { x, r throws(XenstoreError) in
            try x.doDirectoryPart(&r) },
    ]

    /// `operations` indexed by raw type, built once.
    static let operationByType: [UInt32: XenstoreOperation] = Dictionary(
        uniqueKeysWithValues: operations.map { ($0.type.rawValue, $0) })
}
