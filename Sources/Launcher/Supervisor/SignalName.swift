#if canImport(Glibc)
import Glibc
#endif

/// Signal names as `xenarm kill --signal` spells them (without "SIG"), one row per signal a user may inject.
public enum SignalName {
    public static let table: [(name: String, number: Int32)] = [
        ("HUP", SIGHUP), ("INT", SIGINT), ("QUIT", SIGQUIT), ("ILL", SIGILL), ("TRAP", SIGTRAP),
        ("ABRT", SIGABRT), ("BUS", SIGBUS), ("FPE", SIGFPE), ("KILL", SIGKILL), ("USR1", SIGUSR1),
        ("SEGV", SIGSEGV), ("USR2", SIGUSR2), ("PIPE", SIGPIPE), ("ALRM", SIGALRM), ("TERM", SIGTERM),
        ("CHLD", SIGCHLD), ("CONT", SIGCONT), ("STOP", SIGSTOP), ("TSTP", SIGTSTP), ("TTIN", SIGTTIN),
        ("TTOU", SIGTTOU), ("XCPU", SIGXCPU), ("XFSZ", SIGXFSZ), ("SYS", SIGSYS),
    ]

    /// "KILL", "SIGKILL", "kill" or "9" → 9; nil for anything else.
    public static func number(of text: String) -> Int32? {
        if let n = Int32(text), n > 0, n < 65 { return n }
        var upper = text.uppercased()
        if upper.hasPrefix("SIG") { upper.removeFirst(3) }
        return table.first { $0.name == upper }?.number
    }

    /// 9 → "KILL"; an unnamed number stays a number.
    public static func name(of number: Int32) -> String {
        table.first { $0.number == number }?.name ?? String(number)
    }
}
