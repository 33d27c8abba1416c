#if canImport(Glibc)
import Glibc
#endif

/// Guest time: nanoseconds of the host's monotonic clock since the hypervisor started. Guests read it from
/// CNTVCT/CNTPCT (`frequency` = 1 GHz, so one tick is one nanosecond) and `set_timer_op` deadlines use it.
public final class GuestClock: Sendable {
    public static let frequency: UInt32 = 1_000_000_000
    private let origin: UInt64

    public init() { origin = Self.monotonic() }

    /// Guest nanoseconds now.
    public func now() -> UInt64 { Self.monotonic() &- origin }

    static func monotonic() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }
}
