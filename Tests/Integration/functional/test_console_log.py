"""Every guest's console in the run dir (docs/console.md, "Every guest's console in the run dir"): a guest without a
console backend writes through console_io, and its log RUN/console/NAME.log holds exactly those bytes;
`xenarm console NAME` follows that log read-only (saying why on stderr), `--no-follow`/`--tail` print it; an unknown
NAME lists the guests; `xenarm status` says where each guest's console is. The console-backend path (the log is the
terminal's log) is covered in test_console.py and restart/test_console_restart.py."""
import json
import os
import pty
import re
import select
import subprocess
import time

import pytest

from launch_support import Launch, copy_topology, wait_until
from console_support import numbered_lines

LINE_TEXT = "line {:06d} the quick brown fox jumps over the lazy dog {:08x}\n"


@pytest.fixture
def launches():
    started = []
    yield started
    for launch in started:
        launch.close()


def expected_line(n: int) -> bytes:
    return LINE_TEXT.format(n, (n * 2654435761) & 0xFFFFFFFF).encode()


def talker_topology(repo, tmp_path, args):
    """One guest, console-echo, and no console backend: its console is console_io only."""
    topology = tmp_path / "talker.yaml"
    topology.write_text(f"""name: talker
machine:
  memory: 32MiB
  hypervisor_reserve: 8MiB
domains:
  - name: talker
    memory: 4MiB
    kernel: {repo}/Guests/build/console-echo.elf
    args: "{args}"
""")
    return topology


