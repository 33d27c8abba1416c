/// The A32 decode table (ARM DDI 0406C, chapter A5), one row per encoding under the ARM ARM's headings.
/// See `DecoderTable.swift` for the pattern language. Anything no row matches is Undefined (that covers the
/// VFP/Advanced SIMD spaces and coprocessors other than CP15's register transfers).
public enum ArmTable {
    public static let rows: [DecoderRow] = [dataProcessing, miscellaneous, multiplies, extraLoadStore,
        synchronization, loadStoreWordByte, media, branchAndBlock, coprocessor, unconditional].flatMap { $0 }

    public static let compiled = CompiledDecoderTable(rows: rows, bucketBits: [25, 26, 27, 4, 7, 28, 29])

    /// Decodes one A32 instruction word. Never traps.
    public static func decode(_ word: UInt32) -> Decoded {
        guard let row = compiled.match(word) else { return .undefined(cond: condition(word)) }
        return row.decode(word)
    }

    @inline(__always)
    static func condition(_ w: UInt32) -> UInt8 {
        let c = UInt8(w >> 28)
        return c == 15 ? 14 : c
    }

    private static func row(_ heading: String, _ name: String, _ pattern: String,
                            _ decode: @escaping @Sendable (UInt32) -> Decoded) -> DecoderRow {
        DecoderRow(heading: heading, name: name, pattern: pattern, decode: decode)
    }

    // MARK: - A5.2.1–A5.2.3 Data-processing (register, register-shifted register, immediate)

    /// (name, opcode bits 24:21, op, compare-only).
    static let dataProcessingOps: [(String, String, Op, Bool)] = [
        ("AND", "0000", .and, false), ("EOR", "0001", .eor, false), ("SUB", "0010", .sub, false),
        ("RSB", "0011", .rsb, false), ("ADD", "0100", .add, false), ("ADC", "0101", .adc, false),
        ("SBC", "0110", .sbc, false), ("RSC", "0111", .rsc, false), ("TST", "1000", .tst, true),
        ("TEQ", "1001", .teq, true), ("CMP", "1010", .cmp, true), ("CMN", "1011", .cmn, true),
        ("ORR", "1100", .orr, false), ("MOV", "1101", .mov, false), ("BIC", "1110", .bic, false),
        ("MVN", "1111", .mvn, false),
    ]

    private static let dataProcessing0: [DecoderRow] = dataProcessingOps.flatMap { (name, opcode, op, compare) -> [DecoderRow] in
        let s = compare ? "1" : "s"
        let noRn = op == .mov || op == .mvn
        @Sendable func base(_ w: UInt32) -> Decoded {
            var d = Decoded(op: op, cond: condition(w), rd: compare ? 0 : reg(w, 12), rn: noRn ? 0 : reg(w, 16))
            if bit(w, 20) && !compare { d.flags.insert(.setFlags) }
            return d
        }
        return [
            row("A5.2.1 Data-processing (register)", "\(name) (register)", "cccc000\(opcode)\(s)nnnnddddiiiiitt0mmmm") { w in
                var d = base(w)
                d.rm = reg(w, 0)
                (d.shiftType, d.shiftAmount) = ARMPseudocode.DecodeImmShift(bits(w, 6, 5), bits(w, 11, 7))
                return d
            },
            row("A5.2.2 Data-processing (register-shifted register)", "\(name) (register-shifted register)",
                "cccc000\(opcode)\(s)nnnnddddssss0tt1mmmm") { w in
                var d = base(w)
                d.rm = reg(w, 0); d.ra = reg(w, 8); d.shiftType = UInt8(bits(w, 6, 5))
                d.flags.insert(.registerShift)
                return d
            },
            row("A5.2.3 Data-processing (immediate)", "\(name) (immediate)", "cccc001\(opcode)\(s)nnnnddddiiiiiiiiiiii") { w in
                var d = base(w)
                let (value, rotated) = ARMPseudocode.ARMExpandImm_C(bits(w, 11, 0))
                d.imm = value
                d.flags.insert(.immediate)
                if rotated { d.flags.insert(.immediateCarry) }
                return d
            },
        ]
    }

    private static let dataProcessing1: [DecoderRow] = [
        row("A5.2.3 Data-processing (immediate)", "MOVW", "cccc00110000iiiiddddiiiiiiiiiiii") { w in
            Decoded(op: .movw, cond: condition(w), rd: reg(w, 12), imm: bits(w, 19, 16) << 12 | bits(w, 11, 0))
        },
        row("A5.2.3 Data-processing (immediate)", "MOVT", "cccc00110100iiiiddddiiiiiiiiiiii") { w in
            Decoded(op: .movt, cond: condition(w), rd: reg(w, 12), imm: bits(w, 19, 16) << 12 | bits(w, 11, 0))
        },
    ]

    static let dataProcessing: [DecoderRow] = [dataProcessing0, dataProcessing1].flatMap { $0 }

    // MARK: - A5.2.12 Miscellaneous instructions, A5.2.6 saturating, A5.2.7 halfword multiply, A5.2.11 hints

