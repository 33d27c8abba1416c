import Logging
import XenABI

/// Every domain's grant table, by domain id, plus the refusal counters and log of `GrantCopy`.
/// Thread-safe: the registry and counters are under one mutex; a `GrantTable`'s entries are read lock-free
/// (see `GrantTable`).
public final class GrantTables: @unchecked Sendable {
    private let lock = Lock()
    private var tables: [DomID: GrantTable] = [:]
    private var refusalCounts: [GrantStatus: UInt64] = [:]
    private var lastLogged: [DomID: ContinuousClock.Instant] = [:]
    private var suppressed: [DomID: UInt64] = [:]
    private let logger: Logger
    unowned let directory: DomainDirectory

    public init(directory: DomainDirectory, logger: Logger = Logger(label: "xenarm.grant")) {
        self.directory = directory
        self.logger = logger
    }

    /// Registers a domain's table (domain builder).
    public func add(_ table: GrantTable) { lock.withLock { tables[table.domain] = table } }
    public func remove(_ domain: DomID) { _ = lock.withLock { tables.removeValue(forKey: domain) } }
    public func table(of domain: DomID) -> GrantTable? { lock.withLock { tables[domain] } }

    /// Refused copies by status, since start.
    public var refusals: [GrantStatus: UInt64] { lock.withLock { refusalCounts } }
    public var totalRefusals: UInt64 { lock.withLock { refusalCounts.values.reduce(0, +) } }

    /// Counts a refusal and logs it with its values, at most once per copier per second (the count of
    /// lines held back is logged with the next one): a flood of bad copies must not flood the log.
    func refuse(_ error: GrantError, copier: DomID) {
        let now = ContinuousClock.now
        let line: (String, UInt64)? = lock.withLock {
            refusalCounts[error.status, default: 0] += 1
            if let last = lastLogged[copier], now - last < .seconds(1) {
                suppressed[copier, default: 0] += 1
                return nil
            }
            lastLogged[copier] = now
            let held = suppressed.removeValue(forKey: copier) ?? 0
            return (error.description, held)
        }
        if let (text, held) = line {
            logger.warning("grant copy refused (\(error.status)): \(text)",
                           metadata: ["copier": "\(copier)", "suppressed": "\(held)"])
        }
    }
}
