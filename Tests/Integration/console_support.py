"""Helpers for the console tests (docs/console.md): launch Topologies/console.yaml with the console-echo guest
under a temporary run dir, and read the terminal's log."""
import pathlib
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "functional"))  # launch_support, from any folder
from launch_support import Launch  # noqa: E402

LINE = re.compile(rb"^line (\d{6}) the quick brown fox jumps over the lazy dog ([0-9a-f]{8})$")


def launch_console(xenarm, repo: pathlib.Path, tmp_path: pathlib.Path, args: str, restart_backoff="50ms"):
    """Starts `xenarm launch` on a copy of Topologies/console.yaml whose guest runs with ARGS and whose terminal
    logs to TMP/term0.log. Returns (launch, log path)."""
    text = (repo / "Topologies" / "console.yaml").read_text()
    log = tmp_path / "term0.log"
    replacements = {
        "../Guests/build/console-echo.elf": str(repo / "Guests" / "build" / "console-echo.elf"),
        "../run/console/term0.log": str(log),
        'args: "lines=200 echo=0"': f'args: "{args}"',
    }
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    topology = tmp_path / "console.yaml"
    topology.write_text(text)
    return Launch(xenarm, topology, tmp_path / "run"), log


def read_log(log: pathlib.Path) -> bytes:
    return log.read_bytes() if log.exists() else b""


def numbered_lines(data: bytes) -> list[int]:
    """The numbers of the guest's `line NNNNNN ...` lines, in log order; fails on a damaged numbered line."""
    numbers = []
    for raw in data.split(b"\n")[:-1]:  # complete lines only: the log may be read mid-line
        if raw.startswith(b"line "):
            m = LINE.match(raw)
            assert m, f"damaged line in the log: {raw!r}"
            n = int(m.group(1))
            assert int(m.group(2), 16) == (n * 2654435761) & 0xFFFFFFFF, f"wrong payload: {raw!r}"
            numbers.append(n)
    return numbers


def assert_every_line_exactly_once(data: bytes, count: int):
    numbers = numbered_lines(data)
    missing = sorted(set(range(1, count + 1)) - set(numbers))
    repeated = sorted({n for n in numbers if numbers.count(n) > 1}) if len(numbers) != len(set(numbers)) else []
    assert not missing and not repeated, f"missing {missing[:20]} repeated {repeated[:20]} of {count}"
    assert numbers == list(range(1, count + 1)), "lines out of order"
