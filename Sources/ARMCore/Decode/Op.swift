/// The operation of a `Decoded` instruction, shared by A32 and T32. One case per ARM ARM instruction
/// (the operand form lives in `DecodedFlags`), grouped as the `Execute/` files are.
public enum Op: UInt8, Sendable, CaseIterable {
    /// An empty decode-cache slot (never executed: the run loop decodes first).
    case notDecoded = 0
    /// Undefined instruction: raises the Undefined exception (VFP/NEON encodings land here too).
    case undefined
    /// An encoding the ARM ARM calls UNPREDICTABLE that this core chooses to treat as Undefined.
    case unpredictable

    // Data processing (Execute/DataProcessing.swift)
    case and, eor, sub, rsb, add, adc, sbc, rsc, tst, teq, cmp, cmn, orr, mov, bic, mvn
    /// T32 only.
    case orn
    /// Rd = Align(PC,4) + imm (T32 ADR; A32 ADR decodes as ADD/SUB with Rn = PC).
    case adr
    case movw, movt

    // Multiply (Execute/Multiply.swift)
    case mul, mla, mls, umull, umlal, smull, smlal, umaal
    case smulxy, smlaxy, smulwy, smlawy, smlalxy
    case smuad, smusd, smlad, smlsd, smlald, smlsld
    case smmul, smmla, smmls
    case udiv, sdiv

    // Saturating (Execute/Saturating.swift)
    case qadd, qsub, qdadd, qdsub, ssat, usat, ssat16, usat16

    // Parallel add/subtract and friends (Execute/Parallel.swift)
    case parallel, sel, usad8, usada8

    // Packing, extension, bit field, bit reversal (Execute/PackingExtend.swift)
    case pkhbt, pkhtb
    case sxtb, sxth, sxtb16, uxtb, uxth, uxtb16
    case sxtab, sxtah, sxtab16, uxtab, uxtah, uxtab16
    case bfc, bfi, sbfx, ubfx
    case clz, rbit, rev, rev16, revsh

    // Load/store single (Execute/LoadStore.swift)
    case ldr, ldrb, ldrh, ldrsb, ldrsh, ldrd
    case str, strb, strh, strd
    /// Unprivileged (T) forms: access as if in User mode.
    case ldrt, ldrbt, ldrht, ldrsbt, ldrsht, strt, strbt, strht
    /// SWP/SWPB (deprecated in ARMv7 but present in A32).
    case swp, swpb

    // Load/store multiple (Execute/LoadStoreMultiple.swift)
    case ldm, stm
    /// STM (user registers) and LDM (user registers): the `^` forms without PC in the list.
    case stmUser, ldmUser
    /// LDM (exception return): `^` with PC in the list, CPSR = SPSR.
    case ldmExceptionReturn

    // Exclusive (Execute/Exclusive.swift)
    case ldrex, ldrexb, ldrexh, ldrexd, strex, strexb, strexh, strexd, clrex

    // Branch (Execute/Branch.swift)
    case b, bl, blxImmediate, bx, blxRegister, bxj
    /// T32 only: compare and branch on (non-)zero, table branch byte/halfword, If-Then.
    case cbz, cbnz, tbb, tbh, it

    // Status register (Execute/StatusRegister.swift)
    case mrs, msrImmediate, msrRegister, mrsBanked, msrBanked, cps, srs, rfe, setend

    // System, hints, barriers (Execute/System.swift)
    case svc, hvc, smc, bkpt, udf
    case nop, yield, wfe, wfi, sev, dbg
    case dmb, dsb, isb, pld, pli

    // Coprocessor (Execute/Coprocessor.swift): CP15 and the generic timer; other coprocessors are Undefined.
    case mcr, mrc, mcrr, mrrc

    // Fast forms (Decode/FastForms.swift, Execute/FastForms.swift): never produced by a decode table. After
    // decoding, the run loop rewrites the commonest shapes into these so that executing them needs no flag
    // or operand-form tests. Decoders must not emit them.
    /// Rd = Rn op imm, no S, Rd ≠ PC.
    case fastAddImm, fastSubImm, fastRsbImm, fastAndImm, fastOrrImm, fastEorImm, fastBicImm
    /// Rd = imm / ~imm, no S, Rd ≠ PC.
    case fastMovImm, fastMvnImm
    /// Rd = Rn op Rm (unshifted), no S, Rd ≠ PC.
    case fastAddReg, fastSubReg, fastAndReg, fastOrrReg, fastEorReg, fastBicReg
    /// Rd = Rm (unshifted), no S, Rd ≠ PC.
    case fastMovReg
    /// Rd = Rm shifted by an immediate (LSL/LSR/ASR/ROR, amount 1…32), no S, Rd ≠ PC.
    case fastMovShift
    /// CMP/CMN/TST with an immediate or an unshifted register.
    case fastCmpImm, fastCmpReg, fastCmnImm, fastTstImm, fastTstReg
    /// ADDS/SUBS Rd = Rn ± imm with flags, Rd ≠ PC.
    case fastAddsImm, fastSubsImm
    /// LDR/STR/LDRB/STRB [Rn, #±imm] (offset form, no writeback, Rn ≠ PC, Rt ≠ PC); imm holds the signed offset.
    case fastLdrImm, fastStrImm, fastLdrbImm, fastStrbImm
    /// LDR/STR [Rn, ±Rm] (offset form, unshifted or LSL, no writeback, Rn ≠ PC, Rt ≠ PC); aux = subtract.
    case fastLdrReg, fastStrReg
}