    private static let miscellaneous0: [DecoderRow] = [
        row("A5.2.12 Miscellaneous", "MRS", "cccc00010r00----dddd--0-0000----") { w in
            Decoded(op: .mrs, cond: condition(w), rd: reg(w, 12), aux: bit(w, 22) ? 1 : 0)
        },
        row("A5.2.12 Miscellaneous", "MRS (banked register)", "cccc00010r00mmmmdddd--1m0000----") { w in
            Decoded(op: .mrsBanked, cond: condition(w), rd: reg(w, 12),
                    aux: UInt8(bits(w, 19, 16) | bits(w, 8, 8) << 4) | (bit(w, 22) ? 0x20 : 0))
        },
        row("A5.2.12 Miscellaneous", "MSR (register)", "cccc00010r10mmmm------0-0000nnnn") { w in
            Decoded(op: .msrRegister, cond: condition(w), rm: reg(w, 0),
                    aux: UInt8(bits(w, 19, 16)) << 4 | (bit(w, 22) ? 1 : 0))
        },
        row("A5.2.12 Miscellaneous", "MSR (banked register)", "cccc00010r10mmmm------1m0000nnnn") { w in
            Decoded(op: .msrBanked, cond: condition(w), rm: reg(w, 0),
                    aux: UInt8(bits(w, 19, 16) | bits(w, 8, 8) << 4) | (bit(w, 22) ? 0x20 : 0))
        },
        row("A5.2.12 Miscellaneous", "BX", "cccc00010010------------0001mmmm") { w in
            Decoded(op: .bx, cond: condition(w), rm: reg(w, 0))
        },
        row("A5.2.12 Miscellaneous", "BXJ", "cccc00010010------------0010mmmm") { w in
            Decoded(op: .bxj, cond: condition(w), rm: reg(w, 0))
        },
        row("A5.2.12 Miscellaneous", "BLX (register)", "cccc00010010------------0011mmmm") { w in
            Decoded(op: .blxRegister, cond: condition(w), rm: reg(w, 0))
        },
        row("A5.2.12 Miscellaneous", "CLZ", "cccc00010110----dddd----0001mmmm") { w in
            Decoded(op: .clz, cond: condition(w), rd: reg(w, 12), rm: reg(w, 0))
        },
        row("A5.2.12 Miscellaneous", "BKPT", "cccc00010010iiiiiiiiiiii0111iiii") { w in
            Decoded(op: .bkpt, cond: 14, imm: bits(w, 19, 8) << 4 | bits(w, 3, 0))
        },
        row("A5.2.12 Miscellaneous", "HVC", "cccc00010100iiiiiiiiiiii0111iiii") { w in
            Decoded(op: .hvc, cond: 14, imm: bits(w, 19, 8) << 4 | bits(w, 3, 0))
        },
        row("A5.2.12 Miscellaneous", "SMC", "cccc00010110------------0111iiii") { w in
            Decoded(op: .smc, cond: condition(w), imm: bits(w, 3, 0))
        },
    ]

    private static let miscellaneous1: [DecoderRow] = [("QADD", "00", Op.qadd), ("QSUB", "01", .qsub), ("QDADD", "10", .qdadd), ("QDSUB", "11", .qdsub)].map { name, o, op in
        row("A5.2.6 Saturating addition and subtraction", name, "cccc00010\(o)0nnnndddd----0101mmmm") { w in
            Decoded(op: op, cond: condition(w), rd: reg(w, 12), rn: reg(w, 16), rm: reg(w, 0))
        }
    }

    private static let miscellaneous2: [DecoderRow] = [
        row("A5.2.7 Halfword multiply and multiply accumulate", "SMLA<x><y>", "cccc00010000ddddaaaammmm1yx0nnnn") { w in
            Decoded(op: .smlaxy, cond: condition(w), rd: reg(w, 16), rn: reg(w, 0), rm: reg(w, 8), ra: reg(w, 12),
                    aux: UInt8(bits(w, 6, 5)))
        },
        row("A5.2.7 Halfword multiply and multiply accumulate", "SMLAW<y>", "cccc00010010ddddaaaammmm1y00nnnn") { w in
            Decoded(op: .smlawy, cond: condition(w), rd: reg(w, 16), rn: reg(w, 0), rm: reg(w, 8), ra: reg(w, 12),
                    aux: bit(w, 6) ? 2 : 0)
        },
        row("A5.2.7 Halfword multiply and multiply accumulate", "SMULW<y>", "cccc00010010dddd----mmmm1y10nnnn") { w in
            Decoded(op: .smulwy, cond: condition(w), rd: reg(w, 16), rn: reg(w, 0), rm: reg(w, 8), aux: bit(w, 6) ? 2 : 0)
        },
        row("A5.2.7 Halfword multiply and multiply accumulate", "SMLAL<x><y>", "cccc00010100hhhhllllmmmm1yx0nnnn") { w in
            Decoded(op: .smlalxy, cond: condition(w), rd: reg(w, 12), rn: reg(w, 0), rm: reg(w, 8), ra: reg(w, 16),
                    aux: UInt8(bits(w, 6, 5)))
        },
        row("A5.2.7 Halfword multiply and multiply accumulate", "SMUL<x><y>", "cccc00010110dddd----mmmm1yx0nnnn") { w in
            Decoded(op: .smulxy, cond: condition(w), rd: reg(w, 16), rn: reg(w, 0), rm: reg(w, 8), aux: UInt8(bits(w, 6, 5)))
        },
    ]

