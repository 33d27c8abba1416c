#!/usr/bin/python3
"""Random instruction-sequence differential tester: qemu-arm is the reference, `xenarm cpu run` the candidate.

A generated program is many independent *blocks*. Each block
  1. sets r0-r12 to random values and N Z C V Q GE to random flags (MSR APSR_nzcvqg),
  2. runs `length` random *items* drawn from the CLASSES table below (an item is one instruction under test,
     sometimes preceded by the set-up it needs, such as pointing a base register into the memory window),
  3. dumps r0-r12, the APSR and the block's private 128-byte memory window with `write(1, ...)`.
Both emulators run the same ELF; the dumps are compared block by block. On a difference the block is rebuilt
truncated after 1, 2, ... items and re-run to find the first item whose effect diverges (bisect).

Usage:
  randinsn.py --isa arm --seed 1 --programs 10 [--blocks 100 --length 24] [--xenarm PATH]
  randinsn.py --isa arm --seed 1 --emit out.S        (write one program's assembly and stop)
Exit status 0 when every block matched, 1 when a difference was found (reported on stdout), 2 on set-up errors.

Exclusions (encodings never generated, and why):
  * PC or SP as any operand: writing PC is control flow, not data; SP is the harness's dump stack, and most
    SP/PC operand forms are UNPREDICTABLE or deprecated in ARMv7 (ARM ARM A8.6 per-instruction notes).
  * Load/store with writeback where Rn == Rt (or Rt2), and register-offset writeback with Rm == Rn: UNPREDICTABLE.
  * LDRD/STRD with odd Rt (ARM) or Rt == r12 (Rt2 would be SP); LDM with writeback and the base in the list;
    STM with writeback and the base in the list: UNPREDICTABLE.
  * UMULL/SMULL/UMLAL/SMLAL/SMLALxy/SMLALD/SMLSLD/UMAAL with RdHi == RdLo: UNPREDICTABLE.
  * RRX as a load/store index shift: its result depends on the carry flag, which random conditional items
    change, so the address could leave the window; RRX is still generated as a data-processing operand.
  * Unaligned LDRD/STRD/LDM/STM/LDREX*: alignment faults on ARMv7 regardless of SCTLR.A. Word and halfword
    LDR/STR stay unaligned-capable (a tenth of them are unaligned): ARMv7 user mode allows it.
  * MRS results keep only N Z C V Q GE (the other CPSR bits read in user mode are not architecturally defined
    to the program: mode, T, E, IT bits); the dump masks APSR the same way.
  * SETEND, SWP/SWPB, coprocessor, VFP/NEON, SVC/HVC/BKPT, exception-generating and system instructions:
    out of scope for a user-mode differential test (SWP is deprecated and absent on ARMv7 with SCTLR.SW=0).
  * Thumb: no RSC (T32 has none), register-shifted-register operands only in the LSL/LSR/ASR/ROR forms, MSR
    only from a register, conditional items wrapped in IT (one item per IT; IT blocks of up to four items too).
"""
from __future__ import annotations

import argparse
import os
import pathlib
import random
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[2]
WINDOW = 128            # bytes per block: loads/stores address [W+8, W+120]
DUMP_REGS = 13          # r0-r12
REGS_BYTES = 4 * (DUMP_REGS + 1)
RECORD = REGS_BYTES + WINDOW
APSR_MASK = 0xF80F0000  # N Z C V Q and GE[3:0]
CONDS = ["eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le"]
INVERSE = {"eq": "ne", "ne": "eq", "cs": "cc", "cc": "cs", "mi": "pl", "pl": "mi", "vs": "vc", "vc": "vs",
           "hi": "ls", "ls": "hi", "ge": "lt", "lt": "ge", "gt": "le", "le": "gt"}
INTERESTING = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000,
               0x80000001, 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFF0000, 0x00FF00FF, 0x80808080, 0x7F7F7F7F]


def clang() -> str:
    return shutil.which("clang") or "/opt/swift/usr/bin/clang"


@dataclass
class Item:
    """One unit under test: `setup` lines are plain (unconditional) preparation, `body` the instruction(s)
    tested. `cond` is the condition of the body when it is conditional ('' = always)."""
    klass: str
    body: list[str]
    setup: list[str] = field(default_factory=list)
    cond: str = ""
    it_ok: bool = True      # may be wrapped in an IT block (Thumb)


@dataclass
class Block:
    regs: list[int]
    apsr: int
    window: bytes
    items: list[Item]


