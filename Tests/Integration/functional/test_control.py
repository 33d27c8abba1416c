"""The control socket and the CLI around it (docs/launcher.md): hostile control messages, clear one-line errors,
--detach, and complete --help."""
import json
import os
import socket
import subprocess

import pytest
import zmq

from launch_support import Launch, copy_topology, pid_is_running, wait_until

TOPOLOGY = "supervised-disk.yaml"
LONG = {"requests: 3000": "requests: 200000"}


@pytest.fixture
def launch(xenarm, repo, tmp_path):
    launch = Launch(xenarm, copy_topology(repo, TOPOLOGY, tmp_path, **LONG), tmp_path / "run")
    launch.wait_ready("disk0")
    yield launch
    launch.close()


def request(run, frames, timeout_ms=3000):
    """Sends FRAMES from a fresh DEALER, returns the decoded reply."""
    context = zmq.Context.instance()
    dealer = context.socket(zmq.DEALER)
    dealer.linger = 0
    dealer.connect(f"ipc://{run}/control.ipc")
    try:
        dealer.send_multipart(frames)
        assert dealer.poll(timeout_ms), f"no reply to {frames!r}"
        return json.loads(dealer.recv())
    finally:
        dealer.close()


def test_malformed_control_messages_get_error_replies_are_counted_and_do_not_stop_the_launcher(launch):
    hostile = [
        [b"not json"], [b""], [b"[1,2,3]"], [b'{"name":"x"}'], [b'{"type":"reboot"}'],
        [b'{"type":"kill"}'], [b'{"type":"ready","name":"disk0","pid":"x","endpoint":"e"}'],
        [b"\xff\xfe\x00garbage"], [b'{"type":"status"}', b"second frame"], [b"{" * 70000],
        [b'{"type":"shutdown"}'], [b'{"type":"kill","name":"nobody","signal":"KILL"}'],
        [b'{"type":"kill","name":"disk0","signal":"NOPE"}'],
    ]
    for frames in hostile:
        reply = request(launch.run, frames)
        assert reply["ok"] is False and reply["error"], (frames, reply)
    status = request(launch.run, [b'{"type":"status"}'])
    assert status["ok"] is True
    # The last three are well-formed requests that are refused (wrong direction, unknown name, unknown signal):
    # errors, but not malformed frames.
    assert status["status"]["malformedControlMessages"] == len(hostile) - 3
    assert all(p["state"] == "ready" for p in status["status"]["processes"] if p["name"] == "disk0")
    events = launch.text()
    assert "malformed control message" in events
    # Logged at most once per peer per second: every request above came from a new peer, so each is logged, but a
    # flood from one peer is not.
    context = zmq.Context.instance()
    flood = context.socket(zmq.DEALER)
    flood.linger = 0
    flood.connect(f"ipc://{launch.run}/control.ipc")
    before = launch.text().count("malformed control message")
    for _ in range(500):
        flood.send(b"garbage")
    replies = 0
    while flood.poll(3000) and replies < 500:
        assert json.loads(flood.recv())["ok"] is False
        replies += 1
    flood.close()
    assert replies == 500
    assert launch.text().count("malformed control message") - before <= 2
    assert json.loads(launch.cli("status", "--json").stdout)["malformedControlMessages"] >= 500


def test_a_second_launch_on_the_same_run_dir_is_refused_with_one_line(xenarm, launch, tmp_path):
    topology = tmp_path / TOPOLOGY
    result = subprocess.run([xenarm, "launch", str(topology), "--run-dir", str(launch.run)],
                            capture_output=True, text=True, timeout=20)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(launch.run) in lines[0] and "another launch" in lines[0] and str(launch.process.pid) in lines[0]
    assert launch.process.poll() is None and launch.process_state("disk0")["state"] == "ready"


