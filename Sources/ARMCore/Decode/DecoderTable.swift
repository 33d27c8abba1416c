/// The machinery shared by the decode tables (`ArmTable`, and the T32 tables): a row is
/// (ARM ARM heading, name, 32-character pattern, what it decodes to); patterns compile once into mask/value
/// pairs, sorted most specific first and bucketed.
///
/// Pattern characters: `0`/`1` fixed bits, `c` a condition field (matches anything but 0b1111), any other
/// character a don't-care for matching (operand fields by letter, `-` for SBZ/SBO bits). The first character
/// is bit 31.
public struct DecoderRow: Sendable {
    public let heading: String
    public let name: String
    public let pattern: String
    public let decode: @Sendable (UInt32) -> Decoded
    /// Fixed bits of `pattern`.
    public let mask: UInt32
    /// Values of the fixed bits.
    public let value: UInt32
    /// Mask of the `c` (condition) bits: the word's field under it must not be all ones.
    public let conditionMask: UInt32

    public init(heading: String, name: String, pattern: String, decode: @escaping @Sendable (UInt32) -> Decoded) {
        precondition(pattern.count == 32, "pattern of \(name) must have 32 characters")
        self.heading = heading; self.name = name; self.pattern = pattern; self.decode = decode
        var mask: UInt32 = 0, value: UInt32 = 0, cond: UInt32 = 0
        for (k, ch) in pattern.enumerated() {
            let bit = UInt32(1) << UInt32(31 - k)
            switch ch {
            case "0": mask |= bit
            case "1": mask |= bit; value |= bit
            case "c": cond |= bit
            default: break
            }
        }
        self.mask = mask; self.value = value; self.conditionMask = cond
    }

    /// True when `word` has this row's fixed bits (and, for conditional rows, a condition other than 0b1111).
    @inline(__always)
    public func matches(_ word: UInt32) -> Bool {
        word & mask == value && (conditionMask == 0 || word & conditionMask != conditionMask)
    }

    /// How many bits the row fixes (the sort key: more specific rows are tried first).
    public var specificity: Int { mask.nonzeroBitCount + (conditionMask != 0 ? 1 : 0) }
}

/// A compiled table: rows sorted most specific first (stable for equal specificity), in buckets keyed on the
/// bits `bucketMask` selects, each bucket holding the rows that can match words with that key.
public struct CompiledDecoderTable: Sendable {
    public let rows: [DecoderRow]
    public let sorted: [DecoderRow]
    private let bucketShifts: [UInt32]
    private let buckets: [[DecoderRow]]

    /// `bucketBits` lists the bit positions forming the bucket key (at most 8).
    public init(rows: [DecoderRow], bucketBits: [UInt32]) {
        self.rows = rows
        let sorted = rows.enumerated().sorted { a, b in
            a.element.specificity != b.element.specificity ? a.element.specificity > b.element.specificity : a.offset < b.offset
        }.map(\.element)
        self.sorted = sorted
        self.bucketShifts = bucketBits
        var buckets: [[DecoderRow]] = []
        for key in 0..<(1 << bucketBits.count) {
            var keyMask: UInt32 = 0, keyValue: UInt32 = 0
            for (i, b) in bucketBits.enumerated() {
                keyMask |= 1 << b
                if key & (1 << i) != 0 { keyValue |= 1 << b }
            }
            buckets.append(sorted.filter { row in
                let common = row.mask & keyMask
                return row.value & common == keyValue & common
            })
        }
        self.buckets = buckets
    }

    @inline(__always)
    private func bucket(_ word: UInt32) -> Int {
        var key = 0
        for (i, b) in bucketShifts.enumerated() where word & (1 << b) != 0 { key |= 1 << i }
        return key
    }

    /// The first (most specific) row matching `word`, or nil.
    public func match(_ word: UInt32) -> DecoderRow? {
        for row in buckets[bucket(word)] where row.matches(word) { return row }
        return nil
    }
}

/// Bit-field extraction for decoders.
@inline(__always)
func bits(_ w: UInt32, _ hi: UInt32, _ lo: UInt32) -> UInt32 {
    (w >> lo) & ((1 << (hi - lo + 1)) - 1)
}

@inline(__always)
func reg(_ w: UInt32, _ lo: UInt32) -> UInt8 { UInt8((w >> lo) & 0xF) }

@inline(__always)
func bit(_ w: UInt32, _ n: UInt32) -> Bool { (w >> n) & 1 != 0 }