class Gen:
    """Draws random operands for one instruction set. Every method returns an Item."""

    def __init__(self, rng: random.Random, isa: str):
        self.r = rng
        self.isa = isa
        self.thumb = isa == "thumb"

    # ---- operand helpers -------------------------------------------------------------------------------
    def reg(self, *avoid: int) -> int:
        while True:
            # Thumb: favour r0-r7 so the assembler picks 16-bit encodings as often as 32-bit ones.
            n = self.r.randrange(8) if self.thumb and self.r.random() < 0.6 else self.r.randrange(13)
            if n not in avoid:
                return n

    def value(self) -> int:
        c = self.r.random()
        if c < 0.3:
            return self.r.choice(INTERESTING)
        if c < 0.5:
            return self.r.randrange(256)
        return self.r.getrandbits(32)

    def mod_imm(self) -> int:
        """A value encodable as a modified immediate (ARM: 8 bits rotated right by an even amount; Thumb:
        ThumbExpandImm's four byte-replication patterns or a rotated 1bcdefgh)."""
        if not self.thumb:
            v, rot = self.r.randrange(256), 2 * self.r.randrange(16)
            return ((v >> rot) | (v << (32 - rot))) & 0xFFFFFFFF if rot else v
        b = self.r.randrange(256)
        kind = self.r.randrange(5)
        if kind == 0:
            return b
        if kind == 1:
            return b | b << 16
        if kind == 2:
            return b << 8 | b << 24
        if kind == 3:
            return b * 0x01010101
        v, rot = 0x80 | self.r.randrange(128), self.r.randrange(8, 32)
        return ((v >> rot) | (v << (32 - rot))) & 0xFFFFFFFF

    def shift_imm(self, allow_rrx: bool = True) -> str:
        k = self.r.randrange(5 if allow_rrx else 4)
        if k == 0:
            return f"lsl #{self.r.randrange(32)}"
        if k == 1:
            return f"lsr #{self.r.randrange(1, 33)}"
        if k == 2:
            return f"asr #{self.r.randrange(1, 33)}"
        if k == 3:
            return f"ror #{self.r.randrange(1, 32)}"
        return "rrx"

    def cond(self, p: float = 0.3) -> str:
        return self.r.choice(CONDS) if self.r.random() < p else ""

    def set_reg(self, n: int, v: int) -> list[str]:
        v &= 0xFFFFFFFF
        lines = [f"movw r{n}, #{v & 0xFFFF}"]
        if v >> 16:
            lines.append(f"movt r{n}, #{v >> 16}")
        return lines

    def set_addr(self, n: int, offset: int) -> list[str]:
        return [f"movw r{n}, #:lower16:(WIN+{offset})", f"movt r{n}, #:upper16:(WIN+{offset})"]

    # ---- instruction classes ---------------------------------------------------------------------------
    def data_processing(self) -> Item:
        ops3 = ["and", "eor", "sub", "rsb", "add", "adc", "sbc", "orr", "bic"] + ([] if self.thumb else ["rsc"])
        if self.thumb:
            ops3.append("orn")
        ops2 = ["mov", "mvn"]
        cmps = ["tst", "teq", "cmp", "cmn"]
        kind = self.r.random()
        s = "s" if self.r.random() < 0.5 else ""
        c = self.cond()
        # Operand 2: immediate, register, register shifted by immediate, register shifted by register (ARM).
        form = self.r.randrange(4 if not self.thumb else 3)
        if form == 0:
            op2 = f"#{self.mod_imm()}"
        elif form == 1:
            op2 = f"r{self.reg()}"
        elif form == 2:
            op2 = f"r{self.reg()}, {self.shift_imm()}"
        else:
            op2 = f"r{self.reg()}, {self.r.choice(['lsl', 'lsr', 'asr', 'ror'])} r{self.reg()}"
        if kind < 0.6:
            op = self.r.choice(ops3)
            return Item("dp", [f"{op}{s}{c} r{self.reg()}, r{self.reg()}, {op2}"], cond=c)
        if kind < 0.8:
            return Item("dp", [f"{self.r.choice(ops2)}{s}{c} r{self.reg()}, {op2}"], cond=c)
        return Item("dp", [f"{self.r.choice(cmps)}{c} r{self.reg()}, {op2}"], cond=c)

    def shifts(self) -> Item:
        """LSL/LSR/ASR/ROR/RRX as instructions (MOV aliases in A32, their own encodings in T32)."""
        s = "s" if self.r.random() < 0.5 else ""
        c = self.cond()
        op = self.r.choice(["lsl", "lsr", "asr", "ror", "rrx"])
        d, m = self.reg(), self.reg()
        if op == "rrx":
            return Item("shift", [f"rrx{s}{c} r{d}, r{m}"], cond=c)
        if self.r.random() < 0.5:
            lo = 0 if op == "lsl" else 1
            hi = 31 if op in ("lsl", "ror") else 32
            return Item("shift", [f"{op}{s}{c} r{d}, r{m}, #{self.r.randint(lo, hi)}"], cond=c)
        return Item("shift", [f"{op}{s}{c} r{d}, r{m}, r{self.reg()}"], cond=c)

    def two_operand(self) -> Item:
        """Two-operand ADD/MOV/CMP on any of r0-r12: in Thumb these are the 16-bit high-register encodings
        (ADD/CMP/MOV register T2/T1), which no three-operand form reaches."""
        c = self.cond()
        op = self.r.choice(["add", "mov", "cmp"])
        d = self.r.randrange(8, 13) if self.r.random() < 0.7 else self.r.randrange(13)
        m = self.r.randrange(13)
        return Item("hireg", [f"{op}{c} r{d}, r{m}"], cond=c)

    def move_wide(self) -> Item:
        c = self.cond()
        return Item("movw", [f"{self.r.choice(['movw', 'movt'])}{c} r{self.reg()}, #{self.r.randrange(65536)}"], cond=c)

    def multiply(self) -> Item:
        c = self.cond()
        d, n, m, a = self.reg(), self.reg(), self.reg(), self.reg()
        k = self.r.randrange(12)
        s = "s" if self.r.random() < 0.4 and not self.thumb else ""
        if k == 0:
            return Item("mul", [f"mul{s}{c} r{d}, r{n}, r{m}"], cond=c)
        if k == 1:
            return Item("mul", [f"mla{s}{c} r{d}, r{n}, r{m}, r{a}"], cond=c)
        if k == 2:
            return Item("mul", [f"mls{c} r{d}, r{n}, r{m}, r{a}"], cond=c)
        if k in (3, 4):
            lo, hi = self.reg(), 0
            hi = self.reg(lo)
            op = self.r.choice(["umull", "smull", "umlal", "smlal"])
            return Item("mull", [f"{op}{s}{c} r{lo}, r{hi}, r{n}, r{m}"], cond=c)
        if k == 5:
            lo = self.reg()
            hi = self.reg(lo)
            return Item("mull", [f"umaal{c} r{lo}, r{hi}, r{n}, r{m}"], cond=c)
        if k == 6:
            xy = self.r.choice(["bb", "bt", "tb", "tt"])
            if self.r.random() < 0.5:
                return Item("smulxy", [f"smul{xy}{c} r{d}, r{n}, r{m}"], cond=c)
            return Item("smulxy", [f"smla{xy}{c} r{d}, r{n}, r{m}, r{a}"], cond=c)
        if k == 7:
            y = self.r.choice("bt")
            if self.r.random() < 0.5:
                return Item("smulwy", [f"smulw{y}{c} r{d}, r{n}, r{m}"], cond=c)
            return Item("smulwy", [f"smlaw{y}{c} r{d}, r{n}, r{m}, r{a}"], cond=c)
        if k == 8:
            lo = self.reg()
            hi = self.reg(lo)
            xy = self.r.choice(["bb", "bt", "tb", "tt"])
            return Item("smlalxy", [f"smlal{xy}{c} r{lo}, r{hi}, r{n}, r{m}"], cond=c)
        if k == 9:
            x = self.r.choice(["", "x"])
            op = self.r.choice(["smuad", "smusd"])
            if self.r.random() < 0.5:
                return Item("dualmul", [f"{op}{x}{c} r{d}, r{n}, r{m}"], cond=c)
            op = self.r.choice(["smlad", "smlsd"])
            return Item("dualmul", [f"{op}{x}{c} r{d}, r{n}, r{m}, r{a}"], cond=c)
        if k == 10:
            lo = self.reg()
            hi = self.reg(lo)
            op = self.r.choice(["smlald", "smlsld"]) + self.r.choice(["", "x"])
            return Item("dualmul", [f"{op}{c} r{lo}, r{hi}, r{n}, r{m}"], cond=c)
        r = self.r.choice(["", "r"])
        op = self.r.choice(["smmul", "smmla", "smmls"])
        if op == "smmul":
            return Item("smmul", [f"smmul{r}{c} r{d}, r{n}, r{m}"], cond=c)
        return Item("smmul", [f"{op}{r}{c} r{d}, r{n}, r{m}, r{a}"], cond=c)

    def divide(self) -> Item:
        c = self.cond()
        op = self.r.choice(["sdiv", "udiv"])
        return Item("div", [f"{op}{c} r{self.reg()}, r{self.reg()}, r{self.reg()}"], cond=c)

    def saturate(self) -> Item:
        c = self.cond()
        d, n, m = self.reg(), self.reg(), self.reg()
        k = self.r.randrange(5)
        if k == 0:
            op = self.r.choice(["qadd", "qsub", "qdadd", "qdsub"])
            return Item("sat", [f"{op}{c} r{d}, r{m}, r{n}"], cond=c)
        if k in (1, 2):
            signed = k == 1
            sat = self.r.randint(1, 32) if signed else self.r.randint(0, 31)
            sh = ""
            if self.r.random() < 0.5:
                sh = f", lsl #{self.r.randrange(32)}" if self.r.random() < 0.5 else f", asr #{self.r.randint(1, 31 if self.thumb else 32)}"
            return Item("sat", [f"{'ssat' if signed else 'usat'}{c} r{d}, #{sat}, r{n}{sh}"], cond=c)
        if k == 3:
            return Item("sat", [f"ssat16{c} r{d}, #{self.r.randint(1, 16)}, r{n}"], cond=c)
        return Item("sat", [f"usat16{c} r{d}, #{self.r.randint(0, 15)}, r{n}"], cond=c)

    def parallel(self) -> Item:
        c = self.cond()
        pre = self.r.choice(["s", "q", "sh", "u", "uq", "uh"])
        op = self.r.choice(["add16", "asx", "sax", "sub16", "add8", "sub8"])
        return Item("parallel", [f"{pre}{op}{c} r{self.reg()}, r{self.reg()}, r{self.reg()}"], cond=c)

    def packing(self) -> Item:
        c = self.cond()
        d, n, m = self.reg(), self.reg(), self.reg()
        k = self.r.randrange(5)
        if k == 0:
            if self.r.random() < 0.5:
                sh = f", lsl #{self.r.randrange(32)}" if self.r.random() < 0.7 else ""
                return Item("pack", [f"pkhbt{c} r{d}, r{n}, r{m}{sh}"], cond=c)
            return Item("pack", [f"pkhtb{c} r{d}, r{n}, r{m}, asr #{self.r.randint(1, 32)}"], cond=c)
        rot = self.r.choice(["", ", ror #8", ", ror #16", ", ror #24"])
        if k == 1:
            op = self.r.choice(["sxtb", "sxth", "uxtb", "uxth", "sxtb16", "uxtb16"])
            return Item("extend", [f"{op}{c} r{d}, r{m}{rot}"], cond=c)
        if k == 2:
            op = self.r.choice(["sxtab", "sxtah", "uxtab", "uxtah", "sxtab16", "uxtab16"])
            return Item("extend", [f"{op}{c} r{d}, r{n}, r{m}{rot}"], cond=c)
        if k == 3:
            return Item("sel", [f"sel{c} r{d}, r{n}, r{m}"], cond=c)
        op = self.r.choice(["usad8", "usada8"])
        if op == "usad8":
            return Item("usad", [f"usad8{c} r{d}, r{n}, r{m}"], cond=c)
        return Item("usad", [f"usada8{c} r{d}, r{n}, r{m}, r{self.reg()}"], cond=c)

    def bitfield(self) -> Item:
        c = self.cond()
        d, n = self.reg(), self.reg()
        lsb = self.r.randrange(32)
        width = self.r.randint(1, 32 - lsb)
        op = self.r.choice(["bfc", "bfi", "sbfx", "ubfx"])
        if op == "bfc":
            return Item("bitfield", [f"bfc{c} r{d}, #{lsb}, #{width}"], cond=c)
        return Item("bitfield", [f"{op}{c} r{d}, r{n}, #{lsb}, #{width}"], cond=c)

    def misc(self) -> Item:
        c = self.cond()
        op = self.r.choice(["clz", "rbit", "rev", "rev16", "revsh"])
        return Item("misc", [f"{op}{c} r{self.reg()}, r{self.reg()}"], cond=c)

    def status(self) -> Item:
        c = self.cond()
        k = self.r.randrange(3 if not self.thumb else 2)
        if k == 0:
            d = self.reg()
            # Keep only N Z C V Q GE (see the module doc): 0xF80F0000 = ~(0x07F00000 | 0xFF00 | 0xFF).
            return Item("mrs", [f"mrs{c} r{d}, apsr", f"bic{c} r{d}, r{d}, #0x07f00000",
                                f"bic{c} r{d}, r{d}, #0xff00", f"bic{c} r{d}, r{d}, #0xff"], cond=c, it_ok=False)
        if k == 1:
            field_ = self.r.choice(["APSR_nzcvq", "APSR_g", "APSR_nzcvqg"])
            return Item("msr", [f"msr{c} {field_}, r{self.reg()}"], cond=c)
        field_ = self.r.choice(["APSR_nzcvq", "APSR_g"])
        imm = (self.r.randrange(32) << 27) if field_ == "APSR_nzcvq" else (self.r.randrange(16) << 16)
        return Item("msr", [f"msr{c} {field_}, #{imm}"], cond=c)

    # ---- loads and stores ------------------------------------------------------------------------------
    def _offset(self, size: int, span: int, unaligned_ok: bool) -> int:
        off = self.r.randrange(-span, span + 1)
        if unaligned_ok and self.r.random() < 0.1:
            return off
        return off - (off % size)

    def load_store(self) -> Item:
        """LDR/STR/LDRB/STRB (imm12 or scaled register), LDRH/STRH/LDRSB/LDRSH (imm8 or register),
        LDRD/STRD, LDRT-family, in offset, pre-indexed and post-indexed forms."""
        kind = self.r.choice(["word", "word", "half", "dual", "trans"])
        c = self.cond()
        base_off = 64 + self.r.randrange(-8, 9, 4)
        if kind == "word":
            op = self.r.choice(["ldr", "str", "ldrb", "strb"])
            size = 4 if op in ("ldr", "str") else 1
        elif kind == "half":
            op = self.r.choice(["ldrh", "strh", "ldrsb", "ldrsh"])
            size = 1 if op == "ldrsb" else 2
        elif kind == "dual":
            op = self.r.choice(["ldrd", "strd"])
            size = 8
        else:
            op = self.r.choice(["ldrt", "strt", "ldrbt", "strbt", "ldrht", "strht", "ldrsht", "ldrsbt"])
            size = 1 if "b" in op[3:] else 2 if "h" in op[3:] else 4
        load = op.startswith("ld")
        mode = self.r.choice(["offset", "pre", "post"])
        if kind == "trans":
            mode = "offset" if self.thumb else "post"
        wb = mode != "offset"
        n = self.reg()
        if kind == "dual":
            # ARM: Rt even and not r12 (Rt2 = Rt+1); Thumb: any two registers (distinct for loads).
            if self.thumb:
                t = self.reg(n) if wb else self.reg()
                t2 = self.reg(t, n) if wb or load else self.reg(n) if wb else self.reg()
                if load and t2 == t:
                    t2 = self.reg(t)
            else:
                t = self.r.choice([x for x in range(0, 12, 2) if not (wb and x in (n, n - 1))] or [0])
                if wb and t in (n, n - 1):
                    n = self.reg(t, t + 1)
                t2 = t + 1
            rt = f"r{t}, r{t2}"
            avoid = {t, t2}
        else:
            t = self.reg(n) if wb else self.reg()
            rt = f"r{t}"
            avoid = {t}
        setup = self.set_addr(n, base_off)
        # Register offset: ARM everywhere but Thumb LDRD/LDRT and translate forms; Thumb only offset mode.
        reg_ok = not (kind == "trans" and self.thumb) and not (kind == "dual" and self.thumb) and \
            not (self.thumb and mode != "offset")
        if reg_ok and self.r.random() < 0.4:
            m = self.reg(n, *(avoid if kind == "dual" and load else ()))
            if self.thumb:
                sh = self.r.randrange(4)
                off = self._offset(size, 40, size != 8) >> sh << sh
                off = abs(off)
                setup += self.set_reg(m, off >> sh)
                idx = f"r{m}, lsl #{sh}" if sh else f"r{m}"
                return Item("ldst", [f"{op}{c} {rt}, [r{n}, {idx}]"], setup=setup, cond=c)
            neg = self.r.random() < 0.3
            off = self._offset(size, 40, size != 8)
            mag = -off if neg else off
            if op in ("ldr", "str", "ldrb", "strb", "ldrt", "strt", "ldrbt", "strbt") and self.r.random() < 0.7:
                shk = self.r.randrange(4)
                if shk == 0:
                    s = self.r.randrange(4)
                    mag = (mag >> s) << s
                    off = -mag if neg else mag
                    val, sh = (mag >> s) & 0xFFFFFFFF, f", lsl #{s}"
                elif shk == 1:
                    s = self.r.randint(1, 20)
                    mag = abs(mag)
                    off = -mag if neg else mag
                    val, sh = (mag << s) & 0xFFFFFFFF, f", lsr #{s}"
                elif shk == 2:
                    s = self.r.randint(1, 20)
                    val, sh = (mag << s) & 0xFFFFFFFF, f", asr #{s}"
                else:
                    s = self.r.randint(1, 31)
                    v = mag & 0xFFFFFFFF
                    val, sh = ((v << s) | (v >> (32 - s))) & 0xFFFFFFFF, f", ror #{s}"
            else:
                val, sh = mag & 0xFFFFFFFF, ""
            setup += self.set_reg(m, val)
            sign = "-" if neg else ""
            if mode == "offset":
                body = f"{op}{c} {rt}, [r{n}, {sign}r{m}{sh}]"
            elif mode == "pre":
                body = f"{op}{c} {rt}, [r{n}, {sign}r{m}{sh}]!"
            else:
                body = f"{op}{c} {rt}, [r{n}], {sign}r{m}{sh}"
            return Item("ldst", [body], setup=setup, cond=c)
        if self.thumb:
            if kind == "trans":
                off = abs(self._offset(size, 40, True)) % 256
                return Item("ldst", [f"{op}{c} {rt}, [r{n}, #{off}]"], setup=setup, cond=c)
            span = 40
            off = self._offset(4 if kind == "dual" else size, span, kind != "dual")
            if kind == "dual" and off % 4:
                off -= off % 4
        else:
            off = self._offset(size, 40, size != 8)
        if mode == "offset":
            body = f"{op}{c} {rt}, [r{n}, #{off}]"
        elif mode == "pre":
            body = f"{op}{c} {rt}, [r{n}, #{off}]!"
        else:
            body = f"{op}{c} {rt}, [r{n}], #{off}"
        return Item("ldst", [body], setup=setup, cond=c)

    def load_store_multiple(self) -> Item:
        c = self.cond()
        load = self.r.random() < 0.5
        modes = ["ia", "db"] if self.thumb else ["ia", "ib", "da", "db"]
        mode = self.r.choice(modes)
        n = self.reg()
        wb = self.r.random() < 0.5
        count = self.r.randint(2 if self.thumb else 1, 8)
        pool = [x for x in range(13) if not (x == n and (wb or self.thumb and not load))]
        regs = sorted(self.r.sample(pool, min(count, len(pool))))
        k = len(regs)
        # Choose the base so the transferred words fall inside the window.
        start = 8 + 4 * self.r.randrange((WINDOW - 16 - 4 * k) // 4 + 1)
        base = {"ia": start, "ib": start - 4, "da": start + 4 * k - 4, "db": start + 4 * k}[mode]
        lst = ", ".join(f"r{x}" for x in regs)
        op = ("ldm" if load else "stm") + mode
        return Item("ldm", [f"{op}{c} r{n}{'!' if wb else ''}, {{{lst}}}"], setup=self.set_addr(n, base), cond=c)

    def exclusive(self) -> Item:
        size = self.r.choice(["", "b", "h", "d"])
        n = self.reg()
        if size == "d":
            if self.thumb:
                t = self.reg(n)
                t2 = self.reg(n, t)
            else:
                t = self.r.choice([x for x in range(0, 12, 2) if x not in (n, n - 1)])
                t2 = t + 1
            rt = f"r{t}, r{t2}"
            used = {n, t, t2}
        else:
            t = self.reg(n)
            rt = f"r{t}"
            used = {n, t}
        s = self.reg(*used)
        base = 8 + 8 * self.r.randrange((WINDOW - 16) // 8)
        addr = f"[r{n}]"
        if self.thumb and size == "" and self.r.random() < 0.5:
            # T32 LDREX/STREX carry a word offset (imm8:00); A32 has none.
            off = 4 * self.r.randrange(base // 4)
            base -= off
            addr = f"[r{n}, #{off}]"
        setup = self.set_addr(n, base)
        k = self.r.randrange(3)
        if k == 0:   # a load-exclusive then a store-exclusive to the same address: the store succeeds (0)
            body = [f"ldrex{size} {rt}, {addr}", f"add r{t}, r{t}, #1", f"strex{size} r{s}, {rt}, {addr}"]
        elif k == 1:  # CLREX then a store-exclusive: the store fails (1) and memory is unchanged
            body = ["clrex", f"strex{size} r{s}, {rt}, {addr}"]
        else:
            body = [f"ldrex{size} {rt}, {addr}"]
        if k == 0 or k == 2:
            body.append("clrex")
        return Item("excl", body, setup=setup, it_ok=False)

    def literal(self) -> Item:
        """PC-relative loads and ADR: the literal sits inline behind a branch over it. In Thumb the base is
        Align(PC, 4), so the item varies its own alignment with an optional leading NOP."""
        op = self.r.choice(["ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrd", "adr"])
        t = self.reg()
        words = [self.r.getrandbits(32), self.r.getrandbits(32)]
        lines = ["nop"] if self.r.random() < 0.5 else []
        if op == "adr":
            # The address itself is the same under both emulators (a static ELF): compare it as a register.
            lines += [f"adr r{t}, 1f", "b 2f", ".p2align 2", "1:", f".word {words[0]}", "2:"]
        elif op == "ldrd":
            t = self.r.choice(range(0, 12, 2)) if not self.thumb else t
            t2 = t + 1 if not self.thumb else self.reg(t)
            lines += [f"ldrd r{t}, r{t2}, 1f", "b 2f", ".p2align 2", "1:", f".word {words[0]}", f".word {words[1]}", "2:"]
        else:
            lines += [f"{op} r{t}, 1f", "b 2f", ".p2align 2", "1:", f".word {words[0]}", "2:"]
        return Item("literal", lines, it_ok=False)

    def hints_barriers(self) -> Item:
        """NOP, YIELD, SEV, DMB/DSB/ISB, CLREX and PLD/PLDW/PLI: no architectural effect in one user thread,
        but each must decode and run as a no-op (WFI/WFE are left out: they may wait)."""
        k = self.r.randrange(4)
        if k == 0:
            return Item("hint", [self.r.choice(["nop", "yield", "sev", "nop.w" if self.thumb else "nop"])])
        if k == 1:
            return Item("barrier", [self.r.choice(["dmb ish", "dmb sy", "dsb sy", "dsb ishst", "isb sy", "clrex"])])
        n = self.reg()
        op = self.r.choice(["pld", "pldw", "pli"])
        form = self.r.randrange(3)
        if form == 0:
            addr = f"[r{n}, #{self.r.randrange(0, 256)}]"
        elif form == 1:
            addr = f"[r{n}, #-{self.r.randrange(1, 256)}]"
        else:
            addr = f"[r{n}, r{self.reg()}{', lsl #' + str(self.r.randrange(4)) if self.r.random() < 0.5 else ''}]"
        return Item("hint", [f"{op} {addr}"])

    def wide_immediate(self) -> Item:
        """ADDW/SUBW: T32's plain 12-bit immediates."""
        c = self.cond()
        op = self.r.choice(["addw", "subw"])
        return Item("addw", [f"{op}{c} r{self.reg()}, r{self.reg()}, #{self.r.randrange(4096)}"], cond=c)

    def branch_skip(self) -> Item:
        """A conditional forward branch over one instruction (B<c>, and CBZ/CBNZ in Thumb)."""
        inner = self.data_processing()
        while inner.cond:
            inner = self.data_processing()
        c = self.r.choice(CONDS)
        if self.thumb and self.r.random() < 0.3:
            br = f"{self.r.choice(['cbz', 'cbnz'])} r{self.r.randrange(8)}, 1f"
        else:
            br = f"b{c} 1f"
        return Item("branch", [br] + inner.body + ["1:"], it_ok=False)

    def it_block(self) -> Item:
        """Thumb IT blocks of 2-4 items: IT{x{y{z}}} with then/else conditions."""
        c = self.r.choice(CONDS)
        k = self.r.randint(2, 4)
        pattern = "".join(self.r.choice("te") for _ in range(k - 1))
        conds = [c] + [c if p == "t" else INVERSE[c] for p in pattern]
        lines = [f"it{pattern} {c}"]
        for cc in conds:
            while True:
                gen = self.r.choice([self.data_processing, self.shifts, self.multiply, self.misc, self.packing,
                                     self.saturate, self.bitfield, self.move_wide])
                item = gen()
                if item.cond or len(item.body) != 1 or item.setup:
                    continue
                mnem, rest = item.body[0].split(" ", 1)
                lines.append(f"{mnem}{cc} {rest}")
                break
        return Item("it", lines, it_ok=False)

    def table_branch(self) -> Item:
        """TBB/TBH (Thumb): a two-entry table indexed by a register holding 0 or 1."""
        n = self.reg()
        d = self.reg()
        op = self.r.choice(["tbb", "tbh"])
        idx = self.r.randrange(2)
        ent = ".byte" if op == "tbb" else ".hword"
        lines = self.set_reg(n, idx) + [
            f"{op} [pc, r{n}{', lsl #1' if op == 'tbh' else ''}]",
            "0:",
            f"{ent} (2f-0b)/2",
            f"{ent} (3f-0b)/2",
            ".p2align 1",
            f"2: mov r{d}, #{self.r.randrange(256)}",
            "b 4f",
            f"3: mov r{d}, #{self.r.randrange(256)}",
            "4:",
        ]
        return Item("tb", lines, it_ok=False)


# The instruction-class table: (name, generator method, weight, ISAs that have it).
CLASSES = [
    ("data-processing", Gen.data_processing, 10, {"arm", "thumb"}),
    ("shift", Gen.shifts, 3, {"arm", "thumb"}),
    ("move-wide", Gen.move_wide, 1, {"arm", "thumb"}),
    ("two-operand", Gen.two_operand, 2, {"arm", "thumb"}),
    ("multiply", Gen.multiply, 5, {"arm", "thumb"}),
    ("divide", Gen.divide, 1, {"arm", "thumb"}),
    ("saturate", Gen.saturate, 2, {"arm", "thumb"}),
    ("parallel", Gen.parallel, 3, {"arm", "thumb"}),
    ("packing-extend", Gen.packing, 3, {"arm", "thumb"}),
    ("bitfield", Gen.bitfield, 2, {"arm", "thumb"}),
    ("clz-rbit-rev", Gen.misc, 2, {"arm", "thumb"}),
    ("status", Gen.status, 2, {"arm", "thumb"}),
    ("load-store", Gen.load_store, 6, {"arm", "thumb"}),
    ("load-store-multiple", Gen.load_store_multiple, 2, {"arm", "thumb"}),
    ("exclusive", Gen.exclusive, 1, {"arm", "thumb"}),
    ("branch", Gen.branch_skip, 1, {"arm", "thumb"}),
    ("literal", Gen.literal, 1, {"arm", "thumb"}),
    ("hints-barriers", Gen.hints_barriers, 1, {"arm", "thumb"}),
    ("wide-immediate", Gen.wide_immediate, 1, {"thumb"}),
    ("it-block", Gen.it_block, 2, {"thumb"}),
    ("table-branch", Gen.table_branch, 1, {"thumb"}),
]


def gen_program(seed: int, isa: str, blocks: int, length: int) -> list[Block]:
    rng = random.Random(f"{isa}:{seed}")
    g = Gen(rng, isa)
    table = [(fn, w) for _, fn, w, isas in CLASSES if isa in isas]
    fns, weights = [f for f, _ in table], [w for _, w in table]
    out = []
    for _ in range(blocks):
        regs = [g.value() for _ in range(DUMP_REGS)]
        apsr = rng.getrandbits(32) & APSR_MASK
        window = bytes(rng.getrandbits(8) for _ in range(WINDOW))
        items = [rng.choices(fns, weights)[0](g) for _ in range(length)]
        out.append(Block(regs, apsr, window, items))
    return out


def render_item(item: Item, isa: str) -> list[str]:
    lines = list(item.setup)
    if isa == "thumb" and item.cond and item.it_ok:
        lines.append(f"it {item.cond}")
    if isa == "thumb" and item.cond and not item.it_ok:
        # Several conditional lines (MRS + masks): one IT covering them all, up to four.
        lines.append("i" + "t" * len(item.body) + f" {item.cond}")
    lines += item.body
    return lines


def render(program: list[Block], isa: str, only: int | None = None, prefix: int | None = None) -> str:
    """Assembly for the program, or for block `only` truncated to its first `prefix` items."""
    a = [".syntax unified", ".arch armv7-a", ".arch_extension idiv", ".arch_extension mp",
         ".thumb" if isa == "thumb" else ".arm", ".text", ".globl _start", ".type _start, %function", "_start:"]
    chosen = [(only, program[only])] if only is not None else list(enumerate(program))
    for k, b in chosen:
        items = b.items if prefix is None else b.items[:prefix]
        a.append(f"@ ---- block {k}")
        a.append(f".set WIN, win_{k}")
        a += [f"movw r0, #{b.apsr & 0xFFFF}", f"movt r0, #{b.apsr >> 16}", "msr APSR_nzcvqg, r0"]
        for n in range(DUMP_REGS - 1, -1, -1):
            a += [f"movw r{n}, #{b.regs[n] & 0xFFFF}", f"movt r{n}, #{b.regs[n] >> 16}"]
        for i, it in enumerate(items):
            a.append(f"@ item {i}: {it.klass}")
            a += render_item(it, isa)
        a += ["sub sp, sp, #56", "stm sp, {r0-r12}", "mrs r0, apsr", "str r0, [sp, #52]", "mov r0, sp",
              f"movw r1, #:lower16:win_{k}", f"movt r1, #:upper16:win_{k}", "bl dump", "add sp, sp, #56"]
    a += ["movs r0, #0", "movs r7, #248", "svc #0", "movs r7, #1", "svc #0",
          ".type dump, %function", "dump:", "push {r4, r5, r7, lr}", "mov r4, r1", "mov r1, r0", "movs r0, #1",
          f"movs r2, #{REGS_BYTES}", "movs r7, #4", "svc #0", "mov r1, r4", "movs r0, #1",
          f"movs r2, #{WINDOW}", "movs r7, #4", "svc #0", "pop {r4, r5, r7, pc}", ".ltorg", ".data"]
    for k, b in chosen:
        a.append(".balign 8")
        a.append(f"win_{k}: .byte " + ",".join(str(x) for x in b.window))
    return "\n".join(("    " + l if not l.endswith(":") and not l.startswith((".", "@")) else l) for l in a) + "\n"


def build(asm: str, isa: str, workdir: pathlib.Path, name: str) -> pathlib.Path:
    workdir.mkdir(parents=True, exist_ok=True)
    src, obj, elf = workdir / f"{name}.S", workdir / f"{name}.o", workdir / f"{name}.elf"
    src.write_text(asm)
    flags = ["--target=armv7a-none-eabi", "-mthumb" if isa == "thumb" else "-marm"]
    subprocess.run([clang(), *flags, "-c", str(src), "-o", str(obj)], check=True, capture_output=True, text=True)
    subprocess.run([clang(), *flags, "-nostdlib", "-fuse-ld=lld", "-static", "-Wl,--build-id=none", "-o",
                    str(elf), str(obj)], check=True, capture_output=True, text=True)
    return elf


@dataclass
class Run:
    out: bytes
    status: int
    err: str


def run(cmd: list[str], elf: pathlib.Path, timeout: float = 60) -> Run:
    try:
        p = subprocess.run([*cmd, str(elf)], capture_output=True, timeout=timeout)
        return Run(p.stdout, p.returncode, p.stderr.decode(errors="replace")[-2000:])
    except subprocess.TimeoutExpired as e:
        return Run(e.stdout or b"", -999, "timeout")


def records(out: bytes) -> list[bytes]:
    return [out[i:i + RECORD] for i in range(0, len(out), RECORD)]


def masked(rec: bytes) -> bytes:
    if len(rec) < REGS_BYTES:
        return rec
    apsr = int.from_bytes(rec[52:56], "little") & APSR_MASK
    return rec[:52] + apsr.to_bytes(4, "little") + rec[56:]


def first_difference(ref: Run, cand: Run) -> int | None:
    a, b = records(ref.out), records(cand.out)
    for k in range(max(len(a), len(b))):
        ra = masked(a[k]) if k < len(a) else b""
        rb = masked(b[k]) if k < len(b) else b""
        if ra != rb:
            return k
    return None if ref.status == cand.status else len(a)


def describe(rec: bytes) -> str:
    if len(rec) < RECORD:
        return f"<{len(rec)} bytes: truncated output>"
    regs = [int.from_bytes(rec[4 * i:4 * i + 4], "little") for i in range(DUMP_REGS)]
    apsr = int.from_bytes(rec[52:56], "little") & APSR_MASK
    s = " ".join(f"r{i}={v:08x}" for i, v in enumerate(regs))
    return f"{s} apsr={apsr:08x} window={rec[56:].hex()}"


def diff_lines(a: bytes, b: bytes) -> list[str]:
    out = []
    if len(a) < RECORD or len(b) < RECORD:
        return [f"  qemu-arm: {describe(a)}", f"  xenarm:   {describe(b)}"]
    for i in range(DUMP_REGS):
        x, y = a[4 * i:4 * i + 4], b[4 * i:4 * i + 4]
        if x != y:
            out.append(f"  r{i}: qemu-arm {int.from_bytes(x, 'little'):08x}  xenarm {int.from_bytes(y, 'little'):08x}")
    x, y = (int.from_bytes(r[52:56], "little") & APSR_MASK for r in (a, b))
    if x != y:
        out.append(f"  apsr(NZCVQ GE): qemu-arm {x:08x}  xenarm {y:08x}")
    for i in range(WINDOW):
        if a[56 + i] != b[56 + i]:
            out.append(f"  window[{i}]: qemu-arm {a[56 + i]:02x}  xenarm {b[56 + i]:02x}")
    return out


class Checker:
    def __init__(self, isa: str, reference: list[str], candidate: list[str], workdir: pathlib.Path):
        self.isa, self.reference, self.candidate, self.workdir = isa, reference, candidate, workdir

    def compare(self, asm: str, name: str) -> tuple[Run, Run, int | None]:
        elf = build(asm, self.isa, self.workdir, name)
        ref, cand = run(self.reference, elf), run(self.candidate, elf)
        return ref, cand, first_difference(ref, cand)

    def bisect(self, program: list[Block], k: int) -> tuple[int | None, Run, Run]:
        """Smallest prefix of block k's items whose dump differs: item prefix-1 is the first divergence."""
        items = program[k].items
        lo, hi = 0, len(items)   # invariant: prefix lo matches (0 items: initial state), prefix hi differs
        ref, cand, d = self.compare(render(program, self.isa, k, hi), "bisect")
        if d is None:
            return None, ref, cand
        ref0, cand0, d0 = self.compare(render(program, self.isa, k, 0), "bisect")
        if d0 is not None:
            return 0, ref0, cand0
        last = (ref, cand)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            r, c, dd = self.compare(render(program, self.isa, k, mid), "bisect")
            if dd is None:
                lo = mid
            else:
                hi, last = mid, (r, c)
        return hi, *last

    def report(self, program: list[Block], seed: int, k: int, ref: Run, cand: Run) -> str:
        lines = [f"DIFFERENCE isa={self.isa} seed={seed} block={k}"]
        if ref.status != cand.status:
            lines.append(f"  exit status: qemu-arm {ref.status}  xenarm {cand.status}")
        if cand.err.strip():
            lines.append("  xenarm stderr: " + cand.err.strip().replace("\n", "\n    "))
        first, bref, bcand = self.bisect(program, k)
        b = program[k]
        lines.append("  initial: " + " ".join(f"r{i}={v:08x}" for i, v in enumerate(b.regs)) + f" apsr={b.apsr:08x}")
        if first is None:
            lines.append("  (the block alone does not differ: the difference depends on earlier blocks)")
            first = len(b.items)
        elif first == 0:
            lines.append("  the block differs before any item runs (set-up or dump)")
        for i, it in enumerate(b.items[:max(first, 1)]):
            mark = ">>" if i == first - 1 else "  "
            lines.append(f"  {mark} item {i} [{it.klass}]: " + " ; ".join(render_item(it, self.isa)))
        if first > 0:
            lines.append(f"  first divergence at item {first - 1}; dumps after it:")
        ra, rb = records(bref.out), records(bcand.out)
        lines += diff_lines(ra[0] if ra else b"", rb[0] if rb else b"")
        if bcand.err.strip() and bcand.err != cand.err:
            lines.append("  xenarm stderr (bisect run): " + bcand.err.strip()[-500:])
        return "\n".join(lines)


def default_candidate() -> list[str]:
    xen = os.environ.get("XENARM", str(REPO / ".build" / "release" / "xenarm"))
    return [xen, "cpu", "run"]


def check(isa: str, seed: int, programs: int, blocks: int, length: int, candidate: list[str],
          reference: list[str] | None = None, workdir: pathlib.Path | None = None,
          max_reports: int = 5) -> list[str]:
    """Runs `programs` programs (seeds seed, seed+1, ...); returns difference reports (empty: all matched)."""
    reference = reference or ["qemu-arm"]
    tmp = None
    if workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="randinsn-")
        workdir = pathlib.Path(tmp.name)
    checker = Checker(isa, reference, candidate, workdir)
    reports = []
    for s in range(seed, seed + programs):
        program = gen_program(s, isa, blocks, length)
        ref, cand, k = checker.compare(render(program, isa), f"{isa}-{s}")
        if ref.status != 0 or len(ref.out) != RECORD * blocks:
            raise RuntimeError(f"reference run failed for seed {s}: status {ref.status}: {ref.err}")
        if k is not None:
            reports.append(checker.report(program, s, k, ref, cand))
            if len(reports) >= max_reports:
                break
    if tmp:
        tmp.cleanup()
    return reports


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--isa", choices=["arm", "thumb"], default="arm")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--programs", type=int, default=1, help="programs to run, seeds seed..seed+programs-1")
    ap.add_argument("--blocks", type=int, default=100)
    ap.add_argument("--length", type=int, default=24, help="random items per block")
    ap.add_argument("--xenarm", help="xenarm binary (default $XENARM or .build/release/xenarm)")
    ap.add_argument("--candidate", help="candidate command instead of `xenarm cpu run` (e.g. 'qemu-arm -singlestep')")
    ap.add_argument("--emit", help="write the first program's assembly to this file and stop")
    ap.add_argument("--workdir", help="keep generated sources and ELFs here")
    a = ap.parse_args()
    if a.emit:
        pathlib.Path(a.emit).write_text(render(gen_program(a.seed, a.isa, a.blocks, a.length), a.isa))
        return 0
    cand = a.candidate.split() if a.candidate else [a.xenarm, "cpu", "run"] if a.xenarm else default_candidate()
    try:
        reports = check(a.isa, a.seed, a.programs, a.blocks, a.length, cand,
                        workdir=pathlib.Path(a.workdir) if a.workdir else None)
    except (subprocess.CalledProcessError, RuntimeError) as e:
        print(f"randinsn: set-up failed: {e}\n{getattr(e, 'stderr', '')}", file=sys.stderr)
        return 2
    for r in reports:
        print(r)
    total = a.programs * a.blocks * a.length
    print(f"randinsn: isa={a.isa} seeds={a.seed}..{a.seed + a.programs - 1} items={total} "
          f"{'all matched' if not reports else f'{len(reports)} difference(s)'}")
    return 1 if reports else 0


if __name__ == "__main__":
    sys.exit(main())
