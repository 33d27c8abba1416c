"""Helpers for the hypervisor's integration tests: topologies over the real guest ELFs (Guests/build, built by
`make guests`), `xenarm hypervisor` and `xenarm launch` runs, and parsing their console and end lines."""
import pathlib
import re
import subprocess

REPO = pathlib.Path(__file__).resolve().parents[2]
GUESTS = REPO / "Guests" / "build"
CLANG = "/opt/swift/usr/bin/clang"

# `hypervisor: domain NAME (id N) ended: REASON (k=v ...)`
END = re.compile(r"^\S+: domain (\S+) \(id (\d+)\) ended: (.*) \((instructions=.*)\)$")
CONSOLE = re.compile(r"^\[([^\]\s]+)\] (.*)$")


def ensure_guests() -> None:
    """Builds the guests if needed (`make test` has already, this keeps a single test runnable alone)."""
    result = subprocess.run(["make", "-s", "-C", str(REPO / "Guests")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def guest(name: str) -> str:
    path = GUESTS / f"{name}.elf"
    assert path.exists(), f"{path} missing: run `make guests`"
    return str(path)


def topology(directory: pathlib.Path, domains: list, name: str = "hvtest", memory: str = "128MiB",
             pcpus: int | None = None) -> pathlib.Path:
    """Writes a topology of `domains` (dicts: name, kernel, memory, args, cap, weight) and returns its path."""
    lines = [f"name: {name}", "machine:", f"  memory: {memory}", "  hypervisor_reserve: 16MiB"]
    if pcpus is not None:
        lines.append(f"  pcpus: {pcpus}")
    lines.append("domains:")
    for d in domains:
        lines.append(f"  - name: {d['name']}")
        lines.append(f"    memory: {d.get('memory', '4MiB')}")
        lines.append(f"    kernel: {d['kernel']}")
        for key in ("args", "cap", "weight"):
            if key in d:
                value = d[key]
                lines.append(f'    {key}: "{value}"' if key == "args" else f"    {key}: {value}")
    path = directory / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


class HypervisorRun:
    """One `xenarm hypervisor` run to completion: exit status, console lines per domain, end reason per domain."""

    def __init__(self, xenarm: str, topology_path: pathlib.Path, *extra: str, timeout: float = 120):
        result = subprocess.run([xenarm, "hypervisor", "--name", "hypervisor", "--topology", str(topology_path),
                                 *extra], capture_output=True, text=True, timeout=timeout)
        self.returncode = result.returncode
        self.stdout = result.stdout
        self.stderr = result.stderr
        self.console: dict[str, list[str]] = {}
        self.ends: dict[str, tuple[str, dict]] = {}
        for line in result.stdout.splitlines():
            m = END.match(line)
            if m:
                counters = dict(kv.split("=", 1) for kv in (m.group(4) or "").split())
                self.ends[m.group(1)] = (m.group(3), {k: int(v) for k, v in counters.items()})
                continue
            m = CONSOLE.match(line)
            if m:
                self.console.setdefault(m.group(1), []).append(m.group(2))

    def describe(self) -> str:
        return f"exit {self.returncode}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}"


def assemble(directory: pathlib.Path, name: str, source: str) -> str:
    """A tiny guest kernel from ARM assembly, linked at the guest RAM base (for cases no guest program covers)."""
    src = directory / f"{name}.S"
    src.write_text(".syntax unified\n.arm\n.text\n.global _start\n" + source + "\n")
    script = directory / f"{name}.ld"
    script.write_text("ENTRY(_start)\nSECTIONS { . = 0x40000000; .text : { *(.text*) } .data : { *(.data*) }"
                      " .bss : { *(.bss*) } }\n")
    elf = directory / f"{name}.elf"
    result = subprocess.run([CLANG, "--target=armv7a-none-eabi", "-nostdlib", "-fuse-ld=lld", "-static",
                             f"-Wl,-T,{script}", "-Wl,-N", "-o", str(elf), str(src)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return str(elf)


def copy_shipped_topology(name: str, directory: pathlib.Path, **replace: str) -> pathlib.Path:
    """Topologies/NAME copied into DIRECTORY with text replacements (each must occur)."""
    text = (REPO / "Topologies" / name).read_text()
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    target = directory / name
    target.write_text(text)
    return target
