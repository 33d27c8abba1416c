/// The T32 (Thumb-2) decode entry point called by the run loop in Thumb state (CPSR.T = 1).
///
/// The fetch path is here and in `CPU+Run.swift`: the run loop fetches the halfword at PC (`hw1`); when
/// `isThumb32(hw1)` it fetches the next halfword (`hw2`, else 0) and calls `decode(hw1, hw2)`. The result
/// must have `length` 2 or 4 accordingly. IT handling is split: the decoder turns IT into `Op.it` (imm =
/// firstcond:mask) and puts AL in `cond` for instructions that may sit in an IT block; the run loop applies
/// ITSTATE's condition and advances ITSTATE after each instruction (ARM ARM A2.5.2, ITAdvance).
///
/// The tables (`Thumb16Table.swift`, `Thumb32Table.swift`) are written on branch `cpuverify`; until they land,
/// every Thumb encoding decodes as Undefined.
public enum ThumbDecoder {
    /// True when `hw1` is the first halfword of a 32-bit T32 instruction (ARM ARM A6.1: bits [15:11] are
    /// 0b11101, 0b11110 or 0b11111).
    @inline(__always)
    public static func isThumb32(_ hw1: UInt16) -> Bool { hw1 >> 11 >= 0b11101 }

    /// Decodes one T32 instruction. `hw1` is the first halfword; `hw2` the second for a 32-bit encoding
    /// (ignored for 16-bit ones). Never traps: unknown encodings give `Decoded.undefined(length:)`.
    public static func decode(_ hw1: UInt16, _ hw2: UInt16) -> Decoded {
        isThumb32(hw1) ? Thumb32Table.decode(hw1, hw2) : Thumb16Table.decode(hw1)
    }
}