    private static let miscellaneous3: [DecoderRow] = [("NOP", "00000000", Op.nop), ("YIELD", "00000001", .yield), ("WFE", "00000010", .wfe),
         ("WFI", "00000011", .wfi), ("SEV", "00000100", .sev)].map { name, o, op in
        row("A5.2.11 MSR (immediate), and hints", name, "cccc001100100000--------\(o)") { w in
            Decoded(op: op, cond: condition(w))
        }
    }

    private static let miscellaneous4: [DecoderRow] = [
        row("A5.2.11 MSR (immediate), and hints", "DBG", "cccc001100100000--------1111oooo") { w in
            Decoded(op: .dbg, cond: condition(w))
        },
        row("A5.2.11 MSR (immediate), and hints", "MSR (immediate)", "cccc00110r10mmmm----iiiiiiiiiiii") { w in
            Decoded(op: .msrImmediate, cond: condition(w), aux: UInt8(bits(w, 19, 16)) << 4 | (bit(w, 22) ? 1 : 0),
                    imm: ARMPseudocode.ARMExpandImm_C(bits(w, 11, 0)).value)
        },
    ]

    static let miscellaneous: [DecoderRow] = [miscellaneous0, miscellaneous1, miscellaneous2, miscellaneous3, miscellaneous4].flatMap { $0 }

    // MARK: - A5.2.5 Multiply and multiply accumulate

    private static let multiplies0: [DecoderRow] = [
        row("A5.2.5 Multiply and multiply accumulate", "MUL", "cccc0000000sdddd----mmmm1001nnnn") { w in
            Decoded(op: .mul, cond: condition(w), flags: bit(w, 20) ? .setFlags : [], rd: reg(w, 16), rn: reg(w, 0), rm: reg(w, 8))
        },
        row("A5.2.5 Multiply and multiply accumulate", "MLA", "cccc0000001sddddaaaammmm1001nnnn") { w in
            Decoded(op: .mla, cond: condition(w), flags: bit(w, 20) ? .setFlags : [], rd: reg(w, 16), rn: reg(w, 0),
                    rm: reg(w, 8), ra: reg(w, 12))
        },
        row("A5.2.5 Multiply and multiply accumulate", "UMAAL", "cccc00000100hhhhllllmmmm1001nnnn") { w in
            Decoded(op: .umaal, cond: condition(w), rd: reg(w, 12), rn: reg(w, 0), rm: reg(w, 8), ra: reg(w, 16))
        },
        row("A5.2.5 Multiply and multiply accumulate", "MLS", "cccc00000110ddddaaaammmm1001nnnn") { w in
            Decoded(op: .mls, cond: condition(w), rd: reg(w, 16), rn: reg(w, 0), rm: reg(w, 8), ra: reg(w, 12))
        },
    ]

    private static let multiplies1: [DecoderRow] = [("UMULL", "100", Op.umull), ("UMLAL", "101", .umlal), ("SMULL", "110", .smull), ("SMLAL", "111", .smlal)].map { name, o, op in
        row("A5.2.5 Multiply and multiply accumulate", name, "cccc0000\(o)shhhhllllmmmm1001nnnn") { w in
            Decoded(op: op, cond: condition(w), flags: bit(w, 20) ? .setFlags : [], rd: reg(w, 12), rn: reg(w, 0),
                    rm: reg(w, 8), ra: reg(w, 16))
        }
    }

    static let multiplies: [DecoderRow] = [multiplies0, multiplies1].flatMap { $0 }

    // MARK: - A5.2.8 Extra load/store instructions (and their unprivileged forms, A5.2.9)

    /// Flags from P, U, W (bits 24, 23, 21): post-indexed forms always write back.
    @inline(__always)
    static func indexing(_ w: UInt32) -> DecodedFlags {
        var f: DecodedFlags = []
        if bit(w, 24) { f.insert(.index) }
        if bit(w, 23) { f.insert(.add) }
        if !bit(w, 24) || bit(w, 21) { f.insert(.writeBack) }
        return f
    }

    private static let extraLoadStore0: [DecoderRow] = [
        ("STRH", "0", "1011", Op.strh), ("LDRH", "1", "1011", .ldrh), ("LDRD", "0", "1101", .ldrd),
        ("LDRSB", "1", "1101", .ldrsb), ("STRD", "0", "1111", .strd), ("LDRSH", "1", "1111", .ldrsh),
    ].flatMap { name, l, op2, op -> [DecoderRow] in
        @Sendable func make(_ w: UInt32, immediate: Bool) -> Decoded {
            var d = Decoded(op: op, cond: condition(w), flags: indexing(w), rd: reg(w, 12), rn: reg(w, 16))
            if immediate {
                d.flags.insert(.immediate); d.imm = bits(w, 11, 8) << 4 | bits(w, 3, 0)
            } else {
                d.rm = reg(w, 0)
            }
            if op == .ldrd || op == .strd {
                // Rt must be even and not R14 (Rt2 = Rt + 1), and there is no unprivileged (P = 0, W = 1)
                // doubleword form: otherwise UNPREDICTABLE, treated as Undefined.
                if d.rd & 1 != 0 || d.rd == 14 || (!bit(w, 24) && bit(w, 21)) { return .undefined(cond: d.cond) }
                d.ra = d.rd + 1
            }
            return d
        }
        return [
            row("A5.2.8 Extra load/store", "\(name) (register)", "cccc000pu0w\(l)nnnntttt----\(op2)mmmm") { make($0, immediate: false) },
            row("A5.2.8 Extra load/store", "\(name) (immediate)", "cccc000pu1w\(l)nnnnttttiiii\(op2)iiii") { make($0, immediate: true) },
        ]
    }

