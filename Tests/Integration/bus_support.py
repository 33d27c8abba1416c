"""Helpers for the hypervisor bus tests (docs/hypervisor-bus.md): run `xenarm hypervisor` with the bus on a
topology of evtchn-ping guests, and speak the bus protocol by hand with pyzmq (docs/wire-protocol.md)."""
import os
import pathlib
import re
import secrets
import struct
import subprocess
import time

import zmq

HEADER = struct.Struct("<IHHHHIQII")
MAGIC = 0x52495758
ERROR_REPLY = 0x0001
HELLO, WELCOME, ALLOC_UNBOUND, BIND, NOTIFY, CLOSE, RESULT = 0x0301, 0x0302, 0x0303, 0x0304, 0x0305, 0x0306, 0x0307
GRANT_COPY, GRANT_COPY_RESULT, EVENT, DOMAIN_EVENT, STATS_REQUEST, STATS = (0x0308, 0x0309, 0x030A, 0x030B, 0x030C,
                                                                            0x030D)
SIGNAL = 0x030E  # a one-way NOTIFY: answered only when refused
ERROR_CODES = {1: "malformed", 2: "truncated", 3: "oversized", 4: "unknownKind", 5: "wrongVersion",
               6: "unauthorized", 7: "busy", 8: "internal"}
STATS_FIELDS = ("received", "unauthenticated", "unauthorized", "replayed", "malformed", "notifications",
                "events_pushed", "copies_done", "copies_refused", "sessions")
GNTST_PERMISSION_DENIED = -8


def frame(kind, payload=b"", sequence=1, kind_version=1, flags=0, protocol=1, length=None):
    size = len(payload) if length is None else length
    return HEADER.pack(MAGIC, protocol, kind, kind_version, flags, size, sequence, 0, 0) + payload


def hello(secret: bytes, name: str) -> bytes:
    raw = name.encode()
    return secret + struct.pack("<H6x", len(raw)) + raw


def parse(data: bytes):
    """(kind, flags, sequence, payload) of a frame the hypervisor sent."""
    magic, protocol, kind, _, flags, length, sequence, _, _ = HEADER.unpack_from(data)
    assert magic == MAGIC and protocol == 1 and length == len(data) - HEADER.size
    return kind, flags, sequence, data[HEADER.size:]


def error_code(data: bytes):
    kind, flags, _, payload = parse(data)
    if kind != ERROR_REPLY:
        return None
    assert flags == 3, "an ErrorReply carries reply|error"
    return ERROR_CODES.get(struct.unpack_from("<H", payload)[0], "?")


def topology(path: pathlib.Path, kernel: pathlib.Path, ping_args="count=200", other_args="count=10 wait=60000"):
    """Two evtchn-ping guests, ping (d1) and other (d2), each with a console backend that may use the bus for it."""
    path.write_text(f"""
name: bus
machine:
  memory: 64MiB
  hypervisor_reserve: 16MiB
xenstored:
  endpoint: ipc
devices:
  - name: tty
    kind: terminal
    log: tty.log
backends:
  - name: console-ping
    kind: console
    domain: ping
    device: console
    model: tty
  - name: console-other
    kind: console
    domain: other
    device: console
    model: tty
domains:
  - name: ping
    memory: 4MiB
    kernel: {kernel}
    args: "{ping_args}"
  - name: other
    memory: 4MiB
    kernel: {kernel}
    args: "{other_args}"
""")
    return path


class Hypervisor:
    """`xenarm hypervisor` with the bus, run by hand (as the launcher would) in DIRECTORY."""

    def __init__(self, xenarm: str, directory: pathlib.Path, topology_path: pathlib.Path):
        self.xenarm = xenarm
        self.directory = directory
        self.endpoint = f"ipc://{directory}/hypervisor.ipc"
        self.secret_path = directory / "bus.secret"
        self.secret = secrets.token_bytes(32)
        fd = os.open(self.secret_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, (self.secret.hex() + "\n").encode())
        os.close(fd)
        self.output_path = directory / "hypervisor.out"
        self.output = open(self.output_path, "w")
        self.process = subprocess.Popen(
            [xenarm, "hypervisor", "--name", "hypervisor", "--endpoint", self.endpoint, "--topology",
             str(topology_path), "--bus-secret", str(self.secret_path)],
            stdout=self.output, stderr=subprocess.STDOUT)

    def text(self) -> str:
        return self.output_path.read_text()

    def wait_for(self, pattern: str, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, self.text())
            if m:
                return m
            assert self.process.poll() is None or re.search(pattern, self.text()), self.text()
            time.sleep(0.05)
        raise AssertionError(f"no {pattern!r} in:\n{self.text()}")

    def offered_port(self, domain_name: str) -> int:
        return int(self.wait_for(rf"\[{domain_name}\] PING offered port=(\d+)").group(1))

    def echo(self, name: str, domain: int, port: int, *extra: str):
        return subprocess.Popen([self.xenarm, "bus-echo", "--endpoint", self.endpoint, "--bus-secret",
                                 str(self.secret_path), "--name", name, "--domain", str(domain), "--port", str(port),
                                 *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.output.close()


class Peer:
    """A raw DEALER on the bus: sends frames it builds, reads whatever comes back."""

    def __init__(self, context: zmq.Context, endpoint: str):
        self.socket = context.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.connect(endpoint)
        self.sequence = 0
        self.pushes = []

    def next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence

    def send(self, kind, payload=b"", **fields):
        fields.setdefault("sequence", self.next_sequence())
        self.socket.send(frame(kind, payload, **fields))

    def receive(self, timeout_ms=5000) -> bytes:
        """The next reply; pushes (BusEvent, BusDomainEvent: no reply flag) that come first are kept in `pushes`."""
        while True:
            assert self.socket.poll(timeout_ms), "no answer from the hypervisor bus"
            data = self.socket.recv_multipart()[-1]
            if parse(data)[1] & 1:
                return data
            self.pushes.append(data)

    def request(self, kind, payload=b"", **fields) -> bytes:
        self.send(kind, payload, **fields)
        return self.receive()

    def authenticate(self, secret: bytes, name: str):
        kind, _, _, payload = parse(self.request(HELLO, hello(secret, name)))
        assert kind == WELCOME, error_code(self.request(STATS_REQUEST))
        count = struct.unpack_from("<H", payload)[0]
        return list(struct.unpack_from(f"<{count}H", payload, 8))

    def result(self, data: bytes):
        """(result, value) of a BusResult, or the ErrorReply code."""
        code = error_code(data)
        if code:
            return code
        kind, _, _, payload = parse(data)
        assert kind == RESULT
        return struct.unpack("<iI", payload)

    def stats(self) -> dict:
        kind, _, _, payload = parse(self.request(STATS_REQUEST))
        assert kind == STATS
        return dict(zip(STATS_FIELDS, struct.unpack("<10Q", payload)))

    def close(self):
        self.socket.close()
