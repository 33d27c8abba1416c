#!/usr/bin/python3
"""Which rows of the T32 decode tables real code reaches: disassembles Thumb ELFs with llvm-objdump, feeds every
instruction encoding to `xenarm decode --isa thumb` and counts rows.

Usage: t32coverage.py [--xenarm PATH] ELF...        (prints per-row counts, rows never hit, and a summary)
Also used by test_cpu_t32_decode.py: every encoding clang emits in the Thumb corpus must decode to a table row.
"""
from __future__ import annotations

import argparse
import bisect
import collections
import os
import pathlib
import re
import shutil
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[2]

# An instruction line of `llvm-objdump -d`: "     1a: 01 20         movs r0, #1" (bytes little-endian per halfword).
LINE = re.compile(r"^\s*[0-9a-f]+:\s+((?:[0-9a-f]{2} ){1,4})\s*(\S+)")


def objdump() -> str:
    return shutil.which("llvm-objdump") or "/opt/swift/usr/bin/llvm-objdump"


def tool(name: str) -> str:
    return shutil.which(name) or f"/opt/swift/usr/bin/{name}"


def thumb_ranges(elf: pathlib.Path) -> list[tuple[int, bool]]:
    """The ELF's mapping symbols (ARM ELF ABI 4.5.5: $a ARM code, $t Thumb code, $d data) as sorted
    (address, is Thumb code) starts."""
    out = subprocess.run([tool("llvm-nm"), "-n", "--special-syms", str(elf)], capture_output=True, text=True,
                         check=True).stdout
    marks = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and re.fullmatch(r"\$[atd](\..*)?", parts[2]):
            marks.append((int(parts[0], 16), parts[2][1] == "t"))
    return marks


def thumb_encodings(elf: pathlib.Path) -> list[tuple[str, str]]:
    """(encoding as halfwords in hex, mnemonic) for every Thumb instruction in the ELF's code; ARM code
    (interworking programs have both) and data are left out, by the mapping symbols."""
    marks = thumb_ranges(elf)
    starts = [a for a, _ in marks]
    # The features clang can emit for armv7-a (SDIV/UDIV, PLDW, HVC): without them objdump loses sync.
    out = subprocess.run([objdump(), "-d", "--triple=thumbv7a-none-eabi", "--mattr=+hwdiv,+hwdiv-arm,+mp,+virtualization",
                          str(elf)], capture_output=True,
                         text=True, check=True).stdout
    result = []
    for line in out.splitlines():
        m = LINE.match(line)
        if not m or m.group(2).startswith((".", "<")):
            continue   # literal-pool data (`.word`) and undecodable bytes are not instructions
        k = bisect.bisect_right(starts, int(line.split(":")[0], 16)) - 1
        if k < 0 or not marks[k][1]:
            continue
        b = [int(x, 16) for x in m.group(1).split()]
        if len(b) == 2:
            result.append((f"{b[1] << 8 | b[0]:04x}", m.group(2)))
        elif len(b) == 4:
            result.append((f"{b[1] << 8 | b[0]:04x}{b[3] << 8 | b[2]:04x}", m.group(2)))
    return result


def decode(xenarm: str, encodings: list[str]) -> dict[str, tuple[str, str]]:
    """encoding -> (row name, op) through `xenarm decode --isa thumb`."""
    unique = sorted(set(encodings))
    out = subprocess.run([xenarm, "decode", "--isa", "thumb"], input="\n".join(unique) + "\n", capture_output=True,
                         text=True, check=True).stdout
    table = {}
    for line in out.splitlines():
        enc, row, op = line.split("\t")
        table[enc] = (row, op)
    return table


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--xenarm", default=os.environ.get("XENARM", str(REPO / ".build" / "release" / "xenarm")))
    ap.add_argument("elfs", nargs="+")
    a = ap.parse_args()
    insns = [e for elf in a.elfs for e in thumb_encodings(pathlib.Path(elf))]
    decoded = decode(a.xenarm, [e for e, _ in insns])
    counts = collections.Counter(decoded[e][0] for e, _ in insns)
    undefined = sorted({(e, mn) for e, mn in insns if decoded[e][0] == "-"})
    for row, n in counts.most_common():
        print(f"{n:8d}  {row}")
    all_rows = subprocess.run([a.xenarm, "decode", "--isa", "thumb", "--list-rows"], capture_output=True, text=True,
                              check=True).stdout.splitlines()
    hit = set(counts) - {"-"}
    print(f"t32coverage: {len(insns)} instructions, {len(decoded)} distinct encodings, "
          f"{len(hit)} of {len(all_rows)} table rows hit, {len(undefined)} encodings without a row")
    for e, mn in undefined:
        print(f"  no row: {e} ({mn})")
    return 1 if undefined else 0


if __name__ == "__main__":
    sys.exit(main())
