/// Helpers named as in the ARM ARM pseudocode (ARM DDI 0406C, appendix "Pseudocode definition" and A2.2–A2.4),
/// shared by the A32 and T32 decoders and the executors. Public so tests can pin them against known values.
public enum ARMPseudocode {
    /// AddWithCarry(x, y, carry_in) → (result, carry_out, overflow) (A2.2.1).
    @inline(__always)
    public static func AddWithCarry(_ x: UInt32, _ y: UInt32, _ carryIn: Bool) -> (result: UInt32, carry: Bool, overflow: Bool) {
        let wide = UInt64(x) &+ UInt64(y) &+ (carryIn ? 1 : 0)
        let result = UInt32(truncatingIfNeeded: wide)
        let carry = wide >> 32 != 0
        let overflow = ((x ^ result) & (y ^ result)) >> 31 != 0
        return (result, carry, overflow)
    }

    /// Shift_C(value, type, amount, carry_in) (A8.4.3). `amount` is 0…255 for register-controlled shifts.
    /// RRX ignores `amount` (it always shifts by one).
    @inline(__always)
    public static func Shift_C(_ value: UInt32, _ type: UInt8, _ amount: UInt32, _ carryIn: Bool) -> (result: UInt32, carry: Bool) {
        if type == ShiftType.rrx.rawValue {
            return ((carryIn ? 1 << 31 : 0) | value >> 1, value & 1 != 0)
        }
        if amount == 0 { return (value, carryIn) }
        switch type {
        case 0: // LSL
            if amount < 32 { return (value << amount, (value >> (32 - amount)) & 1 != 0) }
            if amount == 32 { return (0, value & 1 != 0) }
            return (0, false)
        case 1: // LSR
            if amount < 32 { return (value >> amount, (value >> (amount - 1)) & 1 != 0) }
            if amount == 32 { return (0, value >> 31 != 0) }
            return (0, false)
        case 2: // ASR
            if amount < 32 {
                return (UInt32(bitPattern: Int32(bitPattern: value) >> Int32(amount)), (value >> (amount - 1)) & 1 != 0)
            }
            let s = value >> 31 != 0
            return (s ? 0xFFFF_FFFF : 0, s)
        default: // ROR
            let r = amount & 31
            let result = r == 0 ? value : (value >> r | value << (32 - r))
            return (result, result >> 31 != 0)
        }
    }

    /// Shift(value, type, amount, carry_in): the result of `Shift_C` alone.
    @inline(__always)
    public static func Shift(_ value: UInt32, _ type: UInt8, _ amount: UInt32, _ carryIn: Bool) -> UInt32 {
        Shift_C(value, type, amount, carryIn).result
    }

    /// DecodeImmShift(type, imm5) (A8.4.2): (shift type, amount) with LSR/ASR #0 → 32 and ROR #0 → RRX.
    @inline(__always)
    public static func DecodeImmShift(_ type: UInt32, _ imm5: UInt32) -> (type: UInt8, amount: UInt8) {
        switch type & 3 {
        case 0: return (ShiftType.lsl.rawValue, UInt8(imm5))
        case 1: return (ShiftType.lsr.rawValue, imm5 == 0 ? 32 : UInt8(imm5))
        case 2: return (ShiftType.asr.rawValue, imm5 == 0 ? 32 : UInt8(imm5))
        default: return imm5 == 0 ? (ShiftType.rrx.rawValue, 1) : (ShiftType.ror.rawValue, UInt8(imm5))
        }
    }

    /// ARMExpandImm_C(imm12, carry_in) (A5.2.4): imm8 rotated right by 2 × rotate. `rotated` tells whether
    /// the carry comes from bit 31 of the result (rotation ≠ 0) or is carry_in.
    @inline(__always)
    public static func ARMExpandImm_C(_ imm12: UInt32) -> (value: UInt32, rotated: Bool) {
        let rot = (imm12 >> 8) * 2, imm8 = imm12 & 0xFF
        if rot == 0 { return (imm8, false) }
        return (imm8 >> rot | imm8 << (32 - rot), true)
    }

