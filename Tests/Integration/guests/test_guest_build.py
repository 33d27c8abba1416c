"""The guest build: warning-free (-Wall -Werror) ARM ELF executables linked at the start of guest RAM."""
import subprocess

from guest_support import BUILD, GUESTS, PROGRAMS, make, program_headers

RAM_BASE = 0x40000000
USER_WINDOW = 0x00100000  # the linker script starts the user window at the next MiB after the kernel


def test_every_guest_builds_without_warnings():
    result = make("all")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning" not in (result.stdout + result.stderr).lower()


def test_each_guest_is_an_arm_elf32_executable_entered_at_ram_base():
    make("all")
    for name in ["hello-min"] + PROGRAMS:
        header, loads = program_headers(BUILD / f"{name}.elf")
        assert (header["class"], header["data"], header["type"], header["machine"]) == (1, 1, 2, 40), name
        assert header["entry"] == RAM_BASE, name
        assert loads and all(RAM_BASE <= seg["vaddr"] < RAM_BASE + 0x400000 for seg in loads), name


def test_kernel_programs_keep_application_code_in_the_user_window():
    make("all")
    header, loads = program_headers(BUILD / "hello.elf")
    executable = [seg["vaddr"] for seg in loads if seg["flags"] & 1]
    # One executable segment for the kernel at RAM base, one for applications in the user window.
    assert RAM_BASE in executable
    assert any(addr >= RAM_BASE + USER_WINDOW and addr % USER_WINDOW == 0 for addr in executable)
    symbols = subprocess.run(["llvm-nm", str(BUILD / "hello.elf")], capture_output=True, text=True, check=True).stdout
    table = {line.split()[2]: int(line.split()[0], 16) for line in symbols.splitlines() if len(line.split()) == 3}
    assert table["hello_main"] >= table["__user_start"]
    assert table["kernel_boot"] < table["__kernel_end"] <= table["__user_start"]


def test_abi_mismatch_fails_the_build(tmp_path):
    """kernel/abi.c pins the shared layouts: a wrong expectation is a compile error, not a silent difference."""
    probe = tmp_path / "abi_wrong.c"
    probe.write_text('#include <stddef.h>\n#include "kernel.h"\n'
                     '_Static_assert(offsetof(struct xenarm_trap_frame, pc) == 64, "pc");\n')
    make("all")
    flags = ["clang", "--target=armv7a-none-eabi", "-ffreestanding", "-fsyntax-only", "-isystem", str(BUILD / "include"),
             "-I", str(GUESTS / "include"), "-I", str(GUESTS / "kernel"), str(probe)]
    result = subprocess.run(flags, capture_output=True, text=True)
    assert result.returncode != 0 and "static assertion failed" in result.stderr
    result = subprocess.run(flags[:-1] + [str(GUESTS / "kernel" / "abi.c")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
