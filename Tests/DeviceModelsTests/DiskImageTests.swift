import Foundation
import XCTest
import DeviceModels
#if canImport(Glibc)
import Glibc
#endif

final class DiskImageTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        var template = Array("/tmp/xenarm-diskimage-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        directory = String(cString: try XCTUnwrap(made))
    }

    override func tearDown() {
        _ = try? FileManager.default.removeItem(atPath: directory)
    }

    private func path(_ name: String = "disk.img") -> String { "\(directory)/\(name)" }

    private func fileBytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func testMissingImageWithoutCreateIsRefusedByName() {
        XCTAssertThrowsError(try DiskImage(path: path(), size: 4096)) { error in
            XCTAssertEqual(error as? DiskError, .imageMissing(path: path()))
            XCTAssertTrue("\(error)".contains(path()))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path()))
    }

    func testCreateMakesAZeroFilledImageOfTheGivenSize() throws {
        let image = try DiskImage(path: path(), size: 8192, create: true)
        XCTAssertEqual(image.sectorCount, 16)
        XCTAssertEqual(try fileBytes(path()), [UInt8](repeating: 0, count: 8192))
    }

    func testCreateMakesMissingParentDirectories() throws {
        let nested = path("a/b/disk.img")
        let image = try DiskImage(path: nested, size: 4096, create: true)
        XCTAssertEqual(image.capacity, 4096)
        XCTAssertEqual(try fileBytes(nested).count, 4096)
    }

    func testExistingImageOfAnotherSizeIsRefused() throws {
        _ = try DiskImage(path: path(), size: 8192, create: true)
        XCTAssertThrowsError(try DiskImage(path: path(), size: 4096, create: true)) { error in
            XCTAssertEqual(error as? DiskError, .sizeMismatch(path: path(), expected: 4096, actual: 8192))
        }
    }

    func testSizeMustBeWholeSectors() {
        XCTAssertThrowsError(try DiskImage(path: path(), size: 1000, create: true)) { error in
            XCTAssertEqual(error as? DiskError, .badSize(1000))
        }
        XCTAssertThrowsError(try DiskImage(path: path(), size: 0, create: true))
    }

    func testADirectoryIsNotAnImage() {
        XCTAssertThrowsError(try DiskImage(path: directory, size: 4096)) { error in
            XCTAssertEqual(error as? DiskError, .notRegularFile(path: directory))
        }
    }

    func testWriteThenReadReturnsTheBytesAndLandsAtTheOffsetInTheFile() throws {
        let image = try DiskImage(path: path(), size: 8192, create: true)
        let data = (0..<1024).map { UInt8(truncatingIfNeeded: $0 * 7) }
        try image.write(offset: 1024, bytes: data)
        XCTAssertEqual(try image.read(offset: 1024, length: 1024), data)
        let file = try fileBytes(path())
        XCTAssertEqual(Array(file[1024..<2048]), data)
        XCTAssertEqual(Array(file[0..<1024]), [UInt8](repeating: 0, count: 1024))
    }

    func testAccessesPastTheEndAreOutOfRange() throws {
        let image = try DiskImage(path: path(), size: 4096, create: true)
        XCTAssertThrowsError(try image.read(offset: 3584, length: 1024)) { error in
            XCTAssertEqual(error as? DiskError, .outOfRange(offset: 3584, length: 1024, capacity: 4096))
        }
        XCTAssertThrowsError(try image.write(offset: 4096, bytes: [UInt8](repeating: 1, count: 512)))
        // An end that overflows 64 bits is out of range, not a wrapped small offset.
        XCTAssertThrowsError(try image.check(offset: UInt64.max - 511, length: 1024)) { error in
            XCTAssertEqual(error as? DiskError, .outOfRange(offset: UInt64.max - 511, length: 1024, capacity: 4096))
        }
        XCTAssertNoThrow(try image.read(offset: 3584, length: 512))
        XCTAssertEqual(try fileBytes(path()).count, 4096, "a refused write never grows the file")
    }

    func testPartialSectorsAreMisaligned() throws {
        let image = try DiskImage(path: path(), size: 4096, create: true)
        XCTAssertThrowsError(try image.read(offset: 100, length: 512)) { error in
            XCTAssertEqual(error as? DiskError, .misaligned(offset: 100, length: 512))
        }
        XCTAssertThrowsError(try image.write(offset: 512, bytes: [1, 2, 3])) { error in
            XCTAssertEqual(error as? DiskError, .misaligned(offset: 512, length: 3))
        }
        XCTAssertThrowsError(try image.discard(offset: 0, length: 100))
    }

    func testReadOnlyImageRefusesWriteAndDiscardButReadsAndFlushes() throws {
        do {
            let writable = try DiskImage(path: path(), size: 4096, create: true)
            try writable.write(offset: 0, bytes: [UInt8](repeating: 9, count: 512))
        }
        let image = try DiskImage(path: path(), size: 4096, readOnly: true)
        XCTAssertTrue(image.isReadOnly)
        XCTAssertThrowsError(try image.write(offset: 0, bytes: [UInt8](repeating: 1, count: 512))) { error in
            XCTAssertEqual(error as? DiskError, .readOnly)
        }
        XCTAssertThrowsError(try image.discard(offset: 0, length: 512)) { error in
            XCTAssertEqual(error as? DiskError, .readOnly)
        }
        XCTAssertEqual(try image.read(offset: 0, length: 512), [UInt8](repeating: 9, count: 512))
        XCTAssertNoThrow(try image.flush())
        XCTAssertEqual(Array(try fileBytes(path())[0..<512]), [UInt8](repeating: 9, count: 512))
    }

    func testFlushSucceedsAndKeepsTheData() throws {
        let image = try DiskImage(path: path(), size: 4096, create: true)
        try image.write(offset: 512, bytes: [UInt8](repeating: 0xAB, count: 512))
        XCTAssertNoThrow(try image.flush())
        XCTAssertEqual(Array(try fileBytes(path())[512..<1024]), [UInt8](repeating: 0xAB, count: 512))
    }

    func testDiscardedSectorsReadAsZerosAndNeighboursAreKept() throws {
        let image = try DiskImage(path: path(), size: 1 << 20, create: true)
        try image.write(offset: 0, bytes: [UInt8](repeating: 0x5A, count: 1 << 20))
        let method = try image.discard(offset: 64 << 10, length: 128 << 10)
        XCTAssertTrue(method == .punchedHole || method == .zeroFilled)
        let file = try fileBytes(path())
        XCTAssertEqual(file.count, 1 << 20, "discard keeps the size")
        XCTAssertEqual(Array(file[(64 << 10)..<(192 << 10)]), [UInt8](repeating: 0, count: 128 << 10))
        XCTAssertEqual(file[(64 << 10) - 1], 0x5A)
        XCTAssertEqual(file[192 << 10], 0x5A)
        XCTAssertEqual(try image.read(offset: 64 << 10, length: 512), [UInt8](repeating: 0, count: 512))
    }

    func testImageDescriptorIsClosedOnExec() throws {
        let image = try DiskImage(path: path(), size: 4096, create: true)
        // Find our descriptor for the image in /proc/self/fd and check FD_CLOEXEC on it.
        var checked = false
        for name in try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            guard let fd = Int32(name),
                  let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(name)"),
                  target == image.path else { continue }
            XCTAssertNotEqual(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0)
            checked = true
        }
        XCTAssertTrue(checked)
    }
}
