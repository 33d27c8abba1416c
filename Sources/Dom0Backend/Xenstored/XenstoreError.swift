import XenABI

/// Everything xenstored refuses, with the values that made it refuse. `code` is the one mapping to the
/// `xsd_errors` string a client sees (docs/xenstore.md, "Errors").
public enum XenstoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case badPath(String)
    case noEntry(String)
    case accessDenied(path: String, domain: UInt32)
    case notPermitted(String)
    case exists(String)
    case unknownType(UInt32)
    case privileged(type: String, domain: UInt32)
    case unknownTransaction(UInt32)
    /// The transaction was opened before this daemon (re)started: it is gone, the client should retry.
    case transactionAbortedByRestart(UInt32)
    case conflict(transaction: UInt32)
    case quota(String)
    case tooBig(Int)
    case unsupported(String)

    public var code: XsError {
        switch self {
        case .malformed, .badPath: .EINVAL
        case .noEntry, .unknownTransaction: .ENOENT
        case .accessDenied: .EACCES
        case .notPermitted: .EPERM
        case .exists: .EEXIST
        case .unknownType, .unsupported: .ENOSYS
        case .privileged: .EACCES
        case .transactionAbortedByRestart, .conflict: .EAGAIN
        case .quota: .ENOSPC
        case .tooBig: .E2BIG
        }
    }

    public var description: String {
        switch self {
        case let .malformed(s): "malformed request: \(s)"
        case let .badPath(p): "invalid path \(p.debugDescription)"
        case let .noEntry(p): "no such node \(p)"
        case let .accessDenied(p, d): "domain \(d) may not access \(p)"
        case let .notPermitted(s): "not permitted: \(s)"
        case let .exists(p): "\(p) exists"
        case let .unknownType(t): "unknown message type \(t)"
        case let .privileged(t, d): "\(t) is privileged; domain \(d) is not"
        case let .unknownTransaction(t): "no transaction \(t)"
        case let .transactionAbortedByRestart(t): "transaction \(t) was aborted by a xenstored restart"
        case let .conflict(t): "transaction \(t) conflicts with a committed change"
        case let .quota(s): "quota: \(s)"
        case let .tooBig(n): "payload of \(n) bytes is over \(XsLimits.payloadMax)"
        case let .unsupported(s): "unsupported: \(s)"
        }
    }
}