    /// ThumbExpandImm_C(imm12, carry_in) (A6.3.2), for the T32 decoder: returns nil for the UNPREDICTABLE
    /// forms (imm8 = 0 with a replicating pattern). `rotated` as in `ARMExpandImm_C`.
    public static func ThumbExpandImm_C(_ imm12: UInt32) -> (value: UInt32, rotated: Bool)? {
        let imm8 = imm12 & 0xFF
        if imm12 >> 10 == 0 {
            switch (imm12 >> 8) & 3 {
            case 0: return (imm8, false)
            case 1: return imm8 == 0 ? nil : (imm8 << 16 | imm8, false)
            case 2: return imm8 == 0 ? nil : (imm8 << 24 | imm8 << 8, false)
            default: return imm8 == 0 ? nil : (imm8 << 24 | imm8 << 16 | imm8 << 8 | imm8, false)
            }
        }
        let unrotated = 0x80 | (imm12 & 0x7F), rot = imm12 >> 7
        return (unrotated >> rot | unrotated << (32 - rot), true)
    }

    /// SignedSatQ(i, N) (A2.2.2): i saturated to an N-bit signed range, and whether it saturated.
    @inline(__always)
    public static func SignedSatQ(_ i: Int64, _ n: Int) -> (result: UInt32, saturated: Bool) {
        let maxV = (Int64(1) << (n - 1)) - 1, minV = -(Int64(1) << (n - 1))
        if i > maxV { return (UInt32(truncatingIfNeeded: maxV), true) }
        if i < minV { return (UInt32(truncatingIfNeeded: minV), true) }
        return (UInt32(truncatingIfNeeded: i), false)
    }

    /// UnsignedSatQ(i, N) (A2.2.2).
    @inline(__always)
    public static func UnsignedSatQ(_ i: Int64, _ n: Int) -> (result: UInt32, saturated: Bool) {
        let maxV = (Int64(1) << n) - 1
        if i > maxV { return (UInt32(truncatingIfNeeded: maxV), true) }
        if i < 0 { return (0, true) }
        return (UInt32(truncatingIfNeeded: i), false)
    }

    /// ConditionPassed for condition `cond` against flags (A8.3.1). 15 (the unconditional space) passes.
    @inline(__always)
    public static func ConditionHolds(_ cond: UInt8, n: Bool, z: Bool, c: Bool, v: Bool) -> Bool {
        let result: Bool
        switch cond >> 1 {
        case 0: result = z
        case 1: result = c
        case 2: result = n
        case 3: result = v
        case 4: result = c && !z
        case 5: result = n == v
        case 6: result = n == v && !z
        default: return true
        }
        return cond & 1 == 1 ? !result : result
    }

    /// For each condition 0…15, a 16-bit mask whose bit `nzcv` (N = 8, Z = 4, C = 2, V = 1) says whether the
    /// condition passes with those flags: the run loop's branch-free form of `ConditionHolds`.
    public static func conditionMasks() -> [UInt16] {
        (0..<16).map { cond -> UInt16 in
            var mask: UInt16 = 0
            for f in 0..<16 where ConditionHolds(UInt8(cond), n: f & 8 != 0, z: f & 4 != 0, c: f & 2 != 0, v: f & 1 != 0) {
                mask |= 1 << UInt16(f)
            }
            return mask
        }
    }

    /// ROR(x, n).
    @inline(__always)
    public static func ROR(_ x: UInt32, _ n: UInt32) -> UInt32 {
        let r = n & 31
        return r == 0 ? x : (x >> r | x << (32 - r))
    }

    /// SignExtend of the low `bits` bits of `x`.
    @inline(__always)
    public static func SignExtend(_ x: UInt32, bits: Int) -> UInt32 {
        let s = UInt32(32 - bits)
        return UInt32(bitPattern: Int32(bitPattern: x << s) >> Int32(s))
    }
}
