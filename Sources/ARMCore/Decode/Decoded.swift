/// The pre-decoded instruction: one compact form shared by A32 and T32 (16 bytes, no references).
///
/// Decoding happens once per instruction address and the result is kept in the `DecodeCache`; the executors
/// under `Execute/` read only this form, never the raw encoding, so an A32 and a T32 encoding of the same
/// operation run through the same code. Decoders resolve everything that does not depend on run-time state:
/// immediates arrive expanded (ARMExpandImm / ThumbExpandImm), `DecodeImmShift` is already applied
/// (LSR/ASR #0 mean 32, ROR #0 means RRX), branch offsets are sign-extended, register lists are bit masks.
///
/// Field use by operation class (unused fields are 0):
///
/// | class | rd | rn | rm | ra | shiftType/shiftAmount | aux | imm |
/// | --- | --- | --- | --- | --- | --- | --- | --- |
/// | data processing | Rd | Rn | Rm | Rs (when `.registerShift`) | shift of Rm | – | expanded immediate (when `.immediate`) |
/// | MOVW/MOVT | Rd | – | – | – | – | – | imm16 |
/// | ADR (T32, `.adr`) | Rd | 15 | – | – | – | – | signed offset from Align(PC,4) |
/// | MUL/MLA/MLS | Rd | Rn | Rm | Ra | – | – | – |
/// | long multiply | RdLo | Rn | Rm | RdHi | – | – | – |
/// | halfword multiply (SMLA<x><y>…) | Rd | Rn | Rm | Ra (RdHi for SMLAL<x><y>) | – | bit0 = x/N/M (Rn top), bit1 = y/M (Rm top) | – |
/// | dual / most-significant multiply | Rd (RdLo) | Rn | Rm | Ra (RdHi) | – | bit0 = M/X (swap Rm halves) or R (round) | – |
/// | load/store single | Rt | Rn | Rm | Rt2 (LDRD/STRD) | shift of Rm | – | offset (when `.immediate`) |
/// | load/store multiple | – | Rn | – | – | – | – | register list (bit n = Rn) |
/// | exclusive | Rd (STREX status) or Rt (LDREX) | Rn | Rt (STREX value) | Rt2 (…D forms) | – | – | offset (T32 imm8:00; 0 in A32) |
/// | branch | – | – | Rm (BX/BLX reg) / Rn (CBZ, TBB) | – | – | – | signed offset from PC (A32: PC = addr+8, T32: addr+4) |
/// | saturate | Rd | Rn | – | – | shift of Rn | – | saturate_to (bit position) |
/// | extend | Rd | Rn (15 = no add) | Rm | – | rotation in shiftAmount | – | – |
/// | bit field | Rd | Rn | – | – | lsb in shiftAmount | width (1…32) | – |
/// | parallel add/sub | Rd | Rn | Rm | – | – | `ParallelOp` raw value | – |
/// | PKHBT/PKHTB | Rd | Rn | Rm | – | shift of Rm | – | – |
/// | MRS / MSR | Rd / – | – | Rm (MSR reg) | – | – | bit0 = SPSR; MSR: bits 4…7 = mask (c,x,s,f) | immediate (MSR imm) |
/// | banked MRS/MSR | Rd / – | – | Rm | – | – | SYSm (bits 0…4) + bit 5 = R | – |
/// | CPS | – | – | – | – | – | bit 2 = A, bit 1 = I, bit 0 = F to change; bit 3 = change mode; bit 4 = disable (ID) | new mode |
/// | SRS / RFE | – | Rn (RFE) / – | – | – | – | – | SRS mode |
/// | coprocessor (MCR/MRC/MCRR/MRRC) | Rt | Rt2 (MCRR) | CRm | – | opc2 in shiftType, CRn in shiftAmount | coproc | opc1 |
/// | SVC/HVC/BKPT/UDF/SMC | – | – | – | – | – | – | immediate |
/// | IT (T32) | – | – | – | – | – | – | ITSTATE value (firstcond:mask) |
/// | SETEND | – | – | – | – | – | 1 = big-endian | – |
/// | PLD/PLI | – | Rn | Rm | – | shift of Rm | – | offset |
///
/// Register numbers are 0…15 (15 = PC; reads of PC give the address of the instruction + 8 in A32, + 4 in T32).
public struct Decoded: Sendable, Equatable {
    /// What to do; `Op.notDecoded` (0) marks an empty decode-cache slot.
    public var op: Op
    /// Condition code 0…15 (14 = AL, 15 = unconditional space in A32). In a T32 IT block the run loop
    /// takes the condition from ITSTATE instead, so T32 decoders put AL here except for B<c> (T1/T3).
    public var cond: UInt8
    /// Per-instruction flags (setflags, P/U/W, operand form); see `DecodedFlags`.
    public var flags: DecodedFlags
    /// Encoding length in bytes: 4 for A32 and 32-bit T32, 2 for 16-bit T32.
    public var length: UInt8
    public var rd: UInt8
    public var rn: UInt8
    public var rm: UInt8
    /// Fourth register: Rs for a register-controlled shift, Ra for accumulate, RdHi, Rt2.
    public var ra: UInt8
    /// Shift applied to Rm (`ShiftType` raw: LSL, LSR, ASR, ROR, RRX), already DecodeImmShift-ed.
    public var shiftType: UInt8
    /// Shift amount 0…32 (or a rotation / lsb / CRn, see the table above).
    public var shiftAmount: UInt8
    /// Operation-specific small selector (see the table above).
    public var aux: UInt8
    /// Reserved, keeps the form at 16 bytes; decoders leave it 0.
    public var reserved: UInt8
    /// Expanded immediate, offset, register list or trap immediate (see the table above).
    public var imm: UInt32

