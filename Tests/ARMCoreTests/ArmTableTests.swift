import XCTest
import ARMCore

/// The A32 decode table read as data: its order, its ambiguity, and spot decodes.
final class ArmTableTests: XCTestCase {
    func testEveryPatternHasThirtyTwoBitsAndAName() {
        for row in ArmTable.rows {
            XCTAssertEqual(row.pattern.count, 32, row.name)
            XCTAssertFalse(row.name.isEmpty)
            XCTAssertFalse(row.heading.isEmpty)
        }
        XCTAssertGreaterThan(ArmTable.rows.count, 150)
    }

    func testCompiledRowsAreSortedMostSpecificFirst() {
        let sorted = ArmTable.compiled.sorted
        XCTAssertEqual(sorted.count, ArmTable.rows.count)
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            XCTAssertGreaterThanOrEqual(a.specificity, b.specificity, "\(a.name) before \(b.name)")
        }
    }

    /// Two rows of equal specificity that can match the same word would make the decode depend on table order.
    func testNoTwoEquallySpecificRowsOverlap() {
        let rows = ArmTable.rows
        var clashes: [String] = []
        for i in rows.indices {
            for j in rows.indices where j > i && rows[i].specificity == rows[j].specificity {
                let common = rows[i].mask & rows[j].mask
                guard rows[i].value & common == rows[j].value & common else { continue }
                // The combined word also has to satisfy both condition constraints.
                let word = rows[i].value | rows[j].value
                if rows[i].matches(word) && rows[j].matches(word) {
                    clashes.append("\(rows[i].name) / \(rows[j].name)")
                }
            }
        }
        XCTAssertEqual(clashes, [])
    }

    /// No row is dead: for each, some instance of its pattern (random operand fields, condition AL) decodes
    /// through it rather than through a more specific row.
    func testEveryRowWinsForSomeInstanceOfItsPattern() {
        var seed: UInt32 = 0x9E37_79B9
        var dead: [String] = []
        for row in ArmTable.rows {
            let free = ~row.mask & ~row.conditionMask
            var won = false
            for _ in 0..<256 where !won {
                seed = seed &* 1_664_525 &+ 1_013_904_223
                let word = row.value | (row.conditionMask & 0xE000_0000) | (seed & free)
                won = ArmTable.compiled.match(word)?.name == row.name
            }
            if !won { dead.append(row.name) }
        }
        XCTAssertEqual(dead, [])
    }

    func testSpotDecodes() {
        XCTAssertEqual(ArmTable.decode(0xE081_0002).op, .add)          // add r0, r1, r2
        XCTAssertEqual(ArmTable.decode(0xE12F_FF1E).op, .bx)           // bx lr
        XCTAssertEqual(ArmTable.decode(0xE92D_4010).op, .stm)          // push {r4, lr}
        XCTAssertEqual(ArmTable.decode(0xE8BD_8010).op, .ldm)          // pop {r4, pc}
        XCTAssertEqual(ArmTable.decode(0xF57F_F05F).op, .dmb)          // dmb sy
        XCTAssertEqual(ArmTable.decode(0xEE1D_0F70).op, .mrc)          // mrc p15, 0, r0, c13, c0, 3
        XCTAssertEqual(ArmTable.decode(0xE710_F110).op, .sdiv)         // sdiv r0, r0, r1
        XCTAssertEqual(ArmTable.decode(0xE6BF_0071).op, .sxth)         // sxth r0, r1
        XCTAssertEqual(ArmTable.decode(0xE1A0_0000).op, .mov)          // nop (mov r0, r0)
        XCTAssertEqual(ArmTable.decode(0xE320_F003).op, .wfi)
        XCTAssertEqual(ArmTable.decode(0xEF00_0000).op, .svc)
        XCTAssertEqual(ArmTable.decode(0xE140_0070).op, .hvc)
        XCTAssertEqual(ArmTable.decode(0xE1B0_0F9F).op, .ldrexd)       // ldrexd r0, r1, [r0]
        XCTAssertEqual(ArmTable.decode(0xE1C0_00D0).op, .ldrd)         // ldrd r0, r1, [r0]
        XCTAssertEqual(ArmTable.decode(0xF102_0013).op, .cps)          // cps #19
    }

    func testAddImmediateCarriesTheExpandedImmediateAndItsCarryFlag() {
        let d = ArmTable.decode(0xE291_04FF) // adds r0, r1, #0xFF000000
        XCTAssertEqual(d.op, .add)
        XCTAssertEqual(d.imm, 0xFF00_0000)
        XCTAssertTrue(d.flags.contains([.setFlags, .immediate, .immediateCarry]))
        XCTAssertEqual(d.rd, 0); XCTAssertEqual(d.rn, 1)
    }

    func testVFPNEONAndTheUnconditionalHoleAreUndefined() {
        XCTAssertEqual(ArmTable.decode(0xEE30_0A00).op, .undefined)    // vadd.f32 s0, s0, s0
        XCTAssertEqual(ArmTable.decode(0xF420_070F).op, .undefined)    // vld1.8 {d0}, [r0]
        XCTAssertEqual(ArmTable.decode(0xF000_0000).op, .undefined)    // cond 1111 data processing
        XCTAssertEqual(ArmTable.decode(0xE7F0_00F0).op, .udf)          // udf #0
        XCTAssertEqual(ArmTable.decode(0xE1C0_10D0).op, .undefined)    // ldrd with odd Rt (r1): UNPREDICTABLE → Undefined
    }

    func testDecodingNeverTrapsOnAnyWordOfASweep() {
        var x: UInt32 = 0x1234_5678
        for _ in 0..<200_000 {
            x = x &* 1_664_525 &+ 1_013_904_223
            let d = ArmTable.decode(x)
            XCTAssertTrue(d.length == 4)
            XCTAssertLessThan(Int(d.rd | d.rn | d.rm | d.ra), 16)
        }
    }
}