def test_an_unusable_run_dir_is_one_clear_line(xenarm, repo, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    topology = copy_topology(repo, TOPOLOGY, tmp_path)
    result = subprocess.run([xenarm, "launch", str(topology), "--run-dir", str(blocker / "run")],
                            capture_output=True, text=True, timeout=20)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and f"run dir {blocker}/run" in result.stderr, result.stderr


def test_a_device_whose_port_is_in_use_fails_the_launch_with_a_clear_error(xenarm, repo, tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    topology = copy_topology(repo, TOPOLOGY, tmp_path, **{"create: true": f"create: true\n    endpoint: tcp://127.0.0.1:{port}",
                                                         "backoff: 100ms": "backoff: 10ms"})
    try:
        result = subprocess.run([xenarm, "launch", str(topology), "--run-dir", str(tmp_path / "run")],
                                capture_output=True, text=True, timeout=60)
    finally:
        listener.close()
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"xenarm: disk0 kept failing during start-up (last: exit 1); see {tmp_path}/run/logs/disk0.log"], result.stderr
    assert "given up after 3 restarts in 30s" in result.stdout
    assert f"127.0.0.1:{port}" in (tmp_path / "run" / "logs" / "disk0.log").read_text()


def test_control_commands_without_a_launcher_say_so(xenarm, tmp_path):
    for args in (["status"], ["stop"], ["kill", "x"], ["restart", "x"]):
        result = subprocess.run([xenarm, *args, "--run-dir", str(tmp_path)], capture_output=True, text=True, timeout=20)
        assert result.returncode == 1
        assert result.stderr == f"xenarm: no launcher is answering on ipc://{tmp_path}/control.ipc\n"


def test_kill_and_restart_name_unknown_processes_and_signals(launch):
    result = launch.cli("kill", "nobody", check=False)
    assert result.returncode == 1 and result.stderr == "xenarm: no process named nobody\n"
    result = launch.cli("kill", "disk0", "--signal", "BOGUS", check=False)
    assert result.returncode != 0 and "unknown signal BOGUS" in result.stderr
    result = launch.cli("restart", "nobody", check=False)
    assert result.returncode == 1 and result.stderr == "xenarm: no process named nobody\n"


def test_stop_and_continue_are_injected_and_status_follows(launch):
    pid = launch.process_state("disk0")["pid"]
    assert launch.cli("kill", "disk0", "--signal", "STOP").stdout.strip() == f"sent STOP to disk0 (pid {pid})"
    wait_until(lambda: open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] == "T", what="stopped")
    launch.cli("kill", "disk0", "--signal", "CONT")
    wait_until(lambda: open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "T", what="continued")
    assert launch.process_state("disk0")["pid"] == pid and launch.process_state("disk0")["restarts"] == 0


