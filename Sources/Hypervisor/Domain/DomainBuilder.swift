import ARMCore
import Foundation
import XenABI

/// What the topology says about one guest.
public struct DomainConfig: Sendable, Equatable {
    public var name: String
    public var memoryBytes: UInt64
    public var kernelPath: String
    public var commandLine: String
    public var weight: Int
    public var cap: Int
    public init(name: String, memoryBytes: UInt64, kernelPath: String, commandLine: String = "",
                weight: Int = 256, cap: Int = 0) {
        self.name = name; self.memoryBytes = memoryBytes; self.kernelPath = kernelPath
        self.commandLine = commandLine; self.weight = weight; self.cap = cap
    }
}

/// Why a domain could not be built. Each names the domain and says what to change.
public enum DomainBuildError: Error, Equatable, CustomStringConvertible {
    case kernelUnreadable(domain: String, path: String)
    case notARMExecutable(domain: String, path: String, ELFError)
    case kernelDoesNotFit(domain: String, path: String, start: UInt32, end: UInt64, limit: UInt64)
    case entryOutsideKernel(domain: String, path: String, entry: UInt32)
    case commandLineTooLong(domain: String, bytes: Int)
    case noMemory(domain: String, MachineMemory.AllocationError)
    case reserveExhausted(domain: String)

    public var description: String {
        func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
        switch self {
        case let .kernelUnreadable(d, p): return "domain \(d): cannot read kernel \(p)"
        case let .notARMExecutable(d, p, e): return "domain \(d): kernel \(p) is not an ARM executable: \(e)"
        case let .kernelDoesNotFit(d, p, s, e, l):
            return "domain \(d): kernel \(p) does not fit its memory: a segment spans \(hex(UInt64(s)))..\(hex(e)), "
                + "RAM for the kernel is \(hex(UInt64(GuestMemoryLayout.ramBase)))..\(hex(l)) (raise the domain's memory or link the kernel at 0x40000000)"
        case let .entryOutsideKernel(d, p, e): return "domain \(d): kernel \(p) entry point \(hex(UInt64(e))) is in no loaded segment"
        case let .commandLineTooLong(d, n): return "domain \(d): command line of \(n) bytes exceeds \(DomainBuilder.commandLineMaximum)"
        case let .noMemory(d, e): return "domain \(d): \(e)"
        case let .reserveExhausted(d): return "domain \(d): the hypervisor reserve has no room for its shared pages"
        }
    }
}

/// Register state of vCPU 0 at boot (xenarm-pv.h): pc = ELF entry, r0 = domain id, r1 = RAM size,
/// r2 = guest-physical address of the command line.
public struct BootState: Sendable, Equatable {
    public var entry: UInt32
    public var r0: UInt32, r1: UInt32, r2: UInt32
}

/// Builds a domain (Xen's domain builder): carves its block, loads the kernel ELF into it at the kernel's
/// guest-physical addresses, writes the command line, allocates its hypervisor-owned pages, fills its HVM params.
public struct DomainBuilder {
    /// The command line sits in the last 4 KiB page of RAM, NUL-terminated; the kernel must not overlap that
    /// page, and should copy the line before it reuses the page.
    public static let commandLineMaximum = 4095

    public let machine: MachineMemory
    public let reserve: ReservePages

    public init(machine: MachineMemory, reserve: ReservePages) {
        self.machine = machine; self.reserve = reserve
    }

    /// Guest-physical address of the command line for a domain of `ramBytes`.
    public static func commandLineAddress(ramBytes: UInt64) -> UInt32 {
        GuestMemoryLayout.ramBase + UInt32(ramBytes - 4096)
    }

    /// Builds domain `id` from `config`, reading the kernel file.
    public func build(_ config: DomainConfig, id: DomID) throws(DomainBuildError) -> (Domain, BootState) {
        guard let data = FileManager.default.contents(atPath: config.kernelPath) else {
            throw .kernelUnreadable(domain: config.name, path: config.kernelPath)
        }
        return try build(config, id: id, kernel: [UInt8](data))
    }

