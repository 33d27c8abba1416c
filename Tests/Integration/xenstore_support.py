"""Helpers for xenstored's integration tests: run `xenarm xenstored`, talk xs_wire to it (Unix socket, ZeroMQ)."""
import os
import pathlib
import socket
import struct
import subprocess
import time

import zmq

# xen/io/xs_wire.h
XS = dict(CONTROL=0, DIRECTORY=1, READ=2, GET_PERMS=3, WATCH=4, UNWATCH=5, TRANSACTION_START=6, TRANSACTION_END=7,
          INTRODUCE=8, RELEASE=9, GET_DOMAIN_PATH=10, WRITE=11, MKDIR=12, RM=13, SET_PERMS=14, WATCH_EVENT=15,
          ERROR=16, IS_DOMAIN_INTRODUCED=17, RESUME=18, SET_TARGET=19, RESET_WATCHES=21, DIRECTORY_PART=22)
HEADER = struct.Struct("<IIII")
PAYLOAD_MAX = 4096


def message(kind, payload: bytes, req_id=0, tx_id=0) -> bytes:
    return HEADER.pack(XS[kind] if isinstance(kind, str) else kind, req_id, tx_id, len(payload)) + payload


def strings(*parts) -> bytes:
    return b"".join(p.encode() + b"\0" for p in parts)


def parse(frame: bytes):
    kind, req_id, tx_id, length = HEADER.unpack_from(frame)
    return kind, req_id, tx_id, frame[16:16 + length]


class Xenstored:
    """One `xenarm xenstored` process with its socket, endpoint and state dir under DIRECTORY."""

    def __init__(self, xenarm: str, directory: pathlib.Path, name="xenstored"):
        self.xenarm = xenarm
        self.directory = directory
        self.socket_path = str(directory / "xenstored.sock")
        self.endpoint = f"ipc://{directory}/xenstored.ipc"
        self.state_dir = str(directory / "state")
        self.log_path = directory / "xenstored.log"
        self.name = name
        self.process = None

    def start(self, timeout=20.0):
        if os.path.exists(self.socket_path):
            os.unlink(self.socket_path)
        log = open(self.log_path, "a")
        started = time.monotonic()
        self.process = subprocess.Popen(
            [self.xenarm, "xenstored", "--name", self.name, "--endpoint", self.endpoint, "--socket", self.socket_path,
             "--state-dir", self.state_dir], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"xenstored exited: {self.log_path.read_text()}"
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.socket_path)
                s.close()
                return time.monotonic() - started
            except OSError:
                time.sleep(0.005)
        raise AssertionError("xenstored did not start")

    def kill9(self):
        self.process.kill()
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def alive(self):
        return self.process.poll() is None

    def env(self):
        return dict(os.environ, XENSTORED_PATH=self.socket_path)

    def tool(self, *args, check=True, timeout=20):
        result = subprocess.run(list(args), env=self.env(), capture_output=True, text=True, timeout=timeout)
        if check:
            assert result.returncode == 0, f"{args}: {result.returncode} {result.stderr}"
        return result


class StreamClient:
    """xs_wire over the Unix socket, one request at a time; watch events are kept aside."""

    def __init__(self, path, timeout=10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buffer = b""
        self.events = []
        self.req_id = 0

    def close(self):
        self.sock.close()

    def read_message(self):
        while True:
            if len(self.buffer) >= 16:
                length = HEADER.unpack_from(self.buffer)[3]
                if len(self.buffer) >= 16 + length:
                    frame, self.buffer = self.buffer[:16 + length], self.buffer[16 + length:]
                    return parse(frame)
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk

    def reply(self):
        """The next message that is not a watch event (None when the daemon closed the connection)."""
        while True:
            m = self.read_message()
            if m is None or m[0] != XS["WATCH_EVENT"]:
                return m
            self.events.append(m[3])

    def request(self, kind, payload: bytes, tx_id=0):
        self.req_id += 1
        self.sock.sendall(message(kind, payload, self.req_id, tx_id))
        m = self.reply()
        assert m is not None, "connection closed"
        assert m[1] == self.req_id, m
        return m

    def call(self, kind, *args, tx_id=0):
        kind_got, _, _, payload = self.request(kind, strings(*args), tx_id)
        if kind_got == XS["ERROR"]:
            return "ERR:" + payload.rstrip(b"\0").decode()
        return payload

    def write(self, path, value: bytes, tx_id=0):
        kind, _, _, payload = self.request("WRITE", path.encode() + b"\0" + value, tx_id)
        return payload.rstrip(b"\0").decode() if kind == XS["ERROR"] else "OK"


class ZmqClient:
    """xs_wire over ZeroMQ: a DEALER, one message per frame. A fixed routing id makes the client's watches
    survive a xenstored restart."""

    def __init__(self, endpoint, routing_id: bytes = None, context=None):
        self.context = context or zmq.Context.instance()
        self.sock = self.context.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        if routing_id:
            self.sock.setsockopt(zmq.ROUTING_ID, routing_id)
        self.sock.connect(endpoint)
        self.events = []
        self.req_id = 0

    def close(self):
        self.sock.close()

    def reply(self, timeout_ms=5000):
        while True:
            if not self.sock.poll(timeout_ms):
                return None
            m = parse(self.sock.recv())
            if m[0] != XS["WATCH_EVENT"]:
                return m
            self.events.append(m[3])

    def wait_event(self, timeout_ms=5000):
        if self.events:
            return self.events.pop(0)
        if not self.sock.poll(timeout_ms):
            return None
        m = parse(self.sock.recv())
        assert m[0] == XS["WATCH_EVENT"], m
        return m[3]

    def request(self, kind, payload: bytes, tx_id=0, timeout_ms=5000):
        self.req_id += 1
        self.sock.send(message(kind, payload, self.req_id, tx_id))
        while True:
            m = self.reply(timeout_ms)
            if m is None or m[1] == self.req_id:
                return m

    def call(self, kind, *args, tx_id=0):
        m = self.request(kind, strings(*args), tx_id)
        assert m is not None, "no reply"
        return "ERR:" + m[3].rstrip(b"\0").decode() if m[0] == XS["ERROR"] else m[3]
