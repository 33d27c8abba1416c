"""kill -9 of the console backend, and separately of the terminal model, while the guest prints numbered lines
(docs/console.md, "Restart"): the launcher restarts the victim, the guest keeps running, and the terminal's log
holds every line exactly once, in order."""
import re
import time

import pytest

from console_support import assert_every_line_exactly_once, launch_console, numbered_lines, read_log
from launch_support import wait_until  # console_support put it on the path

LINES = 4000


@pytest.fixture
def launches():
    started = []
    yield started
    for launch in started:
        launch.close()


def kill_during_output(xenarm, repo, tmp_path, launches, victim, kills=3):
    launch, log = launch_console(xenarm, repo, tmp_path, f"lines={LINES} delay=1000")
    launches.append(launch)
    launch.wait_ready("term0", "cons0", "hypervisor", timeout=30)
    for k in range(kills):
        # Mid-output: more lines than before, far from the end.
        target = (k + 1) * LINES // (kills + 2)
        wait_until(lambda: len(numbered_lines(read_log(log))) >= target, timeout=60, what=f"{target} lines")
        assert b"LINES done" not in read_log(log), "the guest finished before the kill"
        before = launch.process_state(victim)["restarts"]
        if k == 1:
            # Frozen first, so that output is certainly in flight when it dies: the backend's chunk to a frozen
            # terminal goes unanswered (it times out and asks again); a frozen backend leaves the ring filling up.
            launch.cli("kill", victim, "--signal", "STOP")
            time.sleep(1.5)
        launch.cli("kill", victim, "--signal", "KILL")
        wait_until(lambda: launch.process_state(victim)["restarts"] == before + 1
                   and launch.process_state(victim)["state"] == "ready", timeout=30, what=f"{victim} restarted")
    assert launch.wait(180) == 0, launch.text()[-3000:]
    data = read_log(log)
    assert_every_line_exactly_once(data, LINES)
    # RUN/console/echo.log is that same log: the console_io boot output first (once), then the ring's bytes.
    assert (tmp_path / "run" / "console" / "echo.log").read_bytes() == data
    assert data.startswith(b"xenarm-minios: domid=1") and data.count(b"xenarm-minios:") == 1
    assert re.search(rb"LINES done count=%d\nLINES took ns=\d+\nRESULT ok\n$" % LINES, data), data[-200:]
    return launch


def test_kill9_of_the_console_backend_during_output_loses_and_repeats_no_line(xenarm, repo, tmp_path, launches):
    launch = kill_during_output(xenarm, repo, tmp_path, launches, "cons0")
    backend = (tmp_path / "run" / "logs" / "cons0.log").read_text()
    assert backend.count("bound domain 1 console port 1") == 4  # the first start and three restarts


def test_kill9_of_the_terminal_model_during_output_loses_and_repeats_no_line(xenarm, repo, tmp_path, launches):
    launch = kill_during_output(xenarm, repo, tmp_path, launches, "term0")
    assert launch.process_state("cons0")["restarts"] == 0
    # The frozen terminal left the backend's chunk unanswered: it gave up on it and resumed from the log length.
    assert "terminal_timeouts=0" not in (tmp_path / "run" / "logs" / "cons0.log").read_text()
