/// One row of a T32 decode table (`Thumb16Table`, `Thumb32Table`): a name, a bit pattern and what the
/// encoding decodes to.
///
/// Patterns are written as in the ARM ARM encoding diagrams, most significant bit first: `0` and `1` are fixed
/// bits, a letter is an operand field, `-` is a bit the encoding ignores; spaces and `|` (between the two
/// halfwords of a 32-bit encoding) are for the reader only. A field's letter may appear in several places: the
/// pieces concatenate in pattern order, so `i` in `11110i...0iii....iiiiiiii` is `i:imm3:imm8` = imm12.
///
/// Example: `"01000100 d mmmm ddd"` (ADD register, T2) gives mask 0xFF00, value 0x4400, and `f["d"]` = D:Rdn.
public struct ThumbRow: Sendable {
    public let name: String
    /// The pattern as written in the table.
    public let pattern: String
    public let mask: UInt32
    public let value: UInt32
    /// Bit count of `mask`: rows are tried from the most to the least specific, so special cases
    /// (TST = ANDS with Rd = 1111, MOV = ORR with Rn = 1111) need no ordering care in the table text.
    public let fixedBits: Int
    let fields: ThumbFieldLayout
    let handler: @Sendable (ThumbFields) -> Decoded

    init(_ name: String, _ pattern: String, _ handler: @escaping @Sendable (ThumbFields) -> Decoded) {
        let bits = Array(pattern.filter { $0 != " " && $0 != "|" })
        precondition(bits.count == 16 || bits.count == 32, "\(name): pattern has \(bits.count) bits")
        var mask: UInt32 = 0, value: UInt32 = 0
        var layout = ThumbFieldLayout()
        for (i, ch) in bits.enumerated() {
            let bit = UInt32(1) << UInt32(bits.count - 1 - i)
            switch ch {
            case "0": mask |= bit
            case "1": mask |= bit; value |= bit
            case "-": break
            default: layout.add(ch, bit)
            }
        }
        self.name = name
        self.pattern = pattern
        self.mask = mask
        self.value = value
        self.fixedBits = mask.nonzeroBitCount
        self.fields = layout
        self.handler = handler
    }

    @inline(__always)
    public func matches(_ raw: UInt32) -> Bool { raw & mask == value }
}

/// Where each lettered field of a pattern lives: per letter, the mask of its bits (MSB first when gathered).
struct ThumbFieldLayout: Sendable {
    private var letters: [Character] = []
    private var masks: [UInt32] = []

    mutating func add(_ ch: Character, _ bit: UInt32) {
        if let k = letters.firstIndex(of: ch) {
            masks[k] |= bit
        } else {
            letters.append(ch)
            masks.append(bit)
        }
    }

    /// Gathers the bits of field `ch` from `raw` into a right-aligned value (a software PEXT).
    func extract(_ ch: Character, from raw: UInt32) -> UInt32 {
        guard let k = letters.firstIndex(of: ch) else {
            preconditionFailure("decode table: no field '\(ch)' in this pattern")
        }
        var m = masks[k], out: UInt32 = 0
        while m != 0 {
            let top = UInt32(31 - m.leadingZeroBitCount)
            out = out << 1 | (raw >> top & 1)
            m &= ~(1 << top)
        }
        return out
    }
}

/// The encoding being decoded, with its pattern's fields readable by letter: `f["d"]`, `f.reg("n")`.
struct ThumbFields {
    let raw: UInt32
    let layout: ThumbFieldLayout

    subscript(_ ch: Character) -> UInt32 { layout.extract(ch, from: raw) }
    /// A register-number field as the `UInt8` `Decoded` stores.
    func reg(_ ch: Character) -> UInt8 { UInt8(truncatingIfNeeded: self[ch]) }
    /// A one-bit field as a Bool.
    func bit(_ ch: Character) -> Bool { self[ch] != 0 }
}

/// A compiled table: rows sorted most specific first, scanned in order; the first match decodes.
public struct ThumbTable: Sendable {
    /// Rows in match order (most specific first).
    public let rows: [ThumbRow]
    /// Encoding length in bytes: 2 or 4.
    public let width: UInt8

    init(width: UInt8, _ rows: [ThumbRow]) {
        self.width = width
        // Stable sort on specificity: equal-specificity rows keep their table order.
        self.rows = rows.enumerated().sorted {
            $0.element.fixedBits != $1.element.fixedBits ? $0.element.fixedBits > $1.element.fixedBits
                                                         : $0.offset < $1.offset
        }.map(\.element)
    }

    /// The first row matching `raw` (hw1 << 16 | hw2 for 32-bit encodings), if any.
    public func row(for raw: UInt32) -> ThumbRow? {
        for row in rows where row.matches(raw) { return row }
        return nil
    }

    public func decode(_ raw: UInt32) -> Decoded {
        guard let row = row(for: raw) else { return .undefined(length: width) }
        var d = row.handler(ThumbFields(raw: raw, layout: row.fields))
        d.length = width
        return d
    }
}

// MARK: - T32 pseudocode helpers (ARM ARM names)

enum ThumbPseudocode {
    /// ThumbExpandImm_C (ARM ARM A6.3.2): the 32-bit value of a 12-bit modified immediate, and whether the
    /// encoding is a rotation, in which case carry_out is bit 31 of the value (else carry_out = carry_in).
    /// Returns nil for the UNPREDICTABLE replication of a zero byte (imm12<11:10> = 00, <9:8> != 00, imm8 = 0).
    static func thumbExpandImmC(_ imm12: UInt32) -> (value: UInt32, rotated: Bool)? {
        let imm8 = imm12 & 0xFF
        if imm12 >> 10 == 0 {
            switch imm12 >> 8 & 3 {
            case 0: return (imm8, false)
            case 1: return imm8 == 0 ? nil : (imm8 << 16 | imm8, false)
            case 2: return imm8 == 0 ? nil : (imm8 << 24 | imm8 << 8, false)
            default: return imm8 == 0 ? nil : (imm8 * 0x0101_0101, false)
            }
        }
        let unrotated = 0x80 | imm12 & 0x7F
        let amount = imm12 >> 7
        return ((unrotated >> amount) | (unrotated << (32 - amount)), true)
    }

    /// DecodeImmShift (ARM ARM A8.4.3): type and imm5 to the shift `Decoded` stores (LSR/ASR #0 mean 32,
    /// ROR #0 means RRX by 1).
    static func decodeImmShift(_ type: UInt32, _ imm5: UInt32) -> (ShiftType, UInt8) {
        switch type & 3 {
        case 0: return (.lsl, UInt8(imm5))
        case 1: return (.lsr, imm5 == 0 ? 32 : UInt8(imm5))
        case 2: return (.asr, imm5 == 0 ? 32 : UInt8(imm5))
        default: return imm5 == 0 ? (.rrx, 1) : (.ror, UInt8(imm5))
        }
    }

    /// SignExtend(value<bits-1:0>, 32).
    static func signExtend(_ value: UInt32, bits: Int) -> UInt32 {
        let shift = UInt32(32 - bits)
        return UInt32(bitPattern: Int32(bitPattern: value << shift) >> shift)
    }
}
