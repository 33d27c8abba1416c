import ARMCore
import XCTest

/// The T32 decode tables read as data: pattern widths, match order, ambiguity, dead rows.
final class ThumbTableTests: XCTestCase {
    private let tables: [(String, ThumbTable, [ThumbRow], Int)] = [
        ("Thumb16", Thumb16Table.table, Thumb16Table.rows, 16),
        ("Thumb32", Thumb32Table.table, Thumb32Table.rows, 32),
    ]

    func testEveryPatternHasTheTableWidthAndAName() {
        for (label, _, rows, bits) in tables {
            for row in rows {
                XCTAssertEqual(row.pattern.filter { $0 != " " && $0 != "|" }.count, bits, "\(label): \(row.name)")
                XCTAssertFalse(row.name.isEmpty)
                if bits == 16 { XCTAssertEqual(row.mask >> 16, 0, row.name) }
            }
        }
        XCTAssertGreaterThan(Thumb16Table.rows.count, 70)
        XCTAssertGreaterThan(Thumb32Table.rows.count, 150)
    }

    func testRowsAreTriedMostSpecificFirst() {
        for (label, table, rows, _) in tables {
            XCTAssertEqual(table.rows.count, rows.count, label)
            for (a, b) in zip(table.rows, table.rows.dropFirst()) {
                XCTAssertGreaterThanOrEqual(a.fixedBits, b.fixedBits, "\(label): \(a.name) before \(b.name)")
            }
        }
    }

    /// Two equally specific rows that match a common encoding would make the decode depend on table order.
    func testNoTwoEquallySpecificRowsOverlap() {
        for (label, _, rows, _) in tables {
            var clashes: [String] = []
            for i in rows.indices {
                for j in rows.indices where j > i && rows[i].fixedBits == rows[j].fixedBits {
                    let common = rows[i].mask & rows[j].mask
                    if rows[i].value & common == rows[j].value & common {
                        clashes.append("\(rows[i].name) / \(rows[j].name)")
                    }
                }
            }
            XCTAssertEqual(clashes, [], label)
        }
    }

    /// No row is dead: some instance of each pattern (random operand fields) decodes through that row.
    func testEveryRowWinsForSomeInstanceOfItsPattern() {
        var seed: UInt32 = 0x9E37_79B9
        for (label, table, rows, bits) in tables {
            var dead: [String] = []
            let width: UInt32 = bits == 16 ? 0xFFFF : 0xFFFF_FFFF
            for row in rows {
                var won = false
                for _ in 0..<512 where !won {
                    seed = seed &* 1_664_525 &+ 1_013_904_223
                    let word = row.value | (seed & ~row.mask & width)
                    won = table.row(for: word)?.name == row.name
                }
                if !won { dead.append(row.name) }
            }
            XCTAssertEqual(dead, [], label)
        }
    }

    /// Thumb16Table covers only 16-bit encodings and Thumb32Table only 32-bit ones (A6.1: hw1[15:11]).
    func testTablesKeepToTheirEncodingLength() {
        for row in Thumb16Table.rows {
            XCTAssertFalse(ThumbDecoder.isThumb32(UInt16(row.value & 0xFFFF)) && row.mask & 0xF800 == 0xF800, row.name)
        }
        for row in Thumb32Table.rows {
            XCTAssertTrue(ThumbDecoder.isThumb32(UInt16(row.value >> 16)), row.name)
        }
    }
}