    private static let extraLoadStore1: [DecoderRow] = [("STRHT", "0", "1011", Op.strht), ("LDRHT", "1", "1011", .ldrht), ("LDRSBT", "1", "1101", .ldrsbt),
         ("LDRSHT", "1", "1111", .ldrsht)].flatMap { name, l, op2, op -> [DecoderRow] in
        [
            row("A5.2.9 Extra load/store, unprivileged", "\(name) (register)", "cccc0000u01\(l)nnnntttt----\(op2)mmmm") { w in
                Decoded(op: op, cond: condition(w), flags: indexing(w), rd: reg(w, 12), rn: reg(w, 16), rm: reg(w, 0))
            },
            row("A5.2.9 Extra load/store, unprivileged", "\(name) (immediate)", "cccc0000u11\(l)nnnnttttiiii\(op2)iiii") { w in
                Decoded(op: op, cond: condition(w), flags: indexing(w).union(.immediate), rd: reg(w, 12), rn: reg(w, 16),
                        imm: bits(w, 11, 8) << 4 | bits(w, 3, 0))
            },
        ]
    }

    static let extraLoadStore: [DecoderRow] = [extraLoadStore0, extraLoadStore1].flatMap { $0 }

    // MARK: - A5.2.10 Synchronization primitives

    private static let synchronization0: [DecoderRow] = [
        row("A5.2.10 Synchronization primitives", "SWP", "cccc00010000nnnntttt----1001uuuu") { w in
            Decoded(op: .swp, cond: condition(w), rd: reg(w, 12), rn: reg(w, 16), rm: reg(w, 0))
        },
        row("A5.2.10 Synchronization primitives", "SWPB", "cccc00010100nnnntttt----1001uuuu") { w in
            Decoded(op: .swpb, cond: condition(w), rd: reg(w, 12), rn: reg(w, 16), rm: reg(w, 0))
        },
    ]

    private static let synchronization1: [DecoderRow] = [("STREX", "00", Op.strex), ("STREXD", "01", .strexd), ("STREXB", "10", .strexb), ("STREXH", "11", .strexh)].map { name, o, op in
        row("A5.2.10 Synchronization primitives", name, "cccc00011\(o)0nnnndddd----1001tttt") { w in
            let t = reg(w, 0)
            if op == .strexd && (t & 1 != 0 || t == 14) { return .undefined(cond: condition(w)) }
            return Decoded(op: op, cond: condition(w), rd: reg(w, 12), rn: reg(w, 16), rm: t, ra: op == .strexd ? t + 1 : 0)
        }
    }

    private static let synchronization2: [DecoderRow] = [("LDREX", "00", Op.ldrex), ("LDREXD", "01", .ldrexd), ("LDREXB", "10", .ldrexb), ("LDREXH", "11", .ldrexh)].map { name, o, op in
        row("A5.2.10 Synchronization primitives", name, "cccc00011\(o)1nnnntttt----1001----") { w in
            let t = reg(w, 12)
            if op == .ldrexd && (t & 1 != 0 || t == 14) { return .undefined(cond: condition(w)) }
            return Decoded(op: op, cond: condition(w), rd: t, rn: reg(w, 16), ra: op == .ldrexd ? t + 1 : 0)
        }
    }

    static let synchronization: [DecoderRow] = [synchronization0, synchronization1, synchronization2].flatMap { $0 }

    // MARK: - A5.3 Load/store word and unsigned byte

    private static let loadStoreWordByte0: [DecoderRow] = [
        ("STR", "0", "0", Op.str), ("LDR", "0", "1", .ldr), ("STRB", "1", "0", .strb), ("LDRB", "1", "1", .ldrb),
    ].flatMap { name, b, l, op -> [DecoderRow] in
        [
            row("A5.3 Load/store word and unsigned byte", "\(name) (immediate)", "cccc010pu\(b)w\(l)nnnnttttiiiiiiiiiiii") { w in
                Decoded(op: op, cond: condition(w), flags: indexing(w).union(.immediate), rd: reg(w, 12), rn: reg(w, 16),
                        imm: bits(w, 11, 0))
            },
            row("A5.3 Load/store word and unsigned byte", "\(name) (register)", "cccc011pu\(b)w\(l)nnnnttttiiiiitt0mmmm") { w in
                var d = Decoded(op: op, cond: condition(w), flags: indexing(w), rd: reg(w, 12), rn: reg(w, 16), rm: reg(w, 0))
                (d.shiftType, d.shiftAmount) = ARMPseudocode.DecodeImmShift(bits(w, 6, 5), bits(w, 11, 7))
                return d
            },
        ]
    }

