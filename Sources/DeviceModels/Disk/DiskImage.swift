import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A raw disk image file: the "real hardware" behind a Dom0 block backend.
///
/// The image is addressed in bytes but every access must cover whole 512-byte sectors (`io/blkif.h` counts
/// sectors in 512-byte units whatever the physical sector size of the backing storage).
/// Accesses are checked before the file is touched: a request never reads or writes past the configured size,
/// and never grows the file.
///
/// Owns its file descriptor (opened `O_CLOEXEC`, so a supervisor-spawned sibling never inherits it) and closes
/// it on deinit. Not thread-safe: one model loop drives one image.
public final class DiskImage {
    /// Bytes per sector, fixed by `io/blkif.h` (sector numbers in blkif requests are always 512-byte units).
    public static let sectorSize = 512

    /// How a DISCARD was carried out, so tests and metrics can tell the host's behaviour apart.
    public enum DiscardMethod: Sendable, Equatable {
        /// `fallocate(PUNCH_HOLE | KEEP_SIZE)`: the range now reads as zeros and uses no host blocks.
        case punchedHole
        /// The host file system cannot punch holes: the range was overwritten with zeros instead.
        case zeroFilled
    }

    public let path: String
    /// Size in bytes (a whole number of sectors).
    public let capacity: UInt64
    public let isReadOnly: Bool
    private let fd: Int32

    public var sectorCount: UInt64 { capacity / UInt64(Self.sectorSize) }

    /// Opens the image at `path`, which must be exactly `size` bytes. When it is missing and `create` is set, it is
    /// created zero-filled (sparse) at `size`; a missing image without `create` is `imageMissing`.
    public init(path: String, size: UInt64, create: Bool = false, readOnly: Bool = false) throws(DiskError) {
        guard size > 0, size % UInt64(Self.sectorSize) == 0, size <= UInt64(Int64.max) else {
            throw .badSize(size)
        }
        var info = stat()
        if stat(path, &info) != 0 {
            let code = errno
            guard code == ENOENT else { throw .openFailed(path: path, operation: "stat", errno: code) }
            guard create else { throw .imageMissing(path: path) }
            try Self.createZeroFilled(path: path, size: size)
        } else if (info.st_mode & S_IFMT) != S_IFREG {
            throw .notRegularFile(path: path)
        }
        let flags = (readOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC
        let fd = open(path, flags)
        guard fd >= 0 else { throw .openFailed(path: path, operation: "open", errno: errno) }
        // Check the descriptor we actually hold, not the path: the file could have been swapped since stat.
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw .openFailed(path: path, operation: "fstat", errno: code)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw .notRegularFile(path: path)
        }
        guard UInt64(info.st_size) == size else {
            close(fd)
            throw .sizeMismatch(path: path, expected: size, actual: UInt64(info.st_size))
        }
        self.path = path
        self.capacity = size
        self.isReadOnly = readOnly
        self.fd = fd
    }

    deinit { close(fd) }

