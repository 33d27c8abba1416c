"""`xenarm device terminal` as a real process: console output logged and streamed to attached users, input sent
back to the console side, bad frames refused."""
import signal
import struct
import subprocess

import pytest
import zmq

from disk_support import HEADER, MAGIC, ERROR_CODES, frame, wait_for_socket

OUTPUT, INPUT, ATTACH, DETACH = 0x0201, 0x0202, 0x0203, 0x0204


def chunk(domain, data):
    return struct.pack("<II", domain, len(data)) + data


def parse(raw):
    """(kind, flags, payload fields)."""
    magic, _, kind, _, flags, length, sequence, _, _ = HEADER.unpack_from(raw)
    assert magic == MAGIC
    payload = raw[HEADER.size:]
    assert len(payload) == length
    if kind == 0x0001:
        code, = struct.unpack_from("<H", payload)
        return ("error", ERROR_CODES[code])
    domain, second = struct.unpack_from("<II", payload)
    if kind in (OUTPUT, INPUT):
        return ({OUTPUT: "output", INPUT: "input"}[kind], domain, payload[8:8 + second])
    return ({ATTACH: "attach", DETACH: "detach"}[kind], domain, second, bool(flags & 1))


class Terminal:
    def __init__(self, xenarm, directory, name="term0"):
        self.socket = directory / f"{name}.ipc"
        self.endpoint = f"ipc://{self.socket}"
        self.log = directory / "console" / f"{name}.log"
        self.stderr = directory / f"{name}.stderr"
        with open(self.stderr, "wb") as out:
            self.process = subprocess.Popen([xenarm, "device", "terminal", "--name", name, "--endpoint",
                                             self.endpoint, "--log", str(self.log)], stdout=out,
                                            stderr=subprocess.STDOUT)
        wait_for_socket(self.socket, self.process)


@pytest.fixture
def terminal(xenarm, tmp_path):
    term = Terminal(xenarm, tmp_path)
    context = zmq.Context()
    yield term, context
    context.destroy(linger=0)
    if term.process.poll() is None:
        term.process.kill()
        term.process.wait()


def peer(context, endpoint):
    s = context.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.connect(endpoint)
    return s


def receive(s, timeout=5000):
    assert s.poll(timeout), "nothing received"
    return parse(s.recv())


def test_output_is_logged_and_streamed_and_input_goes_back_to_the_console(terminal):
    term, context = terminal
    console, user = peer(context, term.endpoint), peer(context, term.endpoint)
    console.send(frame(OUTPUT, chunk(1, b"boot: hello\n"), sequence=1))
    user.send(frame(ATTACH, struct.pack("<II", 1, 0), sequence=7))
    assert receive(user) == ("attach", 1, 0, True)  # the reply echoes the attach (flag bit 0 = reply)
    assert receive(user) == ("output", 1, b"boot: hello\n")  # scrollback
    console.send(frame(OUTPUT, chunk(1, b"login: "), sequence=2))
    assert receive(user) == ("output", 1, b"login: ")
    user.send(frame(INPUT, chunk(1, b"root\n"), sequence=8))
    assert receive(console) == ("input", 1, b"root\n")
    assert not console.poll(200), "output is one-way: the console side gets no replies"
    user.send(frame(DETACH, struct.pack("<II", 1, 0), sequence=9))
    assert receive(user) == ("detach", 1, 0, True)
    console.send(frame(OUTPUT, chunk(1, b"after detach\n"), sequence=3))
    assert not user.poll(300), "a detached user gets no more output"
    term.process.send_signal(signal.SIGTERM)
    assert term.process.wait(timeout=10) == 0
    assert term.log.read_bytes() == b"boot: hello\nlogin: after detach\n"


def test_input_needs_a_read_write_attach(terminal):
    term, context = terminal
    console, viewer, stranger = (peer(context, term.endpoint) for _ in range(3))
    console.send(frame(OUTPUT, chunk(3, b""), sequence=1))  # announce the console side
    viewer.send(frame(ATTACH, struct.pack("<II", 3, 1), sequence=1))
    assert receive(viewer) == ("attach", 3, 1, True)
    viewer.send(frame(INPUT, chunk(3, b"rm -rf /\n"), sequence=2))
    assert receive(viewer) == ("error", "unauthorized")
    stranger.send(frame(INPUT, chunk(3, b"x"), sequence=1))
    assert receive(stranger) == ("error", "unauthorized")
    assert not console.poll(300)


def test_input_typed_before_the_console_side_appears_is_delivered_when_it_does(terminal):
    term, context = terminal
    user = peer(context, term.endpoint)
    user.send(frame(ATTACH, struct.pack("<II", 2, 0), sequence=1))
    assert receive(user)[0] == "attach"
    user.send(frame(INPUT, chunk(2, b"early"), sequence=2))
    console = peer(context, term.endpoint)
    console.send(frame(OUTPUT, chunk(2, b""), sequence=1))
    assert receive(console) == ("input", 2, b"early")


def test_bad_frames_get_error_replies_and_the_terminal_keeps_logging(terminal):
    term, context = terminal
    hostile = peer(context, term.endpoint)
    cases = [
        (b"\x00" * 40, "malformed"),
        (frame(OUTPUT, struct.pack("<II", 1, 5000) + bytes(5000)), "oversized"),
        (frame(OUTPUT, struct.pack("<II", 1, 10) + b"abc"), "truncated"),
        (frame(ATTACH, struct.pack("<II", 1, 6)), "malformed"),
        (frame(DETACH, struct.pack("<II", 1, 1)), "malformed"),
        (frame(OUTPUT, chunk(1, b"x"), kind_version=2), "wrongVersion"),
        (frame(0x0101, b""), "unknownKind"),
    ]
    for raw, expected in cases:
        hostile.send(raw)
        assert receive(hostile) == ("error", expected), expected
    for batch in range(8):
        for i in range(250):
            hostile.send(bytes([i % 256]) * (i % 50))
        for i in range(250):
            assert receive(hostile)[0] == "error"
    console = peer(context, term.endpoint)
    console.send(frame(OUTPUT, chunk(1, b"still here\n")))
    hostile.close()
    term.process.send_signal(signal.SIGTERM)
    assert term.process.wait(timeout=10) == 0
    assert term.log.read_bytes() == b"still here\n"
    stopped = [l for l in term.stderr.read_text().splitlines() if "stopped:" in l][-1]
    assert "malformed=" in stopped and int(stopped.split("malformed=")[1].split()[0]) >= 2000 + len(cases) - 0


def test_output_survives_kill9_of_the_terminal(terminal):
    term, context = terminal
    console = peer(context, term.endpoint)
    user = peer(context, term.endpoint)
    user.send(frame(ATTACH, struct.pack("<II", 1, 1), sequence=1))
    assert receive(user)[0] == "attach"
    data = b"".join(b"line %04d\n" % i for i in range(500))
    for start in range(0, len(data), 100):
        console.send(frame(OUTPUT, chunk(1, data[start:start + 100])))
    got = b""
    while len(got) < len(data):
        got += receive(user)[2]
    term.process.send_signal(signal.SIGKILL)
    term.process.wait(timeout=10)
    assert term.log.read_bytes() == data