    private static let loadStoreWordByte1: [DecoderRow] = [
        ("STRT", "0", "0", Op.strt), ("LDRT", "0", "1", .ldrt), ("STRBT", "1", "0", .strbt), ("LDRBT", "1", "1", .ldrbt),
    ].flatMap { name, b, l, op -> [DecoderRow] in
        [
            row("A5.3 Load/store word and unsigned byte", "\(name) (immediate)", "cccc0100u\(b)1\(l)nnnnttttiiiiiiiiiiii") { w in
                Decoded(op: op, cond: condition(w), flags: indexing(w).union(.immediate), rd: reg(w, 12), rn: reg(w, 16),
                        imm: bits(w, 11, 0))
            },
            row("A5.3 Load/store word and unsigned byte", "\(name) (register)", "cccc0110u\(b)1\(l)nnnnttttiiiiitt0mmmm") { w in
                var d = Decoded(op: op, cond: condition(w), flags: indexing(w), rd: reg(w, 12), rn: reg(w, 16), rm: reg(w, 0))
                (d.shiftType, d.shiftAmount) = ARMPseudocode.DecodeImmShift(bits(w, 6, 5), bits(w, 11, 7))
                return d
            },
        ]
    }

    static let loadStoreWordByte: [DecoderRow] = [loadStoreWordByte0, loadStoreWordByte1].flatMap { $0 }

    // MARK: - A5.4 Media instructions

    static let parallelPrefixes: [(String, String, UInt8)] = [
        ("S", "001", ParallelOp.signed), ("Q", "010", ParallelOp.signedSaturating), ("SH", "011", ParallelOp.signedHalving),
        ("U", "101", ParallelOp.unsigned), ("UQ", "110", ParallelOp.unsignedSaturating), ("UH", "111", ParallelOp.unsignedHalving),
    ]
    static let parallelOperations: [(String, String, UInt8)] = [
        ("ADD16", "000", ParallelOp.add16), ("ASX", "001", ParallelOp.asx), ("SAX", "010", ParallelOp.sax),
        ("SUB16", "011", ParallelOp.sub16), ("ADD8", "100", ParallelOp.add8), ("SUB8", "111", ParallelOp.sub8),
    ]

    private static let media0: [DecoderRow] = parallelPrefixes.flatMap { prefix in
        parallelOperations.map { operation in
            row("A5.4.1 Parallel addition and subtraction", prefix.0 + operation.0,
                "cccc01100\(prefix.1)nnnndddd----\(operation.1)1mmmm") { w in
                Decoded(op: .parallel, cond: condition(w), rd: reg(w, 12), rn: reg(w, 16), rm: reg(w, 0),
                        aux: ParallelOp.aux(prefix: prefix.2, operation: operation.2))
            }
        }
    }

    private static let media1: [DecoderRow] = [
        row("A5.4.3 Packing, unpacking, saturation, reversal", "PKH", "cccc01101000nnnnddddiiiiit01mmmm") { w in
            let tb = bit(w, 6)
            let (t, a) = ARMPseudocode.DecodeImmShift(tb ? 2 : 0, bits(w, 11, 7))
            return Decoded(op: tb ? .pkhtb : .pkhbt, cond: condition(w), rd: reg(w, 12), rn: reg(w, 16), rm: reg(w, 0),
                           shiftType: t, shiftAmount: a)
        },
        row("A5.4.3 Packing, unpacking, saturation, reversal", "SEL", "cccc01101000nnnndddd----1011mmmm") { w in
            Decoded(op: .sel, cond: condition(w), rd: reg(w, 12), rn: reg(w, 16), rm: reg(w, 0))
        },
        row("A5.4.3 Packing, unpacking, saturation, reversal", "SSAT", "cccc0110101iiiiiddddiiiiis01nnnn") { w in
            let (t, a) = ARMPseudocode.DecodeImmShift(bit(w, 6) ? 2 : 0, bits(w, 11, 7))
            return Decoded(op: .ssat, cond: condition(w), rd: reg(w, 12), rn: reg(w, 0), shiftType: t, shiftAmount: a,
                           imm: bits(w, 20, 16) + 1)
        },
        row("A5.4.3 Packing, unpacking, saturation, reversal", "USAT", "cccc0110111iiiiiddddiiiiis01nnnn") { w in
            let (t, a) = ARMPseudocode.DecodeImmShift(bit(w, 6) ? 2 : 0, bits(w, 11, 7))
            return Decoded(op: .usat, cond: condition(w), rd: reg(w, 12), rn: reg(w, 0), shiftType: t, shiftAmount: a,
                           imm: bits(w, 20, 16))
        },
        row("A5.4.3 Packing, unpacking, saturation, reversal", "SSAT16", "cccc01101010iiiidddd----0011nnnn") { w in
            Decoded(op: .ssat16, cond: condition(w), rd: reg(w, 12), rn: reg(w, 0), imm: bits(w, 19, 16) + 1)
        },
        row("A5.4.3 Packing, unpacking, saturation, reversal", "USAT16", "cccc01101110iiiidddd----0011nnnn") { w in
            Decoded(op: .usat16, cond: condition(w), rd: reg(w, 12), rn: reg(w, 0), imm: bits(w, 19, 16))
        },
        row("A5.4.3 Packing, unpacking, saturation, reversal", "REV", "cccc01101011----dddd----0011mmmm") { w in
            Decoded(op: .rev, cond: condition(w), rd: reg(w, 12), rm: reg(w, 0))
        },
        row("A5.4.3 Packing, unpacking, saturation, reversal", "REV16", "cccc01101011----dddd----1011mmmm") { w in
            Decoded(op: .rev16, cond: condition(w), rd: reg(w, 12), rm: reg(w, 0))
        },
        row("A5.4.3 Packing, unpacking, saturation, reversal", "RBIT", "cccc01101111----dddd----0011mmmm") { w in
            Decoded(op: .rbit, cond: condition(w), rd: reg(w, 12), rm: reg(w, 0))
        },
        row("A5.4.3 Packing, unpacking, saturation, reversal", "REVSH", "cccc01101111----dddd----1011mmmm") { w in
            Decoded(op: .revsh, cond: condition(w), rd: reg(w, 12), rm: reg(w, 0))
        },
    ]

