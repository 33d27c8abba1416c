"""blkback's xenbus side against a real xenstored and disk model, without a guest (docs/block.md, "Handshake"):
the nodes it writes, hostile frontend nodes written with Dom0's rights (garbage states, ring-refs, protocols,
huge values), and xenstored killed with SIGKILL under it (its watch is registered again)."""
import os
import pathlib
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from disk_support import DiskModel  # noqa: E402
from xenstore_support import StreamClient, Xenstored  # noqa: E402

FE = "/local/domain/1/device/vbd/51712"
BE = "/local/domain/0/backend/vbd/1/51712"


def wait_for(predicate, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Setup:
    def __init__(self, xenarm, directory):
        self.xenstored = Xenstored(xenarm, directory)
        self.xenstored.start()
        self.model = DiskModel(xenarm, directory, 3 << 20, name="disk0").start()
        # The toolstack's nodes, as ToolstackNodes writes them for domain 1's xvda.
        c = StreamClient(self.xenstored.socket_path)
        for path, value in [("/local/domain/1/name", "guest"), (f"{FE}/backend", BE), (f"{FE}/backend-id", "0"),
                            (f"{FE}/state", "1"), (f"{BE}/frontend", FE), (f"{BE}/frontend-id", "1"),
                            (f"{BE}/online", "1"), (f"{BE}/state", "1"), (f"{BE}/dev", "xvda"), (f"{BE}/mode", "w")]:
            assert c.write(path, value.encode()) == "OK"
        c.close()
        secret = directory / "bus.secret"
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, (os.urandom(32).hex() + "\n").encode())
        os.close(fd)
        self.log = directory / "blk.log"
        # No hypervisor: the bus endpoint has nobody behind it, so the backend stays on the xenstore side.
        self.backend = subprocess.Popen(
            [xenarm, "backend", "blk", "--name", "blk0", "--bus", f"ipc://{directory}/nobody.ipc",
             "--bus-secret", str(secret), "--xenstore", self.xenstored.endpoint, "--domain", "guest",
             "--device", "xvda", "--model", self.model.endpoint],
            stdout=open(self.log, "w"), stderr=subprocess.STDOUT)

    def read(self, path):
        c = StreamClient(self.xenstored.socket_path)
        try:
            v = c.call("READ", path)
            return v if isinstance(v, str) else v.decode()
        finally:
            c.close()

    def write(self, path, value):
        c = StreamClient(self.xenstored.socket_path)
        try:
            assert c.write(path, value if isinstance(value, bytes) else value.encode()) == "OK"
        finally:
            c.close()

    def state_becomes(self, value, what):
        wait_for(lambda: self.read(f"{BE}/state") == value, what=what)
        assert self.backend.poll() is None, self.log.read_text()

    def close(self):
        if self.backend.poll() is None:
            self.backend.terminate()
            self.backend.wait(10)
        self.model.stop()
        self.xenstored.stop()


def test_blkback_announces_the_disk_survives_hostile_frontend_nodes_and_a_xenstored_kill(xenarm, tmp_path):
    s = Setup(xenarm, tmp_path)
    try:
        # Step 1: the disk's nodes (size asked of the model: 3 MiB = 6144 sectors), then InitWait.
        s.state_becomes("2", "InitWait")
        assert {k: s.read(f"{BE}/{k}") for k in ("sectors", "sector-size", "info", "feature-flush-cache",
                                                 "feature-discard", "mode")} == {
            "sectors": "6144", "sector-size": "512", "info": "0", "feature-flush-cache": "1",
            "feature-discard": "1", "mode": "w"}
        # Garbage states: nothing happens, the backend lives on.
        for value in [b"garbage", b"999", b"-1", b"", b"4", b"3" * 2000, b"\xff\xfe"]:
            s.write(f"{FE}/state", value)
        time.sleep(1.0)
        s.state_becomes("2", "still InitWait")
        # Initialised with a ring-ref that is no number: refused, Closing.
        s.write(f"{FE}/ring-ref", "abc")
        s.write(f"{FE}/event-channel", "4")
        s.write(f"{FE}/state", "3")
        s.state_becomes("5", "Closing after a bad ring-ref")
        # The frontend starts over: InitWait again. Then a protocol blkback does not serve: Closing.
        s.write(f"{FE}/state", "1")
        s.state_becomes("2", "InitWait after Initialising")
        s.write(f"{FE}/ring-ref", "8")
        s.write(f"{FE}/protocol", "x86_32-abi")
        s.write(f"{FE}/state", "3")
        s.state_becomes("5", "Closing after a foreign protocol")
        # xenstored killed and restarted: the backend's watch is registered again (a watch event makes it act).
        s.xenstored.kill9()
        s.xenstored.start()
        time.sleep(1.5)
        s.write(f"{FE}/state", "1")
        s.state_becomes("2", "InitWait after xenstored's restart")
        # A good protocol but no hypervisor to bind the port with: it keeps trying, stays InitWait, never dies.
        s.write(f"{FE}/protocol", "arm-abi")
        s.write(f"{FE}/state", "3")
        time.sleep(1.5)
        s.state_becomes("2", "waiting for the bus")
    finally:
        s.close()
    log = s.log.read_text()
    assert "only arm-abi is served" in log and "ring-ref or event-channel missing" in log, log
    assert "xenstored reconnected" in log and "watches registered again" in log, log
