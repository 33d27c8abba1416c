/// A 32-bit little-endian ARM ELF executable (ELF spec, ARM ELF ABI): header checks and the PT_LOAD segments.
/// Untrusted input: every offset and size is checked; problems are `ELFError`s, never traps.
public struct ELFImage: Sendable {
    public struct Segment: Sendable, Equatable {
        public var virtualAddress: UInt32
        public var memorySize: UInt32
        /// The bytes from the file (`fileSize` ≤ `memorySize`; the rest is zero).
        public var data: [UInt8]
        public var readable: Bool, writable: Bool, executable: Bool
        /// File bytes that share the segment's first page before it, and (when the segment has no zero-filled
        /// tail) its last page after it: a kernel maps whole pages of the file, so a program reading just outside
        /// its segment sees these bytes.
        public var pagePrefix: [UInt8] = []
        public var pageSuffix: [UInt8] = []
    }

    /// e_entry (bit 0 set: a Thumb entry point).
    public var entry: UInt32
    public var segments: [Segment]
    /// Where the program headers sit in memory (for AT_PHDR), their size and count.
    public var programHeaderAddress: UInt32
    public var programHeaderEntrySize: UInt32
    public var programHeaderCount: UInt32

    /// Parses `bytes` as a static ARM executable.
    public init(bytes: [UInt8]) throws(ELFError) {
        func u16(_ o: Int) throws(ELFError) -> UInt32 {
            guard o >= 0, o + 2 <= bytes.count else { throw .truncated(needed: o + 2, size: bytes.count) }
            return UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8
        }
        func u32(_ o: Int) throws(ELFError) -> UInt32 {
            guard o >= 0, o + 4 <= bytes.count else { throw .truncated(needed: o + 4, size: bytes.count) }
            return UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
        }
        guard bytes.count >= 4 else { throw .truncated(needed: 52, size: bytes.count) }
        guard bytes[0] == 0x7F, bytes[1] == 0x45, bytes[2] == 0x4C, bytes[3] == 0x46 else { throw .notELF }
        guard bytes.count >= 52 else { throw .truncated(needed: 52, size: bytes.count) }
        guard bytes[4] == 1 else { throw .not32Bit }
        guard bytes[5] == 1 else { throw .notLittleEndian }
        let type = try u16(16), machine = try u16(18)
        guard machine == 40 else { throw .notARM(machine: machine) }
        guard type == 2 else { throw .notExecutable(type: type) }
        entry = try u32(24)
        let phoff = Int(try u32(28)), phentsize = Int(try u16(42)), phnum = Int(try u16(44))
        guard phentsize >= 32 else { throw .badProgramHeaders("entry size \(phentsize) < 32") }
        guard phnum > 0 else { throw .noLoadableSegments }
        programHeaderEntrySize = UInt32(phentsize)
        programHeaderCount = UInt32(phnum)
        programHeaderAddress = 0
        segments = []
        for k in 0..<phnum {
            let h = phoff + k * phentsize
            let ptype = try u32(h)
            if ptype == 3 { throw .dynamic } // PT_INTERP: needs a dynamic loader
            if ptype == 2 { throw .dynamic } // PT_DYNAMIC
            guard ptype == 1 else { continue } // PT_LOAD
            let offset = Int(try u32(h + 4)), vaddr = try u32(h + 8)
            let filesz = try u32(h + 16), memsz = try u32(h + 20), flags = try u32(h + 24)
            guard filesz <= memsz else { throw .badSegment(index: k, reason: "file size \(filesz) > memory size \(memsz)") }
            guard UInt64(vaddr) + UInt64(memsz) <= 0x1_0000_0000 else {
                throw .badSegment(index: k, reason: "ends past 4 GiB")
            }
            guard offset >= 0, offset + Int(filesz) <= bytes.count else {
                throw .truncated(needed: offset + Int(filesz), size: bytes.count)
            }
            var segment = Segment(virtualAddress: vaddr, memorySize: memsz, data: Array(bytes[offset..<offset + Int(filesz)]),
                                  readable: flags & 4 != 0, writable: flags & 2 != 0, executable: flags & 1 != 0)
            let lead = Int(vaddr & 0xFFF)
            if lead <= offset { segment.pagePrefix = Array(bytes[(offset - lead)..<offset]) }
            if memsz == filesz {
                let end = offset + Int(filesz)
                let pad = Int((0x1000 - ((UInt64(vaddr) + UInt64(filesz)) & 0xFFF)) & 0xFFF)
                segment.pageSuffix = Array(bytes[end..<min(bytes.count, end + pad)])
            }
            segments.append(segment)
            // AT_PHDR: the program headers as loaded, if a segment covers them.
            let segmentFileStart = offset, segmentFileEnd = offset + Int(filesz)
            if phoff >= segmentFileStart && phoff + phnum * phentsize <= segmentFileEnd {
                programHeaderAddress = vaddr &+ UInt32(phoff - segmentFileStart)
            }
        }
        guard !segments.isEmpty else { throw .noLoadableSegments }
    }
}

/// Why an ELF file cannot run.
public enum ELFError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(needed: Int, size: Int)
    case notELF
    case not32Bit
    case notLittleEndian
    case notARM(machine: UInt32)
    case notExecutable(type: UInt32)
    /// PT_INTERP or PT_DYNAMIC: a dynamically linked program.
    case dynamic
    case badProgramHeaders(String)
    case badSegment(index: Int, reason: String)
    case noLoadableSegments

    public var description: String {
        switch self {
        case let .truncated(needed, size): return "truncated ELF file (needs \(needed) bytes, has \(size))"
        case .notELF: return "not an ELF file"
        case .not32Bit: return "not a 32-bit ELF file"
        case .notLittleEndian: return "not a little-endian ELF file"
        case let .notARM(machine): return "not an ARM ELF file (e_machine \(machine), expected 40)"
        case let .notExecutable(type): return "not an executable ELF file (e_type \(type), expected 2 = ET_EXEC)"
        case .dynamic: return "dynamically linked ELF file (needs a dynamic loader): only static executables run"
        case let .badProgramHeaders(why): return "bad program headers: \(why)"
        case let .badSegment(index, reason): return "bad segment \(index): \(reason)"
        case .noLoadableSegments: return "no loadable segments"
        }
    }
}
