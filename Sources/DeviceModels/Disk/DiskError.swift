/// Everything that can go wrong in the disk model: opening its image, and each request against it.
/// One enum for the subsystem (STYLE.md); cases carry the values a log line or a test needs.
public enum DiskError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The image file does not exist and `--create` was not given.
    case imageMissing(path: String)
    /// The image exists but its size is not the configured one: refusing it protects a wrong image from being
    /// served to a guest that expects another geometry.
    case sizeMismatch(path: String, expected: UInt64, actual: UInt64)
    /// The configured size is zero or not a whole number of 512-byte sectors.
    case badSize(UInt64)
    /// The path names a directory, a socket or another non-regular file.
    case notRegularFile(path: String)
    /// open/fstat/ftruncate failed while opening or creating the image.
    case openFailed(path: String, operation: String, errno: Int32)
    /// The byte range ends past the image's last sector (or its end overflows 64 bits).
    case outOfRange(offset: UInt64, length: UInt64, capacity: UInt64)
    /// Offset or length is not a multiple of the sector size, or the data length does not match the sector count.
    case misaligned(offset: UInt64, length: UInt64)
    /// WRITE or DISCARD on an image opened read-only.
    case readOnly
    /// The host refused the I/O itself (pread, pwrite, fsync, fallocate).
    case io(operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .imageMissing(let path):
            return "disk image \(path) does not exist (pass --create to create it)"
        case .sizeMismatch(let path, let expected, let actual):
            return "disk image \(path) is \(actual) bytes, expected \(expected) (--size)"
        case .badSize(let size):
            return "disk size \(size) is not a positive multiple of \(DiskImage.sectorSize) bytes"
        case .notRegularFile(let path):
            return "disk image \(path) is not a regular file"
        case .openFailed(let path, let operation, let code):
            return "disk image \(path): \(operation) failed: \(errnoText(code))"
        case .outOfRange(let offset, let length, let capacity):
            return "range \(offset)+\(length) is outside the image (\(capacity) bytes)"
        case .misaligned(let offset, let length):
            return "range \(offset)+\(length) is not aligned to \(DiskImage.sectorSize)-byte sectors"
        case .readOnly:
            return "the image is read-only"
        case .io(let operation, let code):
            return "\(operation) failed: \(errnoText(code))"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func errnoText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return "\(String(cString: text)) (errno \(code))"
}
