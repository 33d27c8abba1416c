"""Untrusted guest code never crashes the emulator: programs of random words, run as ARM and as Thumb code,
must end the way a guest ends (exit status, or a guest signal that `xenarm cpu run` reports itself, as qemu-arm
does), never with a Swift runtime trap. Random branches may also loop: a timeout is not a crash."""
import random
import subprocess

import pytest

import cpu_suite
import randinsn


@pytest.mark.parametrize("isa", cpu_suite.ISAS)
def test_random_words_as_code_end_as_guest_faults_not_emulator_crashes(xenarm, isa, tmp_path):
    outcomes = {}
    for seed in range(15):
        rng = random.Random(f"garbage:{isa}:{seed}")
        words = "".join(f".word {rng.getrandbits(32)}\n" for _ in range(1024))
        asm = (f".syntax unified\n.{'thumb' if isa == 'thumb' else 'arm'}\n.globl _start\n"
               f".type _start, %function\n_start:\n{words}")
        elf = randinsn.build(asm, isa, tmp_path, f"garbage{seed}")
        try:
            p = subprocess.run([xenarm, "cpu", "run", str(elf)], capture_output=True, timeout=20,
                               stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            outcomes["timeout"] = outcomes.get("timeout", 0) + 1
            continue
        err = p.stderr.decode(errors="replace")
        assert "Fatal error" not in err, f"seed {seed}: {err[-1500:]}"
        if p.returncode < 0 or p.returncode >= 128:
            assert "xenarm: uncaught target signal" in err, f"seed {seed}: status {p.returncode}: {err[-1500:]}"
        outcomes[p.returncode] = outcomes.get(p.returncode, 0) + 1
    assert sum(outcomes.values()) == 15


@pytest.mark.parametrize("isa", cpu_suite.ISAS)
@pytest.mark.parametrize("access", ["ldrh r1, [r0]", "ldr r1, [r0]", "strh r1, [r0]", "str r1, [r0]"])
def test_misaligned_access_to_unmapped_page_zero_is_a_guest_fault_like_qemu(xenarm, isa, access, tmp_path):
    """An odd address in page 0 once hit an empty software-TLB entry (its invalid tag was 1) and crashed the
    emulator; it must be the guest's SIGSEGV, as under qemu-arm."""
    asm = (f".syntax unified\n.{'thumb' if isa == 'thumb' else 'arm'}\n.globl _start\n.type _start, %function\n"
           f"_start:\n    movs r0, #0x35\n    {access}\n    movs r0, #0\n    movs r7, #1\n    svc #0\n")
    elf = randinsn.build(asm, isa, tmp_path, "page0")
    ref = subprocess.run(["qemu-arm", str(elf)], capture_output=True, timeout=60)
    got = subprocess.run([xenarm, "cpu", "run", str(elf)], capture_output=True, timeout=60)
    err = got.stderr.decode(errors="replace")
    assert "Fatal error" not in err and "Program crashed" not in err, err[-1500:]
    assert got.returncode == ref.returncode, err[-1500:]
