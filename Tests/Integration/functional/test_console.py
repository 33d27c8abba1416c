"""The console path with real processes (docs/console.md): the console-echo guest writes its console ring, the
console backend copies it through the hypervisor bus to the terminal model's log; input typed through
`xenarm console` travels back into the guest's input ring and is echoed."""
import re
import subprocess
import time

import pytest

from console_support import assert_every_line_exactly_once, launch_console, read_log
from launch_support import wait_until


@pytest.fixture
def launches():
    started = []
    yield started
    for launch in started:
        launch.close()


def test_guest_output_arrives_in_the_terminal_log_through_the_backend(xenarm, repo, tmp_path, launches):
    launch, log = launch_console(xenarm, repo, tmp_path, "lines=300")
    launches.append(launch)
    assert launch.wait(120) == 0, launch.text()
    data = read_log(log)
    assert b"CONSOLE ring port=1\n" in data
    assert_every_line_exactly_once(data, 300)
    assert re.search(rb"LINES done count=300\nLINES took ns=\d+\nRESULT ok\n$", data), data[-200:]
    # Through the ring, not console_io: the hypervisor printed only the boot line the guest wrote before the
    # backend had bound the port.
    hypervisor = (tmp_path / "run" / "logs" / "hypervisor.log").read_text()
    assert "line 000001" not in hypervisor and "RESULT ok" not in hypervisor
    # The guest's console log in the run dir is the terminal's log, and it begins with what the guest wrote through
    # console_io before the ring took over (the hypervisor appends it), once, then the ring's bytes.
    console_log = tmp_path / "run" / "console" / "echo.log"
    assert console_log.is_symlink() and console_log.resolve() == log.resolve()
    early = "".join(line[len("[echo] "):] + "\n" for line in hypervisor.splitlines() if line.startswith("[echo] "))
    assert early.startswith("xenarm-minios: domid=1"), hypervisor
    assert data.startswith(early.encode() + b"CONSOLE ring port=1\n"), data[:300]
    assert data.count(b"xenarm-minios:") == 1
    backend = (tmp_path / "run" / "logs" / "cons0.log").read_text()
    assert "bound domain 1 console port 1" in backend
    assert "copy_errors=0" in backend and "ring_errors=0" in backend


def test_input_typed_through_xenarm_console_reaches_the_guest_which_echoes_it(xenarm, repo, tmp_path, launches):
    launch, log = launch_console(xenarm, repo, tmp_path, "lines=3 echo=2")
    launches.append(launch)
    wait_until(lambda: b"LINES done" in read_log(log), timeout=60, what="the guest's output")
    console = subprocess.Popen([xenarm, "console", "echo", "--run-dir", str(tmp_path / "run"), "--linger", "20"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        console.stdin.write(b"hello through the ring\n")
        console.stdin.flush()
        time.sleep(0.3)
        console.stdin.write(b"second line\n")
        console.stdin.close()
        assert launch.wait(60) == 0, launch.text()
    finally:
        console.terminate()
        console.wait(10)
    out, err = console.stdout.read(), console.stderr.read()
    data = read_log(log)
    assert b"echo: hello through the ring\necho: second line\nRESULT ok\n" in data, data[-300:]
    # The attached user saw the scrollback (the numbered lines) and the echoes live.
    assert b"line 000001" in out and b"echo: second line" in out, (out[-300:], err)


def test_console_names_an_unknown_domain_in_one_line(xenarm, repo, tmp_path, launches):
    launch, log = launch_console(xenarm, repo, tmp_path, "lines=1 echo=1")
    launches.append(launch)
    wait_until(lambda: b"LINES done" in read_log(log), timeout=60, what="the guest's output")
    result = subprocess.run([xenarm, "console", "nosuch", "--run-dir", str(tmp_path / "run")], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 1
    assert "no console for domain nosuch" in result.stderr and result.stderr.count("\n") == 1


def test_a_guest_writing_garbage_ring_indices_is_counted_and_its_console_carries_on(xenarm, repo, tmp_path, launches):
    launch, log = launch_console(xenarm, repo, tmp_path, "lines=50 garbage=1")
    launches.append(launch)
    assert launch.wait(120) == 0, launch.text()
    data = read_log(log)
    assert b"GARBAGE written\n" in data
    assert_every_line_exactly_once(data, 50)
    assert data.endswith(b"RESULT ok\n")
    backend = (tmp_path / "run" / "logs" / "cons0.log").read_text()
    assert "out_prod - out_cons = 100000 > 2048" in backend
    assert "ring_errors=1 " in backend or "ring_errors=1\n" in backend, backend[-400:]


def test_on_a_tty_xenarm_console_sends_keys_raw_and_ctrl_close_bracket_detaches(xenarm, repo, tmp_path, launches):
    import os
    import pty
    import select

    launch, log = launch_console(xenarm, repo, tmp_path, "lines=2 echo=1")
    launches.append(launch)
    wait_until(lambda: b"LINES done" in read_log(log), timeout=60, what="the guest's output")
    master, slave = pty.openpty()
    console = subprocess.Popen([xenarm, "console", "echo", "--run-dir", str(tmp_path / "run")],
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
        assert read_until(b"Ctrl-] detaches"), seen
        # Raw mode: Enter arrives as "\r" (no line discipline translating it), which ends the guest's line.
        os.write(master, b"typed on a tty\r")
        assert read_until(b"echo: typed on a tty"), seen
        os.write(master, b"\x1d")
        assert console.wait(10) == 0
        assert read_until(b"[detached]", timeout=2), seen
    finally:
        if console.poll() is None:
            console.kill()
        os.close(master)
    assert launch.wait(60) == 0, launch.text()
