"""Helpers for the block path's integration tests (docs/block.md): topologies with their images in a test's
directory, the guests' BLKW/BLKD logs, and the check of an image file from outside the guest against them."""
import pathlib
import re
import struct

GOLDEN = 0x9E3779B97F4A7C15
MASK = (1 << 64) - 1
BLKW = re.compile(r"^BLKW seq=(\d+) sector=(\d+) count=(\d+)$")
BLKD = re.compile(r"^BLKD sector=(\d+) count=(\d+)$")


def topology(repo: pathlib.Path, name: str, directory: pathlib.Path, args: dict | None = None) -> pathlib.Path:
    """Topologies/NAME with its kernels made absolute, its images put in DIRECTORY, and guest args replaced
    ({domain name: args})."""
    text = (repo / "Topologies" / name).read_text()
    text = text.replace("kernel: ../Guests/", f"kernel: {repo}/Guests/")
    text = re.sub(r"image: \.\./run/[^/]+/", f"image: {directory}/", text)
    for domain, value in (args or {}).items():
        text, n = re.subn(rf"(- name: {domain}\n(?:    \w+: .*\n)*?)    args: .*\n", rf'\g<1>    args: "{value}"\n',
                          text)
        assert n == 1, domain
    path = directory / name
    path.write_text(text)
    return path


def console(text: str, domain: str) -> list:
    prefix = f"[{domain}] "
    return [line[len(prefix):] for line in text.splitlines() if line.startswith(prefix)]


def sector_bytes(seq: int, sector: int) -> bytes:
    """The contract's self-describing sector: 64 little-endian words, word j = stamp ^ (j * golden)."""
    stamp = (seq << 32) | (sector & 0xFFFFFFFF)
    return b"".join(struct.pack("<Q", stamp ^ ((j * GOLDEN) & MASK)) for j in range(64))


def expected_sectors(lines: list) -> dict:
    """Sector → seq (0 = discarded, zeros) of the last acknowledged write or discard, in the guest's log order."""
    expected = {}
    for line in lines:
        m = BLKW.match(line)
        if m:
            seq, first, count = map(int, m.groups())
            for s in range(first, first + count):
                expected[s] = seq
            continue
        m = BLKD.match(line)
        if m:
            first, count = map(int, m.groups())
            for s in range(first, first + count):
                expected[s] = 0
    return expected


def check_image(image: pathlib.Path, lines: list) -> tuple:
    """(sectors checked, list of mismatches) of IMAGE against the log LINES."""
    expected = expected_sectors(lines)
    data = image.read_bytes()
    wrong = []
    for sector, seq in sorted(expected.items()):
        got = data[sector * 512:(sector + 1) * 512]
        want = bytes(512) if seq == 0 else sector_bytes(seq, sector)
        if got != want:
            wrong.append((sector, seq, got[:16].hex()))
    return len(expected), wrong
