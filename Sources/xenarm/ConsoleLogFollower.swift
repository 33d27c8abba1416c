import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `tail -f` of a guest's console log for `xenarm console` (docs/console.md): the start (the last lines asked for,
/// or the last 16 KiB as the terminal's scrollback), then every byte appended, until a detach key on a tty, the
/// end of a non-tty stdin plus the linger time, or a signal. Reads the file by path each time, so a log that does
/// not exist yet (a guest that printed nothing) is waited for.
struct ConsoleLogFollower {
    let path: String
    /// The scrollback shown when no line count is asked for (as much as the terminal model replays).
    static let scrollbackBytes = 16 * 1024
    static let pollMilliseconds: Int32 = 100

    /// Prints the start of the log (last `tailLines` lines, else the last `defaultBytes`, else all of it) and
    /// returns the offset printed up to.
    @discardableResult
    func printStart(tailLines: Int?, defaultBytes: Int?) -> UInt64 {
        guard let data = FileManager.default.contents(atPath: path) else { return 0 }
        let bytes = [UInt8](data)
        var start = 0
        if let tailLines {
            start = Self.startOfLastLines(bytes, tailLines)
        } else if let defaultBytes, bytes.count > defaultBytes {
            start = bytes.count - defaultBytes
        }
        Self.writeOut(Array(bytes[start...]))
        return UInt64(bytes.count)
    }

    /// Follows the log. On a tty stdin is put in non-canonical, no-echo mode without signals (restored on exit), so
    /// a byte in `detachKeys` detaches; a non-tty stdin is only watched for its end (`linger` seconds later, stop).
    func follow(tailLines: Int?, linger: Double?, detachKeys: Set<UInt8>) {
        var offset = printStart(tailLines: tailLines, defaultBytes: tailLines == nil ? Self.scrollbackBytes : nil)
        let tty = isatty(0) == 1
        var saved = termios()
        if tty {
            tcgetattr(0, &saved)
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG)
            tcsetattr(0, TCSANOW, &quiet)
        }
        defer { if tty { tcsetattr(0, TCSANOW, &saved) } }
        var stdinOpen = true
        var lingerUntil: Date?
        var key = [UInt8](repeating: 0, count: 256)
        while true {
            if let until = lingerUntil, Date() >= until { break }
            if stdinOpen {
                var p = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
                if poll(&p, 1, Self.pollMilliseconds) > 0 {
                    let n = read(0, &key, key.count)
                    if n <= 0 {
                        stdinOpen = false
                        if let linger { lingerUntil = Date().addingTimeInterval(linger) }
                    } else if tty, key[0 ..< n].contains(where: detachKeys.contains) {
                        break
                    }
                }
            } else {
                usleep(UInt32(Self.pollMilliseconds) * 1000)
            }
            offset = copyNew(from: offset)
        }
        if tty { FileHandle.standardError.write(Data("\n[detached]\n".utf8)) }
    }

    /// Writes what was appended since `offset`; a log that shrank (replaced) is followed from its start.
    private func copyNew(from offset: UInt64) -> UInt64 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return offset }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return offset }
        let size = UInt64(st.st_size)
        var at = size < offset ? 0 : offset
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while at < size {
            let n = pread(fd, &buffer, min(buffer.count, Int(size - at)), off_t(at))
            if n <= 0 { break }
            Self.writeOut(Array(buffer[0 ..< n]))
            at += UInt64(n)
        }
        return at
    }

    static func startOfLastLines(_ bytes: [UInt8], _ count: Int) -> Int {
        guard count > 0 else { return bytes.count }
        var newlines = 0
        var k = bytes.count - 1
        if k >= 0 && bytes[k] == UInt8(ascii: "\n") { k -= 1 }  // the last line's own newline
        while k >= 0 {
            if bytes[k] == UInt8(ascii: "\n") {
                newlines += 1
                if newlines == count { return k + 1 }
            }
            k -= 1
        }
        return 0
    }

    static func writeOut(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { p in
            var done = 0
            while done < p.count {
                let n = write(1, p.baseAddress! + done, p.count - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                done += n
            }
        }
    }
}
