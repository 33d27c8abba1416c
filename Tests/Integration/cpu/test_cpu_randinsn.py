"""Random instruction sequences (randinsn.py) against qemu-arm: a bounded run per enabled instruction set,
about 7,000 random instructions each. `make fuzz-cpu N=... SEED=...` runs as many as asked."""
import pytest

import cpu_suite
import randinsn


@pytest.mark.parametrize("isa", cpu_suite.ISAS)
def test_random_instruction_sequences_match_qemu_arm(xenarm, isa, tmp_path):
    reports = randinsn.check(isa, seed=1, programs=3, blocks=100, length=24,
                             candidate=[xenarm, "cpu", "run"], workdir=tmp_path)
    assert not reports, "\n\n".join(reports)


def test_generator_finds_and_bisects_a_planted_difference(tmp_path):
    """The harness itself: a candidate CPU without the divide instructions (qemu-arm -cpu cortex-a8) must be
    reported, bisected to the first SDIV/UDIV item."""
    reports = randinsn.check("arm", seed=7, programs=1, blocks=20, length=24,
                             candidate=["qemu-arm", "-cpu", "cortex-a8"], workdir=tmp_path, max_reports=1)
    assert len(reports) == 1
    marked = [l for l in reports[0].splitlines() if l.lstrip().startswith(">>")]
    assert len(marked) == 1 and "div" in marked[0], reports[0]


def test_generated_programs_are_deterministic_per_seed():
    a = randinsn.render(randinsn.gen_program(5, "arm", 4, 10), "arm")
    b = randinsn.render(randinsn.gen_program(5, "arm", 4, 10), "arm")
    c = randinsn.render(randinsn.gen_program(6, "arm", 4, 10), "arm")
    assert a == b and a != c
