"""Building the guests (Guests/Makefile) and reading their ELF headers, for the guest tests."""
import pathlib
import struct
import subprocess

REPO = pathlib.Path(__file__).resolve().parents[3]
GUESTS = REPO / "Guests"
BUILD = GUESTS / "build"
PROGRAMS = ["hello", "compute", "probe-mem", "probe-hcall", "probe-evtchn", "probe-grant"]


def make(*targets: str) -> subprocess.CompletedProcess:
    """Runs make in Guests/ (quiet); the caller checks returncode and output."""
    return subprocess.run(["make", "-s", "-C", str(GUESTS), *targets], capture_output=True, text=True)


def program_headers(path: pathlib.Path) -> tuple[dict, list[dict]]:
    """The ELF32 header fields and PT_LOAD segments of `path` (little-endian ARM expected)."""
    data = path.read_bytes()
    ident = data[:16]
    (e_type, e_machine, _version, e_entry, e_phoff, _shoff, _flags, _ehsize, e_phentsize, e_phnum) = struct.unpack_from(
        "<HHIIIIIHHH", data, 16)
    header = {"class": ident[4], "data": ident[5], "type": e_type, "machine": e_machine, "entry": e_entry}
    loads = []
    for i in range(e_phnum):
        p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, _align = struct.unpack_from(
            "<IIIIIIII", data, e_phoff + i * e_phentsize)
        if p_type == 1:
            loads.append({"vaddr": p_vaddr, "filesz": p_filesz, "memsz": p_memsz, "flags": p_flags})
    return header, loads
