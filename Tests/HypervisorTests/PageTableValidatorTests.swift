import Hypervisor
import XCTest

final class PageTableValidatorTests: XCTestCase {
    /// A 4 MiB domain: RAM 0x40000000..0x40400000, tables in a dictionary of words, the magic page assigned.
    final class Tables {
        var words: [UInt32: UInt32] = [:]
        let ram: Range<UInt64> = 0x4000_0000..<0x4040_0000
        func validator() -> PageTableValidator {
            PageTableValidator(
                ram: ram, isAssignedPage: { self.ram.contains(UInt64($0)) || $0 & ~0xFFF == 0x3900_0000 },
                readWord: { self.ram.contains(UInt64($0)) ? (self.words[$0] ?? 0) : nil })
        }
        func section(_ l1: UInt32, va: UInt32, pa: UInt32) { words[l1 + (va >> 20) * 4] = pa & 0xFFF0_0000 | 0xC02 }
        func table(_ l1: UInt32, va: UInt32, l2: UInt32) { words[l1 + (va >> 20) * 4] = l2 | 1 }
        func page(_ l2: UInt32, va: UInt32, pa: UInt32) { words[l2 + ((va >> 12) & 0xFF) * 4] = pa & ~0xFFF | 0x32 }
    }

    let l1: UInt32 = 0x4010_0000

    func testIdentitySectionsOverRAMAreAccepted() {
        let t = Tables()
        for mb in 0..<4 { t.section(l1, va: 0x4000_0000 + UInt32(mb) << 20, pa: 0x4000_0000 + UInt32(mb) << 20) }
        XCTAssertNil(t.validator().validate(l1: l1))
    }

    func testASectionPointingOutsideRAMIsRefused() {
        let t = Tables()
        t.section(l1, va: 0x4000_0000, pa: 0x4000_0000)
        t.section(l1, va: 0x5000_0000, pa: 0x4800_0000)
        XCTAssertEqual(t.validator().validate(l1: l1), .sectionOutsideRAM(index: 0x500, base: 0x4800_0000))
    }

    func testASmallPageOnTheMagicPageIsAcceptedButOneOnTheReserveIsNot() {
        let t = Tables()
        let l2: UInt32 = 0x4020_0000
        t.table(l1, va: 0x3900_0000, l2: l2)
        t.page(l2, va: 0x3900_0000, pa: 0x3900_0000)
        XCTAssertNil(t.validator().validate(l1: l1))
        t.page(l2, va: 0x3900_1000, pa: 0x3900_2000)
        XCTAssertEqual(t.validator().validate(l1: l1), .pageNotAssigned(l1Index: 0x390, l2Index: 1, base: 0x3900_2000))
    }

    func testASecondLevelTableOutsideRAMIsRefused() {
        let t = Tables()
        t.table(l1, va: 0x4000_0000, l2: 0x4800_0000)
        XCTAssertEqual(t.validator().validate(l1: l1), .tableOutsideRAM(0x4800_0000))
    }

    func testTheFirstLevelTableMustBeAlignedAndInRAM() {
        let t = Tables()
        XCTAssertEqual(t.validator().validate(l1: l1 + 0x1000), .misaligned(l1 + 0x1000))
        XCTAssertEqual(t.validator().validate(l1: 0x3800_0000), .tableOutsideRAM(0x3800_0000))
        XCTAssertNil(t.validator().validate(l1: 0x403F_C000), "the last 16 KiB of RAM")
        XCTAssertEqual(t.validator().validate(l1: 0x4040_0000), .tableOutsideRAM(0x4040_0000), "just past RAM")
    }

    func testSupersectionsAndReservedDescriptorsAreRefused() {
        let t = Tables()
        t.words[l1] = 0x4000_0000 | 1 << 18 | 2
        XCTAssertEqual(t.validator().validate(l1: l1), .supersection(index: 0))
        t.words[l1] = 3
        XCTAssertEqual(t.validator().validate(l1: l1), .reservedDescriptor(index: 0))
    }
}