    /// Creates a new file of `size` zero bytes, and its missing parent directories (a topology may name an image
    /// under a directory of its run dir that does not exist yet). `O_EXCL` so a file appearing concurrently is
    /// never truncated.
    private static func createZeroFilled(path: String, size: UInt64) throws(DiskError) {
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            } catch {
                throw .openFailed(path: path, operation: "create directory \(parent)",
                                  errno: Int32((error as NSError).code == 0 ? EIO : EACCES))
            }
        }
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .openFailed(path: path, operation: "create", errno: errno) }
        defer { close(fd) }
        guard ftruncate(fd, off_t(size)) == 0 else {
            let code = errno
            unlink(path)
            throw .openFailed(path: path, operation: "ftruncate", errno: code)
        }
    }

    /// Checks that `offset ..< offset + length` is whole sectors inside the image. Alignment is checked first:
    /// a misaligned request is refused as such even when it also runs off the end.
    public func check(offset: UInt64, length: UInt64) throws(DiskError) {
        let sector = UInt64(Self.sectorSize)
        guard offset % sector == 0, length % sector == 0 else {
            throw .misaligned(offset: offset, length: length)
        }
        let (end, overflow) = offset.addingReportingOverflow(length)
        guard !overflow, end <= capacity else {
            throw .outOfRange(offset: offset, length: length, capacity: capacity)
        }
    }

    /// Reads `length` bytes at `offset`.
    public func read(offset: UInt64, length: Int) throws(DiskError) -> [UInt8] {
        guard length >= 0 else { throw .misaligned(offset: offset, length: 0) }
        try check(offset: offset, length: UInt64(length))
        var bytes = [UInt8](repeating: 0, count: length)
        var failure: DiskError?
        bytes.withUnsafeMutableBytes { buffer in
            var done = 0
            while done < length {
                let n = pread(fd, buffer.baseAddress! + done, length - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = .io(operation: "pread", errno: errno)
                    return
                }
                // The size was checked at open and the file never shrinks under us; a short file would read as
                // end-of-file here, which is an I/O error rather than zeros.
                if n == 0 { failure = .io(operation: "pread (unexpected end of file)", errno: EIO); return }
                done += n
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Writes `bytes` at `offset`.
    public func write(offset: UInt64, bytes: [UInt8]) throws(DiskError) {
        try check(offset: offset, length: UInt64(bytes.count))
        guard !isReadOnly else { throw .readOnly }
        try writeAll(offset: offset, bytes: bytes)
    }

    private func writeAll(offset: UInt64, bytes: [UInt8]) throws(DiskError) {
        var failure: DiskError?
        bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let n = pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = .io(operation: "pwrite", errno: errno)
                    return
                }
                done += n
            }
        }
        if let failure { throw failure }
    }

    /// FLUSH: everything written so far reaches stable storage (fsync, so metadata such as punched holes too).
    public func flush() throws(DiskError) {
        while fsync(fd) != 0 {
            guard errno == EINTR else { throw .io(operation: "fsync", errno: errno) }
        }
    }

    /// DISCARD: the range is released and reads back as zeros afterwards (xenarm defines discarded sectors as
    /// zero so that a retried read is deterministic; blkif itself leaves their content unspecified).
    @discardableResult
    public func discard(offset: UInt64, length: UInt64) throws(DiskError) -> DiscardMethod {
        try check(offset: offset, length: length)
        guard !isReadOnly else { throw .readOnly }
        guard length > 0 else { return .punchedHole }
        if let punch = Self.fallocate {
            // FALLOC_FL_KEEP_SIZE (0x01) | FALLOC_FL_PUNCH_HOLE (0x02), linux/falloc.h.
            var result: Int32
            repeat { result = punch(fd, 0x01 | 0x02, off_t(offset), off_t(length)) } while result != 0 && errno == EINTR
            if result == 0 { return .punchedHole }
            let code = errno
            // Only "this file system cannot" falls back; a real failure (EIO, ENOSPC...) is reported.
            guard code == EOPNOTSUPP || code == ENOSYS else { throw .io(operation: "fallocate", errno: code) }
        }
        try zeroFill(offset: offset, length: length)
        return .zeroFilled
    }

    /// Overwrites the range with zeros in bounded chunks (1 MiB: large enough to be fast, small enough that a
    /// discard of a whole disk does not allocate the disk's size).
    func zeroFill(offset: UInt64, length: UInt64) throws(DiskError) {
        let chunk = 1 << 20
        let zeros = [UInt8](repeating: 0, count: Int(min(UInt64(chunk), length)))
        var done: UInt64 = 0
        while done < length {
            let part = Int(min(UInt64(zeros.count), length - done))
            try writeAll(offset: offset + done, bytes: part == zeros.count ? zeros : Array(zeros[0..<part]))
            done += UInt64(part)
        }
    }

    /// glibc's `fallocate`, looked up at run time: Swift's Glibc module does not export it (it sits behind
    /// `_GNU_SOURCE`). Absent (another libc) means DISCARD always zero-fills.
    private typealias FallocateFunction = @convention(c) (Int32, Int32, off_t, off_t) -> Int32
    private static let fallocate: FallocateFunction? = {
        #if os(Linux)
        guard let symbol = dlsym(nil, "fallocate") else { return nil }
        return unsafeBitCast(symbol, to: FallocateFunction.self)
        #else
        return nil
        #endif
    }()
}
