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


def launch(xenarm: str, topology: pathlib.Path, run_dir: pathlib.Path, timeout: float = 180) -> tuple[int, dict, str]:
    """Runs `xenarm launch` to the end. Returns its exit status, each domain's console lines ("[name] line"
    in the launcher's output, prefix removed) and the whole output."""
    result = subprocess.run([xenarm, "launch", str(topology), "--run-dir", str(run_dir)], capture_output=True,
                            text=True, timeout=timeout)
    output = result.stdout + result.stderr
    lines: dict[str, list[str]] = {}
    for line in output.splitlines():
        if line.startswith("[") and "] " in line and not line[1:2].isspace() and not line[1:2].isdigit():
            name, text = line[1:].split("] ", 1)
            lines.setdefault(name, []).append(text)
    return result.returncode, lines, output


def fields(line: str) -> dict[str, str]:
    """The key=value words of a probe line."""
    return dict(word.split("=", 1) for word in line.split() if "=" in word)


def write_topology(path: pathlib.Path, domains: list[dict], memory: str = "128MiB") -> pathlib.Path:
    """A topology with only guest domains (absolute kernel paths)."""
    text = [f"name: {path.stem}", "machine:", f"  memory: {memory}", "  hypervisor_reserve: 16MiB", "domains:"]
    for d in domains:
        text.append(f"  - name: {d['name']}")
        text.append(f"    memory: {d.get('memory', '8MiB')}")
        text.append(f"    kernel: {BUILD / (d['program'] + '.elf')}")
        if "args" in d:
            text.append(f"    args: \"{d['args']}\"")
    path.write_text("\n".join(text) + "\n")
    return path