def test_detach_returns_once_ready_and_status_and_stop_use_the_current_run(xenarm, repo, tmp_path):
    topology = copy_topology(repo, TOPOLOGY, tmp_path, **LONG)
    run = tmp_path / "run"
    result = subprocess.run([xenarm, "launch", str(topology), "--run-dir", str(run), "--detach"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert f"launched supervised-disk in {run}" in result.stdout
    state = json.loads((run / "state.json").read_text())
    daemon = state["launcherPid"]
    try:
        assert pid_is_running(daemon)
        assert next(p for p in state["processes"] if p["name"] == "disk0")["state"] == "ready"
        assert os.readlink(f"/tmp/xenarm-{os.getuid()}/current") == str(run)
        assert os.getsid(daemon) == daemon, "a detached launcher leads its own session"
        status = subprocess.run([xenarm, "status", "--json", "--run-dir", str(run)], capture_output=True, text=True)
        assert json.loads(status.stdout)["launcherPid"] == daemon
        children = [p["pid"] for p in json.loads(status.stdout)["processes"] if "pid" in p]
        stop = subprocess.run([xenarm, "stop", "--run-dir", str(run)], capture_output=True, text=True, timeout=60)
        assert stop.returncode == 0 and stop.stdout.strip().endswith("stopped"), stop.stderr
        wait_until(lambda: not pid_is_running(daemon), timeout=5, what="daemon exit")
        assert not any(pid_is_running(pid) for pid in children)
        assert "launcher stopped" in (run / "logs" / "launcher.log").read_text()
    finally:
        if pid_is_running(daemon):
            os.kill(daemon, 9)


@pytest.mark.parametrize("command,words", [
    ([], ["launch", "status", "kill", "restart", "stop"]),
    (["launch"], ["--run-dir", "--detach", "--ready-timeout", "--stop-grace", "dependency order", "state.json"]),
    (["status"], ["--json", "--run-dir", "given-up", "malformed"]),
    (["kill"], ["--signal", "KILL", "SEGV", "restart policy"]),
    (["restart"], ["crash-loop", "--run-dir"]),
    (["stop"], ["reverse", "--timeout"]),
])
def test_every_command_has_complete_help(xenarm, command, words):
    result = subprocess.run([xenarm, *command, "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for word in words:
        assert word in result.stdout, (command, word, result.stdout)


def test_an_invalid_topology_is_reported_like_check_and_starts_nothing(xenarm, repo, tmp_path):
    topology = copy_topology(repo, TOPOLOGY, tmp_path, **{"max_restarts: 3": "max_restarts: three"})
    run = tmp_path / "run"
    result = subprocess.run([xenarm, "launch", str(topology), "--run-dir", str(run)], capture_output=True, text=True,
                            timeout=20)
    check = subprocess.run([xenarm, "check", str(topology)], capture_output=True, text=True, timeout=20)
    assert result.returncode == 2 == check.returncode
    assert result.stderr == check.stderr and f"{topology}:" in result.stderr and ": error: " in result.stderr
    assert not run.exists()


def test_a_process_that_is_never_restarted_and_ends_during_start_up_fails_the_launch(xenarm, repo, tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    topology = copy_topology(repo, TOPOLOGY, tmp_path, **{
        "create: true": f"create: true\n    endpoint: tcp://127.0.0.1:{port}", "policy: on-failure": "policy: never"})
    try:
        result = subprocess.run([xenarm, "launch", str(topology), "--run-dir", str(tmp_path / "run")],
                                capture_output=True, text=True, timeout=60)
    finally:
        listener.close()
    assert result.returncode == 1
    assert result.stderr == (f"xenarm: disk0 ended during start-up (exit 1) and its policy does not restart it; "
                             f"see {tmp_path}/run/logs/disk0.log\n")
    assert "exercise" not in result.stdout, "nothing after the failed process is started"


def test_a_process_not_ready_in_time_fails_the_launch_with_a_clear_error(xenarm, repo, tmp_path):
    # No disk model can bind, open its image and report within 1 ms of being spawned.
    topology = copy_topology(repo, TOPOLOGY, tmp_path)
    result = subprocess.run([xenarm, "launch", str(topology), "--run-dir", str(tmp_path / "run"),
                             "--ready-timeout", "0.001"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr == f"xenarm: disk0 did not report ready within 0.001s (see {tmp_path}/run/logs/disk0.log)\n"
    state = json.loads((tmp_path / "run" / "state.json").read_text())
    assert [(p["name"], p["state"]) for p in state["processes"]] == [("disk0", "stopped"), ("exercise", "pending")]


@pytest.mark.parametrize("name", ["SEGV", "BUS", "ABRT", "ILL", "QUIT"])
def test_an_injected_fatal_signal_ends_the_process_and_it_is_restarted(launch, name):
    pid = launch.process_state("disk0")["pid"]
    launch.cli("kill", "disk0", "--signal", name)
    wait_until(lambda: (lambda p: p["state"] == "ready" and p["pid"] != pid)(launch.process_state("disk0")),
               what=f"disk0 restarted after {name}")
    disk = launch.process_state("disk0")
    assert disk["lastExit"] == f"signal {name}" and disk["restarts"] == 1
