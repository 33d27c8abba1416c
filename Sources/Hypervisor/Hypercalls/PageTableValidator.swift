/// Checks a guest's ARMv7 short-descriptor translation tables before they are installed (`XENARM_PV_set_ttbr`):
/// the 16 KiB first-level table and every second-level table it names must lie in the domain's RAM, and every
/// section and page must map RAM or a page assigned to the domain. Anything else (a descriptor pointing at the
/// hypervisor reserve, another domain, a supersection, a reserved type) is refused.
///
/// This is the Xen-ARM check; isolation does not depend on it alone: the stage 2 still refuses any
/// guest-physical page the domain was not given, even if the guest rewrites its tables after validation.
public struct PageTableValidator {
    /// Guest-physical RAM of the domain.
    public let ram: Range<UInt64>
    /// True if the guest-physical page holding the address is assigned to the domain (RAM or a hypervisor page).
    public let isAssignedPage: (UInt32) -> Bool
    /// A word of guest RAM (nil outside RAM).
    public let readWord: (UInt32) -> UInt32?

    public init(ram: Range<UInt64>, isAssignedPage: @escaping (UInt32) -> Bool, readWord: @escaping (UInt32) -> UInt32?) {
        self.ram = ram; self.isAssignedPage = isAssignedPage; self.readWord = readWord
    }

    /// Why a table was refused.
    public enum Problem: Equatable, Sendable, CustomStringConvertible {
        case misaligned(UInt32)
        case tableOutsideRAM(UInt32)
        case sectionOutsideRAM(index: Int, base: UInt32)
        case supersection(index: Int)
        case reservedDescriptor(index: Int)
        case pageNotAssigned(l1Index: Int, l2Index: Int, base: UInt32)

        public var description: String {
            func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16) }
            switch self {
            case let .misaligned(a): return "table base \(hex(a)) is not 16 KiB aligned"
            case let .tableOutsideRAM(a): return "table at \(hex(a)) is not in the domain's RAM"
            case let .sectionOutsideRAM(i, b): return "L1[\(i)] maps section \(hex(b)) outside RAM"
            case let .supersection(i): return "L1[\(i)] is a supersection (not supported)"
            case let .reservedDescriptor(i): return "L1[\(i)] has the reserved descriptor type"
            case let .pageNotAssigned(i, j, b): return "L1[\(i)] L2[\(j)] maps \(hex(b)), not the domain's"
            }
        }
    }

    private func inRAM(_ address: UInt32, _ length: UInt64) -> Bool {
        UInt64(address) >= ram.lowerBound && UInt64(address) + length <= ram.upperBound
    }

    /// nil if the table at guest-physical `l1` is acceptable, else the first problem found.
    public func validate(l1: UInt32) -> Problem? {
        guard l1 & 0x3FFF == 0 else { return .misaligned(l1) }
        guard inRAM(l1, 16 * 1024) else { return .tableOutsideRAM(l1) }
        for i in 0..<4096 {
            guard let d = readWord(l1 + UInt32(4 * i)) else { return .tableOutsideRAM(l1) }
            switch d & 3 {
            case 0: continue
            case 1:
                let l2 = d & 0xFFFF_FC00
                guard inRAM(l2, 1024) else { return .tableOutsideRAM(l2) }
                for j in 0..<256 {
                    guard let e = readWord(l2 + UInt32(4 * j)) else { return .tableOutsideRAM(l2) }
                    switch e & 3 {
                    case 0: continue
                    case 1: // large page, 64 KiB: every page must be RAM
                        let base = e & 0xFFFF_0000
                        guard inRAM(base, 64 * 1024) else { return .pageNotAssigned(l1Index: i, l2Index: j, base: base) }
                    default: // small page
                        let base = e & 0xFFFF_F000
                        guard isAssignedPage(base) else { return .pageNotAssigned(l1Index: i, l2Index: j, base: base) }
                    }
                }
            case 2:
                if d & (1 << 18) != 0 { return .supersection(index: i) }
                let base = d & 0xFFF0_0000
                guard inRAM(base, 1 << 20) else { return .sectionOutsideRAM(index: i, base: base) }
            default:
                return .reservedDescriptor(index: i)
            }
        }
        return nil
    }
}
