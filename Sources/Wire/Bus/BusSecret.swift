#if canImport(Glibc)
import Glibc
#endif

/// The per-launch secret that admits a Dom0 process to the hypervisor bus. The launcher writes 32 random bytes
/// (as 64 hex digits and a newline) to `RUN/bus.secret`, mode 0600, at every launch; the hypervisor and the
/// Dom0 processes it starts read it. Anyone who can read the file can act as Dom0, hence the mode check on load.
public enum BusSecret {
    public static let length = BusHello.secretLength

    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case cannotOpen(path: String, errno: Int32)
        case notRegularFile(path: String)
        case tooOpen(path: String, mode: UInt32)
        case wrongOwner(path: String, uid: UInt32)
        case badContent(path: String)
        case cannotWrite(path: String, errno: Int32)
        public var description: String {
            switch self {
            case let .cannotOpen(p, e): return "\(p): cannot open (\(String(cString: strerror(e))))"
            case let .notRegularFile(p): return "\(p): not a regular file"
            case let .tooOpen(p, m): return "\(p): mode \(String(m, radix: 8)) lets others read it; must be 0600"
            case let .wrongOwner(p, u): return "\(p): owned by uid \(u), not by this user"
            case let .badContent(p): return "\(p): not 64 hex digits"
            case let .cannotWrite(p, e): return "\(p): cannot write (\(String(cString: strerror(e))))"
            }
        }
    }

    /// 32 bytes from the system's cryptographic generator (getrandom(2)).
    public static func generate() -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return (0 ..< length).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
    }

    /// Writes `secret` to `path` with mode 0600 (replacing any earlier file, never following a symlink).
    public static func write(_ secret: [UInt8], to path: String) throws(Failure) {
        unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .cannotWrite(path: path, errno: errno) }
        defer { close(fd) }
        fchmod(fd, 0o600)  // whatever the umask
        let text = Array((hex(secret) + "\n").utf8)
        let written = text.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == text.count else { throw .cannotWrite(path: path, errno: errno) }
    }

    /// Reads the secret; refuses a file others could read, a file of another user, a symlink or anything else.
    public static func load(from path: String) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, errno: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { throw .notRegularFile(path: path) }
        guard st.st_mode & 0o077 == 0 else { throw .tooOpen(path: path, mode: st.st_mode & 0o777) }
        guard st.st_uid == getuid() else { throw .wrongOwner(path: path, uid: st.st_uid) }
        var buffer = [UInt8](repeating: 0, count: 2 * length + 2)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n >= 2 * length else { throw .badContent(path: path) }
        let digits = Array(buffer[0 ..< 2 * length])
        guard n == 2 * length || (n == 2 * length + 1 && buffer[2 * length] == 0x0A),
              let secret = parse(digits) else { throw .badContent(path: path) }
        return secret
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }

    static func parse(_ digits: [UInt8]) -> [UInt8]? {
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30 ... 0x39: return c - 0x30
            case 0x61 ... 0x66: return c - 0x61 + 10
            case 0x41 ... 0x46: return c - 0x41 + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        var i = 0
        while i + 1 < digits.count {
            guard let hi = value(digits[i]), let lo = value(digits[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    /// Compares in time independent of where the first difference is (the secret is a password).
    public static func matches(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
