"""The T32 decode tables against everything clang emits: each instruction of the Thumb corpus builds (and of a
random Thumb program) must decode through a table row, named by `xenarm decode`."""
import cpu_suite
import randinsn
import t32coverage


def test_every_instruction_of_the_thumb_corpus_has_a_decode_row(xenarm):
    work = cpu_suite.build_corpus()
    elfs = sorted((work / "thumb-O0").glob("*.elf")) + sorted((work / "thumb-O2").glob("*.elf"))
    insns = [e for elf in elfs for e in t32coverage.thumb_encodings(elf)]
    assert len(insns) > 5000
    decoded = t32coverage.decode(xenarm, [e for e, _ in insns])
    missing = sorted({f"{e} ({mn})" for e, mn in insns if decoded[e][0] == "-" or decoded[e][1] == "undefined"})
    assert missing == []


def test_every_instruction_of_a_random_thumb_program_has_a_decode_row(xenarm, tmp_path):
    program = randinsn.gen_program(11, "thumb", 60, 24)
    elf = randinsn.build(randinsn.render(program, "thumb"), "thumb", tmp_path, "t32")
    insns = t32coverage.thumb_encodings(elf)
    decoded = t32coverage.decode(xenarm, [e for e, _ in insns])
    missing = sorted({f"{e} ({mn})" for e, mn in insns if decoded[e][0] == "-" or decoded[e][1] == "undefined"})
    assert missing == []
    assert len({decoded[e][0] for e, _ in insns}) > 100   # the generator reaches most of the table


def test_decode_names_rows_and_marks_unmatched_encodings(xenarm):
    import subprocess
    out = subprocess.run([xenarm, "decode", "--isa", "thumb", "1cd1", "f00221ff", "ee300a20"], capture_output=True,
                         text=True, check=True).stdout.splitlines()
    assert out == ["1cd1\tADD (immediate) T1\tadd", "f00221ff\tAND (immediate) T1\tand", "ee300a20\t-\tundefined"]
