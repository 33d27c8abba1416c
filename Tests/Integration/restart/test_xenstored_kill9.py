"""kill -9 xenstored while clients write and watch: after the restart every acknowledged write is there, the tree,
permissions and domain introductions are back, open transactions end with EAGAIN, ZeroMQ clients' watches still
fire, and requests sent during the outage are answered after it."""
import pathlib
import random
import socket
import sys
import threading
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from xenstore_support import Xenstored, StreamClient, ZmqClient  # noqa: E402


@pytest.fixture
def xs(xenarm, tmp_path):
    daemon = Xenstored(xenarm, tmp_path)
    daemon.start()
    yield daemon
    daemon.stop()


class StreamWriter(threading.Thread):
    """Writes /w/<name>/<n> = n over the Unix socket, reconnecting after the daemon dies; records what was
    acknowledged (an OK reply received). A write whose reply was lost is retried: writes are idempotent."""

    def __init__(self, xs, name):
        super().__init__(daemon=True)
        self.xs, self.name = xs, name
        self.acked = []
        self.stop = False
        self.reconnects = 0

    def run(self):
        n = 0
        client = None
        while not self.stop:
            try:
                if client is None:
                    client = StreamClient(self.xs.socket_path, timeout=5)
                assert client.write(f"/w/{self.name}/{n}", str(n).encode()) == "OK"
                self.acked.append(n)
                n += 1
            except (OSError, AssertionError):
                if client:
                    client.close()
                client = None
                self.reconnects += 1
                time.sleep(0.01)


class ZmqWriter(threading.Thread):
    """The same over ZeroMQ: a request without a reply in time is resent with the same contents; the DEALER
    queues what it sends while the daemon is down, so those requests are answered after the restart."""

    def __init__(self, xs, name):
        super().__init__(daemon=True)
        self.xs, self.name = xs, name
        self.acked = []
        self.stop = False

    def run(self):
        client = ZmqClient(self.xs.endpoint, routing_id=f"writer-{self.name}".encode())
        n = 0
        while not self.stop:
            m = client.request("WRITE", f"/w/{self.name}/{n}".encode() + b"\0" + str(n).encode(), timeout_ms=3000)
            if m is not None and m[0] == 11:
                self.acked.append(n)
                n += 1
        client.close()


def test_every_acknowledged_write_survives_repeated_kill9(xs):
    writers = [StreamWriter(xs, "s0"), StreamWriter(xs, "s1"), ZmqWriter(xs, "z0")]
    for w in writers:
        w.start()
    rng = random.Random(9)
    for _ in range(4):
        time.sleep(rng.uniform(0.3, 0.8))
        xs.kill9()
        time.sleep(rng.uniform(0.0, 0.2))
        xs.start()
    time.sleep(0.5)
    for w in writers:
        w.stop = True
    for w in writers:
        w.join(20)
    checker = StreamClient(xs.socket_path)
    for w in writers:
        assert len(w.acked) > 20, f"{w.name} made too little progress: {len(w.acked)}"
        for n in w.acked:
            assert checker.call("READ", f"/w/{w.name}/{n}") == str(n).encode(), f"{w.name}/{n} lost"
    assert writers[0].reconnects >= 4


def test_tree_permissions_domains_and_zeromq_watches_are_back_after_kill9(xs):
    tools = StreamClient(xs.socket_path)
    assert tools.write("/local/domain/3/name", b"guest3") == "OK"
    assert tools.call("SET_PERMS", "/local/domain/3/name", "n3", "r0") == b"OK\0"
    assert tools.call("INTRODUCE", "3", "233472", "1") == b"OK\0"
    watcher = ZmqClient(xs.endpoint, routing_id=b"backend-vbd-3")
    assert watcher.call("WATCH", "/local/domain/3", "fe") == b"OK\0"
    assert watcher.wait_event() == b"/local/domain/3\0fe\0"
    tx = int(tools.call("TRANSACTION_START", "").rstrip(b"\0"))
    assert tools.write("/in-tx", b"x", tx_id=tx) == "OK"

    xs.kill9()
    xs.start()

    after = StreamClient(xs.socket_path)
    assert after.call("READ", "/local/domain/3/name") == b"guest3"
    assert after.call("GET_PERMS", "/local/domain/3/name") == b"n3\0r0\0"
    assert after.call("IS_DOMAIN_INTRODUCED", "3") == b"T\0"
    assert after.call("TRANSACTION_END", "T", tx_id=tx) == "ERR:EAGAIN"
    assert after.call("READ", "/in-tx") == "ERR:ENOENT"
    # The ZeroMQ watcher did not re-register: its watch was restored with its routing id, fires once for the
    # restart (held until the watcher has reconnected), then for each change.
    assert watcher.wait_event(10000) == b"/local/domain/3\0fe\0"
    assert after.write("/local/domain/3/name", b"renamed") == "OK"
    assert watcher.wait_event(10000) == b"/local/domain/3/name\0fe\0"


def test_a_request_sent_during_the_outage_is_answered_after_the_restart(xs):
    client = ZmqClient(xs.endpoint, routing_id=b"patient")
    assert client.call("GET_DOMAIN_PATH", "1") == b"/local/domain/1\0"
    xs.kill9()
    client.sock.send(b"".join([(2).to_bytes(4, "little"), (42).to_bytes(4, "little"), (0).to_bytes(4, "little"),
                               (8).to_bytes(4, "little"), b"/local\0\0"[:8]]))
    time.sleep(0.3)
    xs.start()
    m = client.reply(10000)
    assert m is not None and m[1] == 42, m
