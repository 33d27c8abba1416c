/// The dispatch: one switch over `Op`, each case calling its class's executor (one file per ARM ARM class
/// in this folder). The hot cases are inlined into the switch; rare ones are calls.
extension CPU {
    @inline(__always)
    func execute(_ d: DecodedRef) throws(Abort) {
        switch d.op {
        case .notDecoded, .undefined, .unpredictable, .udf: undefinedInstruction()

        case .and: logical(d, .and)
        case .eor: logical(d, .eor)
        case .orr: logical(d, .orr)
        case .orn: logical(d, .orn)
        case .bic: logical(d, .bic)
        case .mov: logical(d, .mov)
        case .mvn: logical(d, .mvn)
        case .tst: logical(d, .tst)
        case .teq: logical(d, .teq)
        case .add: arithmetic(d, .add)
        case .adc: arithmetic(d, .adc)
        case .sub: arithmetic(d, .sub)
        case .sbc: arithmetic(d, .sbc)
        case .rsb: arithmetic(d, .rsb)
        case .rsc: arithmetic(d, .rsc)
        case .cmp: arithmetic(d, .cmp)
        case .cmn: arithmetic(d, .cmn)
        case .adr: adr(d)
        case .movw: movw(d)
        case .movt: movt(d)

        case .mul: multiply32(d, .mul)
        case .mla: multiply32(d, .mla)
        case .mls: multiply32(d, .mls)
        case .umull: multiplyLong(d, .umull)
        case .umlal: multiplyLong(d, .umlal)
        case .smull: multiplyLong(d, .smull)
        case .smlal: multiplyLong(d, .smlal)
        case .umaal: multiplyLong(d, .umaal)
        case .smulxy, .smlaxy, .smulwy, .smlawy, .smlalxy: multiplyHalfword(d, d.op)
        case .smuad, .smusd, .smlad, .smlsd, .smlald, .smlsld: multiplyDual(d, d.op)
        case .smmul, .smmla, .smmls: multiplyMostSignificant(d, d.op)
        case .udiv: divide(d, signed: false)
        case .sdiv: divide(d, signed: true)

        case .qadd, .qsub, .qdadd, .qdsub: saturatingAddSub(d, d.op)
        case .ssat, .usat, .ssat16, .usat16: saturate(d, d.op)

        case .parallel: parallel(d)
        case .sel: select(d)
        case .usad8: sumOfAbsoluteDifferences(d, accumulate: false)
        case .usada8: sumOfAbsoluteDifferences(d, accumulate: true)

        case .pkhbt: pack(d, topBottom: false)
        case .pkhtb: pack(d, topBottom: true)
        case .sxtb: extend(d, .sxtb)
        case .sxth: extend(d, .sxth)
        case .uxtb: extend(d, .uxtb)
        case .uxth: extend(d, .uxth)
        case .sxtb16, .uxtb16, .sxtab, .sxtah, .sxtab16, .uxtab, .uxtah, .uxtab16: extend(d, d.op)
        case .bfc, .bfi, .sbfx, .ubfx: bitField(d, d.op)
        case .clz, .rbit, .rev, .rev16, .revsh: bitReverse(d, d.op)

        case .ldr: try load(d, size: 4, signed: false)
        case .ldrb: try load(d, size: 1, signed: false)
        case .ldrh: try load(d, size: 2, signed: false)
        case .ldrsb: try load(d, size: 1, signed: true)
        case .ldrsh: try load(d, size: 2, signed: true)
        case .str: try store(d, size: 4)
        case .strb: try store(d, size: 1)
        case .strh: try store(d, size: 2)
        case .ldrd: try loadDual(d)
        case .strd: try storeDual(d)
        case .ldrt: try load(d, size: 4, signed: false, unprivileged: true)
        case .ldrbt: try load(d, size: 1, signed: false, unprivileged: true)
        case .ldrht: try load(d, size: 2, signed: false, unprivileged: true)
        case .ldrsbt: try load(d, size: 1, signed: true, unprivileged: true)
        case .ldrsht: try load(d, size: 2, signed: true, unprivileged: true)
        case .strt: try store(d, size: 4, unprivileged: true)
        case .strbt: try store(d, size: 1, unprivileged: true)
        case .strht: try store(d, size: 2, unprivileged: true)
        case .swp: try swap(d, byte: false)
        case .swpb: try swap(d, byte: true)

        case .ldm: try loadMultiple(d)
        case .stm: try storeMultiple(d)
        case .ldmUser: try loadMultiple(d, userBank: true)
        case .stmUser: try storeMultiple(d, userBank: true)
        case .ldmExceptionReturn: try loadMultiple(d, exceptionReturn: true)

        case .ldrex: try loadExclusive(d, size: 4)
        case .ldrexb: try loadExclusive(d, size: 1)
        case .ldrexh: try loadExclusive(d, size: 2)
        case .ldrexd: try loadExclusive(d, size: 8)
        case .strex: try storeExclusive(d, size: 4)
        case .strexb: try storeExclusive(d, size: 1)
        case .strexh: try storeExclusive(d, size: 2)
        case .strexd: try storeExclusive(d, size: 8)
        case .clrex: clearExclusive()

        case .b: b(d)
        case .bl: bl(d)
        case .blxImmediate: blxImmediate(d)
        case .bx, .bxj: bx(d) // BXJ: no Jazelle, so it is BX (ARM ARM A8.8.28)
        case .blxRegister: blxRegister(d)
        case .cbz: compareAndBranch(d, nonZero: false)
        case .cbnz: compareAndBranch(d, nonZero: true)
        case .tbb: try tableBranch(d, halfword: false)
        case .tbh: try tableBranch(d, halfword: true)
        case .it: it(d)

        case .mrs: mrs(d)
        case .msrImmediate: msr(d, value: d.imm)
        case .msrRegister: msr(d, value: r[Int(d.rm)])
        case .mrsBanked: bankedRegister(d, write: false)
        case .msrBanked: bankedRegister(d, write: true)
        case .cps: cps(d)
        case .srs: try srs(d)
        case .rfe: try rfe(d)
        case .setend: setend(d)

        case .svc: supervisorCall(d)
        case .hvc: hypervisorCall(d)
        case .smc: secureMonitorCall(d)
        case .bkpt: breakpoint(d)
        case .wfi: wait(event: false)
        case .wfe: wait(event: true)
        case .nop, .yield, .sev, .dbg, .dmb, .dsb, .isb, .pld, .pli: break

        case .mcr, .mrc, .mcrr, .mrrc: coprocessorTransfer(d, d.op)

        case .fastAddImm, .fastSubImm, .fastRsbImm, .fastAndImm, .fastOrrImm, .fastEorImm, .fastBicImm,
             .fastMovImm, .fastMvnImm, .fastAddReg, .fastSubReg, .fastAndReg, .fastOrrReg, .fastEorReg, .fastBicReg,
             .fastMovReg, .fastMovShift, .fastCmpImm, .fastCmpReg, .fastCmnImm, .fastTstImm, .fastTstReg,
             .fastAddsImm, .fastSubsImm, .fastLdrImm, .fastStrImm, .fastLdrbImm, .fastStrbImm,
             .fastLdrReg, .fastStrReg:
            try executeFast(d)
        }
    }
}