    private static let media2: [DecoderRow] = [("SXTAB16", "SXTB16", "000", Op.sxtab16, Op.sxtb16), ("SXTAB", "SXTB", "010", .sxtab, .sxtb),
         ("SXTAH", "SXTH", "011", .sxtah, .sxth), ("UXTAB16", "UXTB16", "100", .uxtab16, .uxtb16),
         ("UXTAB", "UXTB", "110", .uxtab, .uxtb), ("UXTAH", "UXTH", "111", .uxtah, .uxth),
    ].flatMap { name, plainName, o, withAdd, plain -> [DecoderRow] in
        @Sendable func make(_ w: UInt32, _ op: Op) -> Decoded {
            Decoded(op: op, cond: condition(w), rd: reg(w, 12), rn: reg(w, 16), rm: reg(w, 0), shiftAmount: UInt8(bits(w, 11, 10) * 8))
        }
        return [
            row("A5.4.3 Packing, unpacking, saturation, reversal", name, "cccc01101\(o)nnnnddddrr--0111mmmm") { make($0, withAdd) },
            row("A5.4.3 Packing, unpacking, saturation, reversal", plainName,
                "cccc01101\(o)1111ddddrr--0111mmmm") { make($0, plain) },
        ]
    }

    private static let media3: [DecoderRow] = [
        row("A5.4.4 Signed multiply, signed and unsigned divide", "SMLAD", "cccc01110000ddddaaaammmm00m1nnnn") { w in
            Decoded(op: .smlad, cond: condition(w), rd: reg(w, 16), rn: reg(w, 0), rm: reg(w, 8), ra: reg(w, 12), aux: bit(w, 5) ? 1 : 0)
        },
        row("A5.4.4 Signed multiply, signed and unsigned divide", "SMUAD", "cccc01110000dddd1111mmmm00m1nnnn") { w in
            Decoded(op: .smuad, cond: condition(w), rd: reg(w, 16), rn: reg(w, 0), rm: reg(w, 8), aux: bit(w, 5) ? 1 : 0)
        },
        row("A5.4.4 Signed multiply, signed and unsigned divide", "SMLSD", "cccc01110000ddddaaaammmm01m1nnnn") { w in
            Decoded(op: .smlsd, cond: condition(w), rd: reg(w, 16), rn: reg(w, 0), rm: reg(w, 8), ra: reg(w, 12), aux: bit(w, 5) ? 1 : 0)
        },
        row("A5.4.4 Signed multiply, signed and unsigned divide", "SMUSD", "cccc01110000dddd1111mmmm01m1nnnn") { w in
            Decoded(op: .smusd, cond: condition(w), rd: reg(w, 16), rn: reg(w, 0), rm: reg(w, 8), aux: bit(w, 5) ? 1 : 0)
        },
        row("A5.4.4 Signed multiply, signed and unsigned divide", "SDIV", "cccc01110001dddd----mmmm0001nnnn") { w in
            Decoded(op: .sdiv, cond: condition(w), rd: reg(w, 16), rn: reg(w, 0), rm: reg(w, 8))
        },
        row("A5.4.4 Signed multiply, signed and unsigned divide", "UDIV", "cccc01110011dddd----mmmm0001nnnn") { w in
            Decoded(op: .udiv, cond: condition(w), rd: reg(w, 16), rn: reg(w, 0), rm: reg(w, 8))
        },
        row("A5.4.4 Signed multiply, signed and unsigned divide", "SMLALD", "cccc01110100hhhhllllmmmm00m1nnnn") { w in
            Decoded(op: .smlald, cond: condition(w), rd: reg(w, 12), rn: reg(w, 0), rm: reg(w, 8), ra: reg(w, 16), aux: bit(w, 5) ? 1 : 0)
        },
        row("A5.4.4 Signed multiply, signed and unsigned divide", "SMLSLD", "cccc01110100hhhhllllmmmm01m1nnnn") { w in
            Decoded(op: .smlsld, cond: condition(w), rd: reg(w, 12), rn: reg(w, 0), rm: reg(w, 8), ra: reg(w, 16), aux: bit(w, 5) ? 1 : 0)
        },
        row("A5.4.4 Signed multiply, signed and unsigned divide", "SMMLA", "cccc01110101ddddaaaammmm00r1nnnn") { w in
            Decoded(op: .smmla, cond: condition(w), rd: reg(w, 16), rn: reg(w, 0), rm: reg(w, 8), ra: reg(w, 12), aux: bit(w, 5) ? 1 : 0)
        },
        row("A5.4.4 Signed multiply, signed and unsigned divide", "SMMUL", "cccc01110101dddd1111mmmm00r1nnnn") { w in
            Decoded(op: .smmul, cond: condition(w), rd: reg(w, 16), rn: reg(w, 0), rm: reg(w, 8), aux: bit(w, 5) ? 1 : 0)
        },
        row("A5.4.4 Signed multiply, signed and unsigned divide", "SMMLS", "cccc01110101ddddaaaammmm11r1nnnn") { w in
            Decoded(op: .smmls, cond: condition(w), rd: reg(w, 16), rn: reg(w, 0), rm: reg(w, 8), ra: reg(w, 12), aux: bit(w, 5) ? 1 : 0)
        },
        row("A5.4 Media instructions", "USADA8", "cccc01111000ddddaaaammmm0001nnnn") { w in
            Decoded(op: .usada8, cond: condition(w), rd: reg(w, 16), rn: reg(w, 0), rm: reg(w, 8), ra: reg(w, 12))
        },
        row("A5.4 Media instructions", "USAD8", "cccc01111000dddd1111mmmm0001nnnn") { w in
            Decoded(op: .usad8, cond: condition(w), rd: reg(w, 16), rn: reg(w, 0), rm: reg(w, 8))
        },
        row("A5.4 Media instructions", "SBFX", "cccc0111101wwwwwddddlllll101nnnn") { w in
            Decoded(op: .sbfx, cond: condition(w), rd: reg(w, 12), rn: reg(w, 0), shiftAmount: UInt8(bits(w, 11, 7)),
                    aux: UInt8(bits(w, 20, 16) + 1))
        },
        row("A5.4 Media instructions", "UBFX", "cccc0111111wwwwwddddlllll101nnnn") { w in
            Decoded(op: .ubfx, cond: condition(w), rd: reg(w, 12), rn: reg(w, 0), shiftAmount: UInt8(bits(w, 11, 7)),
                    aux: UInt8(bits(w, 20, 16) + 1))
        },
        row("A5.4 Media instructions", "BFC", "cccc0111110mmmmmddddlllll0011111") { w in
            let lsb = bits(w, 11, 7), msb = bits(w, 20, 16)
            return Decoded(op: .bfc, cond: condition(w), rd: reg(w, 12), shiftAmount: UInt8(lsb),
                           aux: msb >= lsb ? UInt8(msb - lsb + 1) : 0)
        },
        row("A5.4 Media instructions", "BFI", "cccc0111110mmmmmddddlllll001nnnn") { w in
            let lsb = bits(w, 11, 7), msb = bits(w, 20, 16)
            return Decoded(op: .bfi, cond: condition(w), rd: reg(w, 12), rn: reg(w, 0), shiftAmount: UInt8(lsb),
                           aux: msb >= lsb ? UInt8(msb - lsb + 1) : 0)
        },
        row("A5.4 Media instructions", "UDF", "111001111111iiiiiiiiiiii1111iiii") { w in
            Decoded(op: .udf, cond: 14, imm: bits(w, 19, 8) << 4 | bits(w, 3, 0))
        },
    ]

