"""The supervisor with real processes (docs/launcher.md): `xenarm launch` on Topologies/supervised-disk.yaml, a disk
model killed mid-workload, a crash loop, SIGKILL of the launcher, `xenarm stop`/`restart`."""
import json
import os
import signal
import subprocess
import time

import pytest

from launch_support import Launch, copy_topology, pid_is_running, wait_until

TOPOLOGY = "supervised-disk.yaml"


@pytest.fixture
def launches():
    started = []
    yield started
    for launch in started:
        launch.close()


def start(xenarm, repo, tmp_path, launches, *extra, **replace):
    topology = copy_topology(repo, TOPOLOGY, tmp_path, **replace)
    launch = Launch(xenarm, topology, tmp_path / "run", *extra)
    launches.append(launch)
    return launch


def test_launch_runs_the_workload_and_exits_zero_when_it_passed(xenarm, repo, tmp_path, launches):
    launch = start(xenarm, repo, tmp_path, launches, **{"requests: 3000": "requests: 300"})
    assert launch.wait() == 0, launch.text()
    events = [(who, what) for _, who, what in launch.events()]
    order = [e for e in events if e[0] != "launcher" and e[1].startswith(("started", "ready", "exited", "stopped"))]
    assert [who for who, _ in order] == ["disk0", "disk0", "exercise", "exercise", "exercise", "disk0"], order
    assert ("exercise", "exited: exit 0") in events
    assert ("launcher", "all 1 workloads ended successfully") in events
    state = launch.state()
    assert {p["name"]: p["state"] for p in state["processes"]} == {"disk0": "stopped", "exercise": "exited"}
    assert "PASS" in (tmp_path / "run" / "logs" / "exercise.log").read_text()
    assert "serving" in (tmp_path / "run" / "logs" / "disk0.log").read_text()
    assert not (tmp_path / "run" / "control.ipc").exists()


def test_status_shows_every_process_ready_with_its_counters(xenarm, repo, tmp_path, launches):
    launch = start(xenarm, repo, tmp_path, launches, **{"requests: 3000": "requests: 200000"})
    launch.wait_ready("disk0", "exercise")
    wait_until(lambda: launch.process_state("disk0")["counters"].get("requests", 0) > 0, what="metrics")
    status = json.loads(launch.cli("status", "--json").stdout)
    assert status["topology"] == "supervised-disk"
    assert status["launcherPid"] == launch.process.pid
    table = {p["name"]: p for p in status["processes"]}
    assert table["disk0"]["kind"] == "device disk" and table["exercise"]["kind"] == "workload disk-exercise"
    for p in table.values():
        assert p["state"] == "ready" and p["restarts"] == 0 and pid_is_running(p["pid"])
        assert p["uptimeSeconds"] > 0
    assert {"requests", "bytes", "errors", "malformed"} <= table["disk0"]["counters"].keys()
    text = launch.cli("status").stdout
    lines = text.splitlines()
    assert lines[1].split() == ["NAME", "KIND", "PID", "STATE", "RESTARTS", "UPTIME", "LAST", "EXIT", "COUNTERS"]
    disk_row = next(line for line in lines if line.startswith("disk0"))
    assert str(table["disk0"]["pid"]) in disk_row and " ready " in disk_row and "requests=" in disk_row


def test_a_disk_model_killed_mid_workload_is_restarted_and_the_workload_still_passes(xenarm, repo, tmp_path, launches):
    launch = start(xenarm, repo, tmp_path, launches, **{"requests: 3000": "requests: 5000"})
    launch.wait_ready("disk0", "exercise")
    # Mid-workload: the client has been served (first metrics report) and is far from done.
    wait_until(lambda: launch.process_state("disk0")["counters"].get("requests", 0) >= 1, what="first requests")
    victim = launch.process_state("disk0")["pid"]
    # Freeze it first so a request is certainly in flight and unanswered when it dies (the client's per-request
    # timeout is 500 ms), then kill -9.
    launch.cli("kill", "disk0", "--signal", "STOP")
    assert launch.process_state("exercise")["state"] == "ready", "the workload ended before the kill"
    time.sleep(1.0)
    os.kill(victim, signal.SIGKILL)
    wait_until(lambda: launch.process_state("disk0")["restarts"] == 1
               and launch.process_state("disk0")["state"] == "ready", what="disk0 restarted")
    after = launch.process_state("disk0")
    assert after["pid"] != victim and after["lastExit"] == "signal KILL"
    assert launch.wait() == 0, launch.text()
    events = launch.events()
    exited = next(t for t, who, what in events if who == "disk0" and what == "exited: signal KILL, restart in 100ms")
    restarted = next(t for t, who, what in events if who == "disk0" and what.startswith("started") and t > exited)
    assert restarted - exited < 0.1 + 0.5, events  # its backoff, plus one loop tick and spawn time
    log = (tmp_path / "run" / "logs" / "exercise.log").read_text()
    assert "PASS" in log and "image verified" in log and "0 mismatched sectors" in log, log
    assert "retrying" in log, "the frozen and killed model should have cost the client a retried request"


