"""Debian's xenstore-* tools (libxenstore, XENSTORED_PATH) against `xenarm xenstored`, and the ZeroMQ endpoint."""
import pathlib
import re
import subprocess
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from xenstore_support import Xenstored, ZmqClient, StreamClient  # noqa: E402
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from launch_support import Launch, copy_topology  # noqa: E402


@pytest.fixture
def xs(xenarm, tmp_path):
    daemon = Xenstored(xenarm, tmp_path)
    daemon.start()
    yield daemon
    daemon.stop()


def test_write_then_read_returns_the_values(xs):
    xs.tool("xenstore-write", "/local/domain/1/name", "guest1", "/vm/uuid", "1234")
    assert xs.tool("xenstore-read", "/local/domain/1/name", "/vm/uuid").stdout.split() == ["guest1", "1234"]


def test_read_of_a_missing_node_fails(xs):
    result = xs.tool("xenstore-read", "/nowhere", check=False)
    assert result.returncode != 0
    assert "couldn't read path /nowhere" in result.stderr


def test_ls_shows_the_tree_with_permissions_after_chmod(xs):
    xs.tool("xenstore-write", "/backend/vbd/1/768/state", "1")
    xs.tool("xenstore-chmod", "/backend/vbd/1/768/state", "n0", "r1")
    out = xs.tool("xenstore-ls", "-p", "/backend").stdout
    rows = [re.match(r'^(\s*)(\S+) = "(.*?)"[ .]*\((.*)\)$', line).groups() for line in out.splitlines()]
    assert rows == [("", "vbd", "", "n0"), (" ", "1", "", "n0"), ("  ", "768", "", "n0"), ("   ", "state", "1", "n0,r1")]
    assert xs.tool("xenstore-ls", "-p", "/backend").stdout == out


def test_rm_removes_the_subtree(xs):
    xs.tool("xenstore-write", "/gone/a/b", "1", "/gone/c", "2")
    xs.tool("xenstore-rm", "/gone/a")
    assert [line.split(" = ")[0] for line in xs.tool("xenstore-ls", "/gone").stdout.splitlines()] == ["c"]
    assert xs.tool("xenstore-read", "/gone/a/b", check=False).returncode != 0


def test_chmod_then_a_domu_view_is_refused_through_the_permissions(xs):
    xs.tool("xenstore-write", "/secret", "s")
    xs.tool("xenstore-chmod", "/secret", "n0")
    perms = xs.tool("xenstore-ls", "-p", "/").stdout
    assert any(line.startswith("secret") and line.endswith("(n0)") for line in perms.splitlines())


def test_watch_prints_the_initial_event_then_each_change_once(xs):
    watcher = subprocess.Popen(["xenstore-watch", "-n", "4", "/w"], env=xs.env(), stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)
    xs.tool("xenstore-write", "/w/a", "1")
    xs.tool("xenstore-write", "/w/a/deeper", "2")
    xs.tool("xenstore-rm", "/w")
    out, _ = watcher.communicate(timeout=20)
    assert out.split() == ["/w", "/w/a", "/w/a/deeper", "/w"]


def test_zeromq_client_reads_what_the_tools_wrote_and_gets_watch_events(xs):
    xs.tool("xenstore-write", "/z/key", "from-tools")
    client = ZmqClient(xs.endpoint)
    try:
        assert client.call("READ", "/z/key") == b"from-tools"
        assert client.call("WATCH", "/z", "tok") == b"OK\0"
        assert client.wait_event() == b"/z\0tok\0"
        xs.tool("xenstore-write", "/z/key", "again")
        assert client.wait_event() == b"/z/key\0tok\0"
        assert client.call("GET_DOMAIN_PATH", "5") == b"/local/domain/5\0"
    finally:
        client.close()


def test_stream_client_transaction_conflict_is_eagain(xs):
    a, b = StreamClient(xs.socket_path), StreamClient(xs.socket_path)
    try:
        assert a.write("/t", b"0") == "OK"
        ta = int(a.call("TRANSACTION_START", "").rstrip(b"\0"))
        tb = int(b.call("TRANSACTION_START", "").rstrip(b"\0"))
        assert a.call("READ", "/t", tx_id=ta) == b"0"
        assert b.call("READ", "/t", tx_id=tb) == b"0"
        assert a.write("/t", b"a", tx_id=ta) == "OK"
        assert b.write("/t", b"b", tx_id=tb) == "OK"
        assert a.call("TRANSACTION_END", "T", tx_id=ta) == b"OK\0"
        assert b.call("TRANSACTION_END", "T", tx_id=tb) == "ERR:EAGAIN"
        assert a.call("READ", "/t") == b"a"
    finally:
        a.close()
        b.close()


def test_launching_a_topology_with_xenstored_runs_it_with_socket_and_state_under_the_run_dir(xenarm, repo, tmp_path):
    topology = copy_topology(repo, "xenstored.yaml", tmp_path)
    run = tmp_path / "run"
    launch = Launch(xenarm, topology, run)
    try:
        launch.wait_ready("xenstored")
        assert (run / "xenstored.sock").exists()
        assert (run / "xenstored.state" / "snapshot").exists()
        env_tool = Xenstored(xenarm, run)
        env_tool.socket_path = str(run / "xenstored.sock")
        env_tool.tool("xenstore-write", "/launched", "yes")
        assert env_tool.tool("xenstore-read", "/launched").stdout.strip() == "yes"
    finally:
        launch.close()