    @inlinable
    public init(op: Op, cond: UInt8 = 14, flags: DecodedFlags = [], length: UInt8 = 4,
                rd: UInt8 = 0, rn: UInt8 = 0, rm: UInt8 = 0, ra: UInt8 = 0,
                shiftType: UInt8 = 0, shiftAmount: UInt8 = 0, aux: UInt8 = 0, imm: UInt32 = 0) {
        self.op = op; self.cond = cond; self.flags = flags; self.length = length
        self.rd = rd; self.rn = rn; self.rm = rm; self.ra = ra
        self.shiftType = shiftType; self.shiftAmount = shiftAmount; self.aux = aux; self.reserved = 0
        self.imm = imm
    }

    /// An empty decode-cache slot.
    public static let empty = Decoded(op: .notDecoded, length: 0)

    /// The Undefined-instruction outcome of a decoder, `length` bytes long.
    @inlinable
    public static func undefined(length: UInt8 = 4, cond: UInt8 = 14) -> Decoded {
        Decoded(op: .undefined, cond: cond, length: length)
    }
}

/// Flags of a `Decoded` instruction (one byte).
public struct DecodedFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// S: update N, Z, C, V (data processing, multiplies). With Rd = PC in A32 this is the exception-return form.
    public static let setFlags = DecodedFlags(rawValue: 1 << 0)
    /// P: index (offset applied before the access); for LDM/STM, "before" (IB/DB).
    public static let index = DecodedFlags(rawValue: 1 << 1)
    /// U: add the offset (clear: subtract); for LDM/STM, increment.
    public static let add = DecodedFlags(rawValue: 1 << 2)
    /// W: write the address back to Rn (post-indexed forms set this too).
    public static let writeBack = DecodedFlags(rawValue: 1 << 3)
    /// The second operand / offset is `imm` (clear: Rm shifted by `shiftType`/`shiftAmount`).
    public static let immediate = DecodedFlags(rawValue: 1 << 4)
    /// The shift amount comes from the bottom byte of register `ra` (data processing register-shifted register).
    public static let registerShift = DecodedFlags(rawValue: 1 << 5)
    /// The immediate was rotated (ARMExpandImm_C / ThumbExpandImm_C with a rotation): with `.setFlags`
    /// on a logical operation, C becomes bit 31 of `imm`; clear: C is unchanged.
    public static let immediateCarry = DecodedFlags(rawValue: 1 << 6)
    /// T16 forms whose S is "!InITBlock()": the executor sets flags only outside an IT block.
    /// Decoders set this instead of `.setFlags` for those encodings.
    public static let setFlagsOutsideIT = DecodedFlags(rawValue: 1 << 7)
}

/// Shift types as in the ARM ARM (`SRType`), with RRX separate.
public enum ShiftType: UInt8, Sendable {
    case lsl = 0, lsr = 1, asr = 2, ror = 3, rrx = 4
}

/// Parallel add/subtract (ARM ARM A5.4.1-3): `aux` = prefix << 3 | operation.
public enum ParallelOp {
    /// Prefixes: S, Q, SH (signed), U, UQ, UH (unsigned).
    public static let signed: UInt8 = 0, signedSaturating: UInt8 = 1, signedHalving: UInt8 = 2
    public static let unsigned: UInt8 = 3, unsignedSaturating: UInt8 = 4, unsignedHalving: UInt8 = 5
    /// Operations: ADD16, ASX, SAX, SUB16, ADD8, SUB8.
    public static let add16: UInt8 = 0, asx: UInt8 = 1, sax: UInt8 = 2, sub16: UInt8 = 3
    public static let add8: UInt8 = 4, sub8: UInt8 = 5

    @inlinable public static func aux(prefix: UInt8, operation: UInt8) -> UInt8 { prefix << 3 | operation }
}

/// How executors see a `Decoded`: a pointer into its decode-cache slot, so the 16 bytes are read field by field
/// where needed instead of being copied into registers for every call. The slot stays valid for the whole
/// instruction (an invalidation retires the page's buffer instead of clearing it; see `DecodeCache`).
public typealias DecodedRef = UnsafePointer<Decoded>

extension UnsafePointer where Pointee == Decoded {
    @inline(__always) public var op: Op { pointee.op }
    @inline(__always) public var cond: UInt8 { pointee.cond }
    @inline(__always) public var flags: DecodedFlags { pointee.flags }
    @inline(__always) public var length: UInt8 { pointee.length }
    @inline(__always) public var rd: UInt8 { pointee.rd }
    @inline(__always) public var rn: UInt8 { pointee.rn }
    @inline(__always) public var rm: UInt8 { pointee.rm }
    @inline(__always) public var ra: UInt8 { pointee.ra }
    @inline(__always) public var shiftType: UInt8 { pointee.shiftType }
    @inline(__always) public var shiftAmount: UInt8 { pointee.shiftAmount }
    @inline(__always) public var aux: UInt8 { pointee.aux }
    @inline(__always) public var imm: UInt32 { pointee.imm }
}

extension DecodedFlags {
    /// One flag's test as a plain bit test (`OptionSet.contains` is generic and was not inlined on the hot path).
    @_transparent
    public func has(_ flag: DecodedFlags) -> Bool { rawValue & flag.rawValue != 0 }
}