def test_a_crash_looping_process_is_given_up_after_its_cap(xenarm, repo, tmp_path, launches):
    launch = start(xenarm, repo, tmp_path, launches, **{"requests: 3000": "requests: 200000"})
    launch.wait_ready("disk0")
    killed = set()
    for attempt in range(4):  # max_restarts is 3: the fourth failure inside 30 s is a crash loop
        pid = wait_until(lambda: (lambda p: p["state"] == "ready" and p["pid"] not in killed and p["pid"])(
            launch.process_state("disk0")), what=f"disk0 incarnation {attempt}")
        killed.add(pid)
        launch.cli("kill", "disk0", "--signal", "KILL")
    wait_until(lambda: launch.process_state("disk0")["state"] == "given-up", what="given-up")
    disk = launch.process_state("disk0")
    assert disk["restarts"] == 3 and disk["lastExit"] == "signal KILL" and "pid" not in disk
    assert any(who == "disk0" and what == "exited: signal KILL; given up after 3 restarts in 30s"
               for _, who, what in launch.events()), launch.text()
    assert "given-up" in launch.cli("status").stdout
    launch.cli("stop")
    assert launch.wait() == 0


def test_sigkill_of_the_launcher_leaves_no_orphan(xenarm, repo, tmp_path, launches):
    launch = start(xenarm, repo, tmp_path, launches, **{"requests: 3000": "requests: 200000"})
    state = launch.wait_ready("disk0", "exercise")
    children = [p["pid"] for p in state["processes"]]
    assert all(pid_is_running(pid) for pid in children)
    launch.process.kill()
    launch.process.wait()
    for pid in children:
        wait_until(lambda: not pid_is_running(pid), timeout=5, what=f"child {pid} to die with its launcher")


def test_stop_ends_every_process_in_reverse_order(xenarm, repo, tmp_path, launches):
    # Two disks and no workload: the launch runs until stopped.
    topology = copy_topology(repo, TOPOLOGY, tmp_path)
    text = topology.read_text().split("workloads:")[0]
    text += "  - name: disk1\n    kind: disk\n    image: disk1.img\n    size: 1MiB\n    create: true\n"
    topology.write_text(text)
    launch = Launch(xenarm, topology, tmp_path / "run")
    launches.append(launch)
    state = launch.wait_ready("disk0", "disk1")
    pids = [p["pid"] for p in state["processes"]]
    result = launch.cli("stop")
    assert "stopped" in result.stdout
    assert launch.wait(10) == 0
    stops = [who for _, who, what in launch.events() if what.startswith("stopped (")]
    assert stops == ["disk1", "disk0"], launch.text()
    assert not any(pid_is_running(pid) for pid in pids)
    assert [p["state"] for p in launch.state()["processes"]] == ["stopped", "stopped"]


def test_restart_replaces_a_running_process_without_counting_a_crash(xenarm, repo, tmp_path, launches):
    launch = start(xenarm, repo, tmp_path, launches, **{"requests: 3000": "requests: 200000"})
    before = launch.wait_ready("disk0")
    old = next(p for p in before["processes"] if p["name"] == "disk0")["pid"]
    assert "restarting disk0" in launch.cli("restart", "disk0").stdout
    wait_until(lambda: (lambda p: p["state"] == "ready" and p["pid"] != old)(launch.process_state("disk0")),
               what="disk0 back")
    assert launch.process_state("disk0")["restarts"] == 1
    assert not pid_is_running(old)
    assert any(who == "disk0" and what.startswith("exited: exit 0, restarting as requested")
               for _, who, what in launch.events()), launch.text()


def test_sigterm_to_the_launcher_stops_everything_and_exits_143(xenarm, repo, tmp_path, launches):
    launch = start(xenarm, repo, tmp_path, launches, **{"requests: 3000": "requests: 200000"})
    state = launch.wait_ready("disk0", "exercise")
    launch.process.send_signal(signal.SIGTERM)
    assert launch.wait(15) == 128 + signal.SIGTERM
    stops = [who for _, who, what in launch.events() if what.startswith("stopped (")]
    assert stops == ["exercise", "disk0"]
    assert not any(pid_is_running(p["pid"]) for p in state["processes"])


def test_a_closed_output_pipe_does_not_stop_the_launcher(xenarm, repo, tmp_path):
    topology = copy_topology(repo, TOPOLOGY, tmp_path, **{"requests: 3000": "requests: 300"})
    process = subprocess.Popen([xenarm, "launch", str(topology), "--run-dir", str(tmp_path / "run")],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    process.stdout.close()  # as `xenarm launch ... | head -1` would, before the launcher prints anything else
    assert process.wait(90) == 0
    state = json.loads((tmp_path / "run" / "state.json").read_text())
    assert {p["name"]: p["state"] for p in state["processes"]} == {"disk0": "stopped", "exercise": "exited"}


def test_ctrl_c_reaches_only_the_launcher_which_stops_everything_in_order(xenarm, repo, tmp_path):
    topology = copy_topology(repo, TOPOLOGY, tmp_path, **{"requests: 3000": "requests: 200000"})
    run = tmp_path / "run"
    out = open(tmp_path / "out.txt", "w")
    # Its own session and group, as a shell's foreground job: Ctrl-C is SIGINT to the whole group.
    process = subprocess.Popen([xenarm, "launch", str(topology), "--run-dir", str(run)], stdout=out,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        launch = Launch.__new__(Launch)
        launch.run, launch.output, launch.output_path = run, out, tmp_path / "out.txt"
        state = launch.wait_ready("disk0", "exercise")
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(15) == 128 + signal.SIGINT
        events = [(who, what) for _, who, what in launch.events()]
        assert ("launcher", "got INT: stopping") in events
        assert [e for e in events if e[0] != "launcher" and e[1].startswith(("stopped", "exited"))] == [
            ("exercise", "stopped (exit 0)"), ("disk0", "stopped (exit 0)")], events
        assert not any(pid_is_running(p["pid"]) for p in state["processes"])
    finally:
        if process.poll() is None:
            process.kill()
        out.close()
