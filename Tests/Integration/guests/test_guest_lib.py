"""The guest library's formatting, argument parsing and string code, run as an ARM program under qemu-arm."""
import re
import struct
import subprocess

from guest_support import BUILD, make


def test_guest_library_checks_pass_under_qemu_arm():
    built = make("tests")
    assert built.returncode == 0, built.stdout + built.stderr
    run = subprocess.run(["qemu-arm", str(BUILD / "tests" / "libtest")], capture_output=True, text=True, timeout=60)
    lines = run.stdout.splitlines()
    failures = [line for line in lines if not line.startswith("ok ")]
    assert failures == ["RESULT ok"], run.stdout
    assert run.returncode == 0
    assert len(lines) > 30  # every check printed a line


GOLDEN = 0x9E3779B97F4A7C15
MASK = (1 << 64) - 1


def sector_bytes(seq: int, sector: int) -> bytes:
    """The contract's self-describing sector (docs/block.md), written independently of Guests/lib/blkpattern.h."""
    stamp = ((seq << 32) | (sector & 0xFFFFFFFF)) & MASK
    return b"".join(struct.pack("<Q", stamp ^ ((j * GOLDEN) & MASK)) for j in range(64))


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & MASK
    return h


def xorshift32(state: int, count: int) -> list:
    out = []
    for _ in range(count):
        state ^= (state << 13) & 0xFFFFFFFF
        state ^= state >> 17
        state ^= (state << 5) & 0xFFFFFFFF
        out.append(state)
    return out


def test_block_pattern_matches_an_independent_python_implementation():
    built = make("tests")
    assert built.returncode == 0, built.stdout + built.stderr
    run = subprocess.run(["qemu-arm", str(BUILD / "tests" / "libtest")], capture_output=True, text=True, timeout=60)
    rows = [m for m in (re.match(r"^ok blkpattern seq=(\d+) sector=(\d+) w0=(\w+) w1=(\w+) w63=(\w+) fnv=(\w+)$", line)
                        for line in run.stdout.splitlines()) if m]
    assert len(rows) == 5, run.stdout
    for m in rows:
        seq, sector = int(m.group(1)), int(m.group(2))
        data = sector_bytes(seq, sector)
        words = struct.unpack("<64Q", data)
        assert (int(m.group(3), 16), int(m.group(4), 16), int(m.group(5), 16)) == (words[0], words[1], words[63]), m.group(0)
        assert int(m.group(6), 16) == fnv1a64(data), m.group(0)
    rand = next(line for line in run.stdout.splitlines() if line.startswith("ok blkrand seed=1 "))
    assert [int(v) for v in rand.split()[3:]] == xorshift32(1, 5)