    /// Checks that the kernel file of `config` is an ARM executable that fits the domain's RAM (what `build`
    /// checks before it allocates anything); `xenarm launch` runs it before starting any process.
    public static func check(_ config: DomainConfig) throws(DomainBuildError) {
        guard let data = FileManager.default.contents(atPath: config.kernelPath) else {
            throw .kernelUnreadable(domain: config.name, path: config.kernelPath)
        }
        _ = try check(config, kernel: [UInt8](data))
    }

    /// The parsed kernel of `config` if it is an ARM executable that fits below the command-line page.
    static func check(_ config: DomainConfig, kernel: [UInt8]) throws(DomainBuildError) -> ELFImage {
        let image: ELFImage
        do { image = try ELFImage(bytes: kernel) } catch {
            throw .notARMExecutable(domain: config.name, path: config.kernelPath, error)
        }
        let line = Array(config.commandLine.utf8)
        guard line.count <= Self.commandLineMaximum else {
            throw .commandLineTooLong(domain: config.name, bytes: line.count)
        }
        let limit = config.memoryBytes >= 4096 ? UInt64(commandLineAddress(ramBytes: config.memoryBytes)) : 0
        for segment in image.segments where segment.memorySize > 0 {
            let end = UInt64(segment.virtualAddress) + UInt64(segment.memorySize)
            guard segment.virtualAddress >= GuestMemoryLayout.ramBase, end <= limit else {
                throw .kernelDoesNotFit(domain: config.name, path: config.kernelPath,
                                        start: segment.virtualAddress, end: end, limit: limit)
            }
        }
        let entry = image.entry & ~1
        guard image.segments.contains(where: { entry >= $0.virtualAddress && entry - $0.virtualAddress < $0.memorySize }) else {
            throw .entryOutsideKernel(domain: config.name, path: config.kernelPath, entry: image.entry)
        }
        return image
    }

    /// Builds domain `id` from `config` with the kernel image `kernel` (the bytes of an ELF file).
    public func build(_ config: DomainConfig, id: DomID, kernel: [UInt8]) throws(DomainBuildError) -> (Domain, BootState) {
        let image = try Self.check(config, kernel: kernel)
        let line = Array(config.commandLine.utf8)
        let lineAddress = Self.commandLineAddress(ramBytes: config.memoryBytes)
        let block: MemoryBlock
        do { block = try machine.allocateBlock(bytes: config.memoryBytes) } catch let e as MachineMemory.AllocationError {
            throw .noMemory(domain: config.name, e)
        } catch {
            throw .noMemory(domain: config.name, .doesNotFit(requested: config.memoryBytes, available: 0))
        }
        guard let shared = reserve.allocate(count: 1),
              let magic = reserve.allocate(count: Domain.magicPageCount) else {
            throw .reserveExhausted(domain: config.name)
        }
        for segment in image.segments {
            let offset = Int(segment.virtualAddress - GuestMemoryLayout.ramBase)
            let target = block.host + offset
            target.initializeMemory(as: UInt8.self, repeating: 0, count: Int(segment.memorySize))
            segment.data.withUnsafeBytes { target.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
        let lineHost = block.host + Int(lineAddress - GuestMemoryLayout.ramBase)
        lineHost.initializeMemory(as: UInt8.self, repeating: 0, count: 4096)
        line.withUnsafeBytes { if $0.count > 0 { lineHost.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
        let domain = Domain(
            id: id, name: config.name, memory: block, weight: config.weight, cap: config.cap, sharedInfo: shared,
            magicPages: (0..<Domain.magicPageCount).map { magic + $0 * 4096 })
        domain.upcallMasked = true
        let boot = BootState(entry: image.entry, r0: UInt32(id.rawValue), r1: UInt32(config.memoryBytes), r2: lineAddress)
        return (domain, boot)
    }
}
