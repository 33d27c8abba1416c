"""Corpus differential test: every corpus program, in every enabled variant (cpu_suite.VARIANTS), must give
the same stdout and exit status under `qemu-arm` (the reference) and `xenarm cpu run`."""
import pathlib
import subprocess

import pytest

import cpu_suite

CORPUS = sorted(p.stem for p in (cpu_suite.HERE / "corpus").glob("*.c"))

# Arguments per program (others run with none); args.c checks argv/argc layout and the exit status.
ARGS = {"args": ["12", "-5", "abc", "", "1000"], "arith": ["x"]}


@pytest.fixture(scope="session")
def corpus_dir() -> pathlib.Path:
    return cpu_suite.build_corpus()


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, timeout=120)
    return p.stdout, p.returncode, p.stderr.decode(errors="replace")


def test_corpus_has_the_programs_the_suite_expects():
    assert {"arith", "bits", "control", "structs", "crc", "sort", "numbers", "args"} <= set(CORPUS)


@pytest.mark.parametrize("variant", cpu_suite.VARIANTS)
@pytest.mark.parametrize("program", CORPUS)
def test_corpus_program_matches_qemu_arm(xenarm, corpus_dir, program, variant):
    elf = corpus_dir / variant / f"{program}.elf"
    args = ARGS.get(program, [])
    ref_out, ref_status, ref_err = run(["qemu-arm", str(elf), *args])
    assert ref_out, f"qemu-arm printed nothing for {elf}: {ref_err}"
    out, status, err = run([xenarm, "cpu", "run", str(elf), *args])
    assert (out.decode(errors="replace"), status) == (ref_out.decode(errors="replace"), ref_status), err
