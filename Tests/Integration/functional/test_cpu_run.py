"""`xenarm cpu run`: same stdout and exit status as qemu-arm on small compiled programs; bad input exits 2."""
import pathlib
import subprocess

import pytest

CLANG = "/opt/swift/usr/bin/clang"
FLAGS = ["--target=armv7a-none-eabi", "-mcpu=cortex-a15", "-mfloat-abi=soft", "-mfpu=none",
         "-ffreestanding", "-nostdlib", "-fuse-ld=lld", "-static"]

RUNTIME = r"""
static int sys3(int n, int a, int b, int c) {
  register int r0 asm("r0") = a; register int r1 asm("r1") = b; register int r2 asm("r2") = c;
  register int r7 asm("r7") = n;
  asm volatile("svc 0" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r7) : "memory");
  return r0;
}
static int slen(const char *s) { int n = 0; while (s[n]) n++; return n; }
static void out(const char *s) { sys3(4, 1, (int)s, slen(s)); }
static void outu(unsigned v) { char b[12]; int i = 11; b[i] = 0; do { b[--i] = '0' + v % 10; v /= 10; } while (v); out(b + i); }
int main(int argc, char **argv);
__attribute__((naked)) void _start(void) {
  asm volatile("ldr r0, [sp]\n add r1, sp, #4\n bl main\n mov r7, #248\n svc 0\n");
}
"""

PROGRAM = RUNTIME + r"""
static unsigned crc32(const unsigned char *p, int n) {
  unsigned c = 0xffffffff;
  for (int i = 0; i < n; i++) { c ^= p[i]; for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320 & -(c & 1)); }
  return ~c;
}
static long long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
int main(int argc, char **argv) {
  static unsigned char data[4096];
  for (int i = 0; i < 4096; i++) data[i] = (unsigned char)(i * 31 + 7);
  out("crc "); outu(crc32(data, 4096)); out("\n");
  out("fib "); outu((unsigned)fib(24)); out("\n");
  for (int i = 0; i < argc; i++) { out(argv[i]); out("|"); }
  out("\n");
  long long a = -123456789012345LL * argc; out("mul64 "); outu((unsigned)(a * 7 >> 20)); out(" "); outu((unsigned)(a >> 33)); out("\n");
  int q = -1000003 * argc; out("div "); outu((unsigned)(q / 7)); out(" "); outu((unsigned)(q % 7)); out(" "); outu(4000000000u / (unsigned)argc); out("\n");
  return argc + 40;
}
"""


def build(tmp: pathlib.Path, name: str, source: str, extra=()) -> pathlib.Path:
    src = tmp / f"{name}.c"
    src.write_text(source)
    elf = tmp / name
    subprocess.run([CLANG, *FLAGS, *extra, str(src), "-o", str(elf)], check=True)
    return elf


@pytest.mark.parametrize("opt", ["-O0", "-O2"])
def test_cpu_run_matches_qemu_arm_output_and_status(xenarm, tmp_path, opt):
    elf = build(tmp_path, "prog", PROGRAM, [opt])
    args = ["alpha", "-b", "--gamma"]
    ref = subprocess.run(["qemu-arm", str(elf), *args], capture_output=True, timeout=60)
    got = subprocess.run([xenarm, "cpu", "run", str(elf), *args], capture_output=True, timeout=60)
    assert got.stdout == ref.stdout
    assert got.returncode == ref.returncode == 44


def test_stats_go_to_stderr_and_leave_stdout_alone(xenarm, tmp_path):
    elf = build(tmp_path, "prog", PROGRAM, ["-O2"])
    ref = subprocess.run(["qemu-arm", str(elf)], capture_output=True, timeout=60)
    got = subprocess.run([xenarm, "cpu", "run", str(elf), "--stats"], capture_output=True, timeout=60)
    assert got.stdout == ref.stdout
    assert got.returncode == ref.returncode
    err = got.stderr.decode()
    assert "instructions retired:" in err and "MIPS:" in err
    retired = int(err.split("instructions retired:")[1].split()[0])
    assert retired > 100_000


def test_a_wild_store_dies_of_sigsegv_like_qemu(xenarm, tmp_path):
    elf = build(tmp_path, "segv", RUNTIME + "int main(int c, char **v) { *(volatile int *)0x30000000 = 1; return 0; }", ["-O2"])
    ref = subprocess.run(["qemu-arm", str(elf)], capture_output=True, timeout=60)
    got = subprocess.run([xenarm, "cpu", "run", str(elf)], capture_output=True, timeout=60)
    assert got.returncode == ref.returncode == -11
    assert b"Segmentation fault" in got.stderr


def test_unsupported_syscall_is_named_and_gets_enosys(xenarm, tmp_path):
    elf = build(tmp_path, "nosys", RUNTIME + "int main(int c, char **v) { return -sys3(322, 0, 0, 0); }", ["-O2"])
    got = subprocess.run([xenarm, "cpu", "run", str(elf)], capture_output=True, timeout=60)
    assert got.returncode == 38
    assert b"unsupported syscall openat (322)" in got.stderr


@pytest.mark.parametrize("case", ["missing", "truncated", "not_arm", "dynamic", "directory"])
def test_bad_programs_get_one_clear_line_and_status_2(xenarm, tmp_path, case):
    if case == "missing":
        path = tmp_path / "nope.elf"
    elif case == "directory":
        path = tmp_path
    elif case == "truncated":
        good = build(tmp_path, "prog", PROGRAM, ["-O2"])
        path = tmp_path / "trunc.elf"
        path.write_bytes(good.read_bytes()[:40])
    elif case == "not_arm":
        path = pathlib.Path("/bin/true")
    else:
        good = build(tmp_path, "prog", PROGRAM, ["-O2"])
        data = bytearray(good.read_bytes())
        phoff = int.from_bytes(data[28:32], "little")
        data[phoff:phoff + 4] = (3).to_bytes(4, "little")  # first program header becomes PT_INTERP
        path = tmp_path / "dyn.elf"
        path.write_bytes(bytes(data))
    got = subprocess.run([xenarm, "cpu", "run", str(path)], capture_output=True, timeout=60)
    assert got.returncode == 2
    lines = got.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("xenarm:")
    assert got.stdout == b""
