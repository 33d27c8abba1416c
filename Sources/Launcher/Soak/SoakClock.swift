#if canImport(Glibc)
import Glibc
#endif

/// Host CLOCK_MONOTONIC in milliseconds (fractional): kill times and line arrival times share this clock, and
/// the guests' own clock (`SYS_time`) reads the same one, so guest-stamped progress lines can be lined up too.
enum SoakClock {
    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) * 1000 + Double(t.tv_nsec) / 1_000_000
    }

    static func sleep(milliseconds: Double) {
        guard milliseconds > 0 else { return }
        usleep(UInt32(min(milliseconds, 1_000_000) * 1000))
    }
}