    static let media: [DecoderRow] = [media0, media1, media2, media3].flatMap { $0 }

    // MARK: - A5.5 Branch, branch with link, and block data transfer

    static let branchAndBlock: [DecoderRow] = [
        row("A5.5 Branch, branch with link, block data transfer", "STM", "cccc100pu0w0nnnnrrrrrrrrrrrrrrrr") { w in
            Decoded(op: .stm, cond: condition(w), flags: multipleFlags(w), rn: reg(w, 16), imm: bits(w, 15, 0))
        },
        row("A5.5 Branch, branch with link, block data transfer", "LDM", "cccc100pu0w1nnnnrrrrrrrrrrrrrrrr") { w in
            Decoded(op: .ldm, cond: condition(w), flags: multipleFlags(w), rn: reg(w, 16), imm: bits(w, 15, 0))
        },
        row("A5.5 Branch, branch with link, block data transfer", "STM (user registers)", "cccc100pu1-0nnnnrrrrrrrrrrrrrrrr") { w in
            Decoded(op: .stmUser, cond: condition(w), flags: multipleFlags(w).subtracting(.writeBack), rn: reg(w, 16), imm: bits(w, 15, 0))
        },
        row("A5.5 Branch, branch with link, block data transfer", "LDM (user registers)", "cccc100pu1w1nnnn0rrrrrrrrrrrrrrr") { w in
            Decoded(op: .ldmUser, cond: condition(w), flags: multipleFlags(w), rn: reg(w, 16), imm: bits(w, 15, 0))
        },
        row("A5.5 Branch, branch with link, block data transfer", "LDM (exception return)", "cccc100pu1w1nnnn1rrrrrrrrrrrrrrr") { w in
            Decoded(op: .ldmExceptionReturn, cond: condition(w), flags: multipleFlags(w), rn: reg(w, 16), imm: bits(w, 15, 0))
        },
        row("A5.5 Branch, branch with link, block data transfer", "B", "cccc1010iiiiiiiiiiiiiiiiiiiiiiii") { w in
            Decoded(op: .b, cond: condition(w), imm: ARMPseudocode.SignExtend(bits(w, 23, 0) << 2, bits: 26))
        },
        row("A5.5 Branch, branch with link, block data transfer", "BL", "cccc1011iiiiiiiiiiiiiiiiiiiiiiii") { w in
            Decoded(op: .bl, cond: condition(w), imm: ARMPseudocode.SignExtend(bits(w, 23, 0) << 2, bits: 26))
        },
    ]

    /// LDM/STM/SRS/RFE addressing: P = before, U = increment, W = writeback (unlike single loads, P = 0
    /// does not imply writeback).
    @inline(__always)
    static func multipleFlags(_ w: UInt32) -> DecodedFlags {
        var f: DecodedFlags = []
        if bit(w, 24) { f.insert(.index) }
        if bit(w, 23) { f.insert(.add) }
        if bit(w, 21) { f.insert(.writeBack) }
        return f
    }

