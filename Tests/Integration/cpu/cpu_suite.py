"""The one switch deciding which instruction sets take part in the CPU differential suite.

Thumb joins (corpus variants thumb-O0/thumb-O2 and random T32 sequences) once `xenarm cpu run` passes them;
until then they are not collected at all, rather than skipped or expected to fail."""
import os
import pathlib
import subprocess

ISAS = ["arm", "thumb"]

VARIANTS = [f"{isa}-{opt}" for isa in ISAS for opt in ("O0", "O2")]

HERE = pathlib.Path(__file__).resolve().parent
WORK = HERE.parent / ".work" / "cpu"


def build_corpus() -> pathlib.Path:
    """Builds every corpus ELF (all four variants; make does nothing when they are fresh)."""
    subprocess.run(["make", "-s", "-C", str(HERE), f"-j{os.cpu_count() or 1}"], check=True)
    return WORK
