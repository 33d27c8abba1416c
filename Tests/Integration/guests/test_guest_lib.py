"""The guest library's formatting, argument parsing and string code, run as an ARM program under qemu-arm."""
import subprocess

from guest_support import BUILD, make


def test_guest_library_checks_pass_under_qemu_arm():
    built = make("tests")
    assert built.returncode == 0, built.stdout + built.stderr
    run = subprocess.run(["qemu-arm", str(BUILD / "tests" / "libtest")], capture_output=True, text=True, timeout=60)
    lines = run.stdout.splitlines()
    failures = [line for line in lines if not line.startswith("ok ")]
    assert failures == ["RESULT ok"], run.stdout
    assert run.returncode == 0
    assert len(lines) > 30  # every check printed a line