    // MARK: - A5.6 Coprocessor instructions, and Supervisor Call

    static let coprocessor: [DecoderRow] = [
        row("A5.6 Coprocessor instructions, and Supervisor Call", "SVC", "cccc1111iiiiiiiiiiiiiiiiiiiiiiii") { w in
            Decoded(op: .svc, cond: condition(w), imm: bits(w, 23, 0))
        },
        row("A5.6 Coprocessor instructions, and Supervisor Call", "MCR", "cccc1110ooo0nnnnttttppppqqq1mmmm") { w in
            transfer(.mcr, w)
        },
        row("A5.6 Coprocessor instructions, and Supervisor Call", "MRC", "cccc1110ooo1nnnnttttppppqqq1mmmm") { w in
            transfer(.mrc, w)
        },
        row("A5.6 Coprocessor instructions, and Supervisor Call", "MCRR", "cccc11000100uuuuttttppppoooommmm") { w in
            Decoded(op: .mcrr, cond: condition(w), rd: reg(w, 12), rn: reg(w, 16), rm: reg(w, 0),
                    aux: UInt8(bits(w, 11, 8)), imm: bits(w, 7, 4))
        },
        row("A5.6 Coprocessor instructions, and Supervisor Call", "MRRC", "cccc11000101uuuuttttppppoooommmm") { w in
            Decoded(op: .mrrc, cond: condition(w), rd: reg(w, 12), rn: reg(w, 16), rm: reg(w, 0),
                    aux: UInt8(bits(w, 11, 8)), imm: bits(w, 7, 4))
        },
    ]

    @Sendable static func transfer(_ op: Op, _ w: UInt32) -> Decoded {
        Decoded(op: op, cond: condition(w), rd: reg(w, 12), rm: reg(w, 0), shiftType: UInt8(bits(w, 7, 5)),
                shiftAmount: UInt8(bits(w, 19, 16)), aux: UInt8(bits(w, 11, 8)), imm: bits(w, 23, 21))
    }

    // MARK: - A5.7 Unconditional instructions (cond = 0b1111)

    static let unconditional: [DecoderRow] = [
        row("A5.7.1 Memory hints, Advanced SIMD, miscellaneous", "CPS", "111100010000iim0-------aif0mmmmm") { w in
            let imod = bits(w, 19, 18)
            var aux = UInt8(bits(w, 8, 6)) // A, I, F
            if imod & 2 == 0 { aux = 0 }
            if imod == 3 { aux |= 0x10 }
            if bit(w, 17) { aux |= 0x8 }
            return Decoded(op: .cps, aux: aux, imm: bits(w, 4, 0))
        },
        row("A5.7.1 Memory hints, Advanced SIMD, miscellaneous", "SETEND", "1111000100000001------e-0000----") { w in
            Decoded(op: .setend, aux: bit(w, 9) ? 1 : 0)
        },
        row("A5.7.1 Memory hints, Advanced SIMD, miscellaneous", "PLI (immediate)", "11110100u101nnnn----iiiiiiiiiiii") { _ in
            Decoded(op: .pli)
        },
        row("A5.7.1 Memory hints, Advanced SIMD, miscellaneous", "PLI (register)", "11110110u101nnnn----iiiiitt0mmmm") { _ in
            Decoded(op: .pli)
        },
        row("A5.7.1 Memory hints, Advanced SIMD, miscellaneous", "PLD (immediate)", "11110101u-01nnnn----iiiiiiiiiiii") { _ in
            Decoded(op: .pld)
        },
        row("A5.7.1 Memory hints, Advanced SIMD, miscellaneous", "PLD (register)", "11110111u-01nnnn----iiiiitt0mmmm") { _ in
            Decoded(op: .pld)
        },
        row("A5.7.1 Memory hints, Advanced SIMD, miscellaneous", "CLREX", "111101010111------------0001----") { _ in
            Decoded(op: .clrex)
        },
        row("A5.7.1 Memory hints, Advanced SIMD, miscellaneous", "DSB", "111101010111------------0100----") { _ in
            Decoded(op: .dsb)
        },
        row("A5.7.1 Memory hints, Advanced SIMD, miscellaneous", "DMB", "111101010111------------0101----") { _ in
            Decoded(op: .dmb)
        },
        row("A5.7.1 Memory hints, Advanced SIMD, miscellaneous", "ISB", "111101010111------------0110----") { _ in
            Decoded(op: .isb)
        },
        row("A5.7 Unconditional instructions", "SRS", "1111100pu1w0110100000101000mmmmm") { w in
            Decoded(op: .srs, flags: multipleFlags(w), imm: bits(w, 4, 0))
        },
        row("A5.7 Unconditional instructions", "RFE", "1111100pu0w1nnnn----1010--------") { w in
            Decoded(op: .rfe, flags: multipleFlags(w), rn: reg(w, 16))
        },
        row("A5.7 Unconditional instructions", "BLX (immediate)", "1111101hiiiiiiiiiiiiiiiiiiiiiiii") { w in
            Decoded(op: .blxImmediate, imm: ARMPseudocode.SignExtend(bits(w, 23, 0) << 2 | bits(w, 24, 24) << 1, bits: 26))
        },
    ]
}
