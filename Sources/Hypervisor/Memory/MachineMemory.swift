#if canImport(Glibc)
import Glibc
#endif

/// The emulated machine's memory (DESIGN.md §4): one host mapping cut into a hypervisor reserve and one block
/// per domain. A domain reaches only its own block: its `PhysicalMemoryMap` (the software stage 2) maps its
/// guest-physical RAM window onto the block and nothing else.
public final class MachineMemory: @unchecked Sendable {
    public let size: UInt64
    public let hypervisorReserve: UInt64
    /// Host base of the whole machine memory (page aligned, zero-filled by mmap).
    public let base: UnsafeMutableRawPointer
    private var nextFree: UInt64
    private let lock = Lock()

    public enum AllocationError: Error, Equatable, CustomStringConvertible {
        case hostMapFailed(bytes: UInt64, errno: Int32)
        case doesNotFit(requested: UInt64, available: UInt64)
        case notPageMultiple(UInt64)
        public var description: String {
            switch self {
            case let .hostMapFailed(b, e): return "cannot map \(b) bytes of machine memory (errno \(e))"
            case let .doesNotFit(r, a): return "a block of \(r) bytes does not fit: \(a) bytes left"
            case let .notPageMultiple(b): return "\(b) bytes is not a multiple of the 4 KiB page"
            }
        }
    }

    public init(size: UInt64, hypervisorReserve: UInt64) throws {
        guard size % 4096 == 0 else { throw AllocationError.notPageMultiple(size) }
        guard hypervisorReserve % 4096 == 0 else { throw AllocationError.notPageMultiple(hypervisorReserve) }
        guard hypervisorReserve <= size else { throw AllocationError.doesNotFit(requested: hypervisorReserve, available: size) }
        guard let p = mmap(nil, Int(size), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
              p != MAP_FAILED else {
            throw AllocationError.hostMapFailed(bytes: size, errno: errno)
        }
        self.size = size
        self.hypervisorReserve = hypervisorReserve
        self.base = p
        self.nextFree = hypervisorReserve
    }

    deinit { munmap(base, Int(size)) }

    /// Carves the next block of `bytes` for a domain. Blocks never overlap and never include the reserve.
    public func allocateBlock(bytes: UInt64) throws -> MemoryBlock {
        guard bytes % 4096 == 0, bytes > 0 else { throw AllocationError.notPageMultiple(bytes) }
        return try lock.withLock {
            guard bytes <= size - nextFree else { throw AllocationError.doesNotFit(requested: bytes, available: size - nextFree) }
            let block = MemoryBlock(machineOffset: nextFree, size: bytes, host: base + Int(nextFree))
            nextFree += bytes
            return block
        }
    }

    /// The hypervisor reserve's host memory (for hypervisor-owned pages: shared_info, grant frames, rings).
    public var reserveHost: UnsafeMutableRawPointer { base }
}

/// One domain's block of machine memory.
public struct MemoryBlock: @unchecked Sendable {
    /// Offset of the block in machine memory (its "machine address").
    public let machineOffset: UInt64
    public let size: UInt64
    public let host: UnsafeMutableRawPointer

    /// Host memory of guest RAM frame `index` (0-based within the block), or nil past the block's end.
    @inline(__always)
    public func frame(_ index: UInt32) -> UnsafeMutableRawPointer? {
        UInt64(index) < size / 4096 ? host + Int(index) * 4096 : nil
    }
}

/// A small pthread mutex (Foundation-free, usable from any thread).
final class Lock: @unchecked Sendable {
    private let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    init() { pthread_mutex_init(m, nil) }
    deinit { pthread_mutex_destroy(m); m.deallocate() }
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(m); defer { pthread_mutex_unlock(m) }
        return try body()
    }
}