def test_a_console_io_guest_s_log_holds_exactly_its_output_and_nothing_else(xenarm, repo, tmp_path):
    top = copy_topology(repo, "guests.yaml", tmp_path, **{"../Guests/build/": f"{repo}/Guests/build/"})
    result = subprocess.run([xenarm, "launch", str(top), "--run-dir", str(tmp_path / "run")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    run = tmp_path / "run"
    index = json.loads((run / "consoles.json").read_text())
    assert [(c["name"], c["id"], c["log"]) for c in index] == [
        ("hello", 1, str(run / "console" / "hello.log")), ("compute", 2, str(run / "console" / "compute.log"))]
    hypervisor = (run / "logs" / "hypervisor.log").read_text()
    for name in ("hello", "compute"):
        data = (run / "console" / f"{name}.log").read_bytes()
        # Byte for byte what the hypervisor printed as `[NAME] line` (the guests write no \r), and only that.
        lines = [line[len(name) + 3:] for line in hypervisor.splitlines() if line.startswith(f"[{name}] ")]
        assert data == "".join(line + "\n" for line in lines).encode(), (name, data[-300:])
        assert data.startswith(b"xenarm-minios: domid="), data[:100]
        assert data.endswith(b"RESULT ok\n"), data[-100:]
    assert b"Hello from application first (pid 1) in virtual user mode\n" in (run / "console" / "hello.log").read_bytes()


def test_a_guest_without_a_console_backend_logs_every_byte_in_order(xenarm, repo, tmp_path, launches):
    launch = Launch(xenarm, talker_topology(repo, tmp_path, "lines=500 wait=0"), tmp_path / "run")
    launches.append(launch)
    assert launch.wait(180) == 0, launch.text()
    data = (tmp_path / "run" / "console" / "talker.log").read_bytes()
    assert numbered_lines(data) == list(range(1, 501))
    start = data.index(b"line 000001")
    assert data[start:data.index(b"LINES done")] == b"".join(expected_line(n) for n in range(1, 501))
    assert data.startswith(b"xenarm-minios: domid=1") and b"CONSOLE ring port=" in data
    assert re.search(rb"LINES done count=500\nLINES took ns=\d+\nRESULT ok\n$", data), data[-200:]


def test_xenarm_console_follows_a_guest_without_a_terminal_read_only_and_status_says_where(xenarm, repo, tmp_path,
                                                                                          launches):
    launch = Launch(xenarm, talker_topology(repo, tmp_path, "lines=400 delay=20000 wait=0"), tmp_path / "run")
    launches.append(launch)
    run = tmp_path / "run"
    log = run / "console" / "talker.log"
    wait_until(lambda: log.exists() and b"line 000003" in log.read_bytes(), timeout=60, what="the guest's output")
    console = subprocess.Popen([xenarm, "console", "talker", "--run-dir", str(run)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        seen = b""
        deadline = time.monotonic() + 60
        # Live output: lines printed after it attached arrive too.
        while b"line 000030" not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([console.stdout], [], [], 0.5)
            if ready:
                chunk = os.read(console.stdout.fileno(), 4096)
                if not chunk:
                    break
                seen += chunk
        assert b"line 000030" in seen, seen[-300:]
        status = subprocess.run([xenarm, "status", "--run-dir", str(run)], capture_output=True, text=True,
                                timeout=30)
        row = [line for line in status.stdout.splitlines() if line.split()[:2] == ["talker", "1"]]
        assert row and f"log {log} (read-only)" in row[0], status.stdout
    finally:
        console.terminate()
        console.wait(10)
    err = console.stderr.read().decode()
    assert f"[following {log} read-only: talker has no console backend" in err, err
    assert "no input path" in err
    # What it printed is the log's own bytes, from the start (the log is shorter than the 16 KiB scrollback).
    assert log.read_bytes().startswith(seen)
    numbers = numbered_lines(seen)
    assert numbers == list(range(1, len(numbers) + 1)), numbers[:40]


def test_on_a_tty_ctrl_close_bracket_detaches_from_a_followed_log(xenarm, repo, tmp_path, launches):
    launch = Launch(xenarm, talker_topology(repo, tmp_path, "lines=2000 delay=20000 wait=0"), tmp_path / "run")
    launches.append(launch)
    run = tmp_path / "run"
    log = run / "console" / "talker.log"
    wait_until(lambda: log.exists() and b"line 000002" in log.read_bytes(), timeout=60, what="the guest's output")
    master, slave = pty.openpty()
    console = subprocess.Popen([xenarm, "console", "talker", "--run-dir", str(run)],
                               stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    seen = b""

    def read_until(marker, timeout=30):
        nonlocal seen
        deadline = time.monotonic() + timeout
        while marker not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    seen += os.read(master, 4096)
                except OSError:
                    break
        return marker in seen

    try:
        assert read_until(b"Ctrl-] or Ctrl-C detaches"), seen
        assert read_until(b"line 000005"), seen[-300:]
        os.write(master, b"typed\x1d")
        assert console.wait(10) == 0
        assert read_until(b"[detached]", timeout=2), seen[-300:]
    finally:
        if console.poll() is None:
            console.kill()
        os.close(master)


def test_no_follow_and_tail_print_the_log_and_an_unknown_name_lists_the_guests(xenarm, repo, tmp_path, launches):
    launch = Launch(xenarm, talker_topology(repo, tmp_path, "lines=20 wait=0"), tmp_path / "run")
    launches.append(launch)
    assert launch.wait(120) == 0, launch.text()
    run = tmp_path / "run"
    data = (run / "console" / "talker.log").read_bytes()
    whole = subprocess.run([xenarm, "console", "talker", "--no-follow", "--run-dir", str(run)],
                           capture_output=True, timeout=30)
    assert whole.returncode == 0 and whole.stdout == data, whole.stderr
    by_id = subprocess.run([xenarm, "console", "1", "--no-follow", "--tail", "3", "--run-dir", str(run)],
                           capture_output=True, timeout=30)
    assert by_id.returncode == 0, by_id.stderr
    assert by_id.stdout == b"\n".join(data.split(b"\n")[-4:]), by_id.stdout
    assert by_id.stdout.endswith(b"RESULT ok\n") and by_id.stdout.startswith(b"LINES done count=20\n")
    unknown = subprocess.run([xenarm, "console", "nosuch", "--run-dir", str(run)], capture_output=True, text=True,
                             timeout=30)
    assert unknown.returncode == 1
    assert "no console for domain nosuch" in unknown.stderr and "its guests: talker (id 1)" in unknown.stderr
    assert unknown.stderr.count("\n") == 1
