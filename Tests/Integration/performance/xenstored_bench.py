"""xenstored benchmark (docs/benchmarks.md, "xenstored"): READ and WRITE round trips per second from a Dom0
client on the Unix socket and on ZeroMQ, each next to the same client against a C echo server on the same
transport (the reference: transport and client cost with no daemon work); then from a guest over its xenstore
ring (Guests/apps/xs-bench under `xenarm launch`, timed on the guest clock), next to the Dom0 Unix-socket
client's rate for the same request in this run; and kill -9 → ready with a 10 000-node tree. Prints a Markdown
table. Needs the guests built (`make guests`) unless --no-guest.

    XENARM=.build/release/xenarm /usr/bin/python3 Tests/Integration/performance/xenstored_bench.py [--seconds S]
"""
import argparse
import os
import pathlib
import re
import socket
import subprocess
import sys
import tempfile
import time

import zmq

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from xenstore_support import XS, HEADER, Xenstored, StreamClient, message, strings  # noqa: E402


def build_echo(directory: pathlib.Path) -> str:
    out = directory / "xs_echo"
    subprocess.run(["/opt/swift/usr/bin/clang", "-O2", "-o", str(out), str(HERE / "xs_echo.c"), "-lzmq"], check=True)
    return str(out)


def wait_for_socket(path):
    for _ in range(400):
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            return s
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"no socket at {path}")


def stream_rate(sock, frame, seconds):
    """Sequential round trips of FRAME on a connected stream socket; returns round trips per second."""
    expected_min = 16
    n = 0
    start = time.perf_counter()
    end = start + seconds
    while True:
        sock.sendall(frame)
        buf = b""
        while len(buf) < expected_min or len(buf) < 16 + HEADER.unpack_from(buf)[3]:
            buf += sock.recv(65536)
        n += 1
        if n % 64 == 0 and time.perf_counter() >= end:
            break
    return n / (time.perf_counter() - start)


def zmq_rate(endpoint, frame, seconds, context):
    d = context.socket(zmq.DEALER)
    d.setsockopt(zmq.LINGER, 0)
    d.connect(endpoint)
    d.send(frame)
    d.recv()  # connected
    n = 0
    start = time.perf_counter()
    end = start + seconds
    while True:
        d.send(frame)
        d.recv()
        n += 1
        if n % 64 == 0 and time.perf_counter() >= end:
            break
    d.close()
    return n / (time.perf_counter() - start)


GUEST_TOPOLOGY = """name: xs-bench
machine:
  memory: 64MiB
  hypervisor_reserve: 16MiB
xenstored: {{}}
domains:
  - name: bench
    memory: 4MiB
    kernel: {kernel}
    args: "ms={ms}"
"""


def guest_rates(xenarm, work: pathlib.Path, seconds: float):
    """Runs Guests/apps/xs-bench in one domain under `xenarm launch` (xenstored serving its ring through the
    hypervisor bus); returns {"read": (count, ns), "write": (count, ns)} from its XSB lines."""
    kernel = HERE.parents[2] / "Guests" / "build" / "xs-bench.elf"
    if not kernel.exists():
        raise SystemExit(f"{kernel} missing: run `make guests`")
    topology = work / "xs-bench.yaml"
    topology.write_text(GUEST_TOPOLOGY.format(kernel=kernel, ms=int(seconds * 1000)))
    result = subprocess.run([xenarm, "launch", str(topology), "--run-dir", str(work / "guest-run")],
                            capture_output=True, text=True, timeout=120 + 4 * seconds)
    out = result.stdout + result.stderr
    found = {m.group(1): (int(m.group(2)), int(m.group(3)))
             for m in re.finditer(r"^\[bench\] XSB (read|write) count=(\d+) total_ns=(\d+)$", out, re.M)}
    if result.returncode != 0 or set(found) != {"read", "write"}:
        raise SystemExit(f"xs-bench guest failed (exit {result.returncode}):\n{out}")
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--restarts", type=int, default=5)
    parser.add_argument("--no-guest", action="store_true", help="skip the guest's ring round trips")
    args = parser.parse_args()
    xenarm = os.environ.get("XENARM", str(HERE.parents[2] / ".build" / "release" / "xenarm"))
    work = pathlib.Path(tempfile.mkdtemp(prefix="xs-bench-"))
    echo = build_echo(work)
    context = zmq.Context()
    rows = []

    echo_unix = subprocess.Popen([echo, "unix", str(work / "echo.sock")])
    echo_zmq = subprocess.Popen([echo, "zmq", f"ipc://{work}/echo.ipc"])
    xs = Xenstored(xenarm, work / "xs")
    (work / "xs").mkdir()
    xs.start()
    try:
        read = message("READ", strings("/bench/key"), req_id=1)
        write = message("WRITE", b"/bench/key\0" + b"v" * 16, req_id=2)
        setup = StreamClient(xs.socket_path)
        setup.write("/bench/key", b"v" * 16)
        ref_unix = stream_rate(wait_for_socket(str(work / "echo.sock")), read, args.seconds)
        s = wait_for_socket(xs.socket_path)
        unix_read = stream_rate(s, read, args.seconds)
        unix_write = stream_rate(s, write, args.seconds)
        ref_zmq = zmq_rate(f"ipc://{work}/echo.ipc", read, args.seconds, context)
        zmq_read = zmq_rate(xs.endpoint, read, args.seconds, context)
        zmq_write = zmq_rate(xs.endpoint, write, args.seconds, context)
        rows += [
            ("Unix socket, echo reference (C)", ref_unix, 1.0),
            ("Unix socket, XS_READ", unix_read, unix_read / ref_unix),
            ("Unix socket, XS_WRITE (fdatasync per write)", unix_write, unix_write / ref_unix),
            ("ZeroMQ ipc, echo reference (C ROUTER)", ref_zmq, 1.0),
            ("ZeroMQ ipc, XS_READ", zmq_read, zmq_read / ref_zmq),
            ("ZeroMQ ipc, XS_WRITE (fdatasync per write)", zmq_write, zmq_write / ref_zmq),
        ]

        if not args.no_guest:
            guest = guest_rates(xenarm, work, args.seconds)
            (rn, rns), (wn, wns) = guest["read"], guest["write"]
            guest_read, guest_write = rn / (rns / 1e9), wn / (wns / 1e9)
            rows += [
                ("Guest ring, XS_READ (ratio to Unix socket XS_READ)", guest_read, guest_read / unix_read),
                ("Guest ring, XS_WRITE (ratio to Unix socket XS_WRITE)", guest_write, guest_write / unix_write),
            ]

        # A 10 000-node tree, written in pipelined batches (one fsync per batch), then kill -9 → first answer.
        batch = 500
        for first in range(0, args.nodes, batch):
            frames = [message("WRITE", f"/tree/{i // 100}/{i % 100}".encode() + b"\0" + b"x" * 32)
                      for i in range(first, min(args.nodes, first + batch))]
            setup.sock.sendall(b"".join(frames))
            for _ in frames:
                assert setup.reply()[0] == XS["WRITE"]
        setup.close()
        s.close()
        times = []
        for _ in range(args.restarts):
            xs.kill9()
            started = time.perf_counter()
            xs.start()
            c = StreamClient(xs.socket_path)
            assert c.call("READ", f"/tree/{(args.nodes - 1) // 100}/{(args.nodes - 1) % 100}") == b"x" * 32
            times.append(time.perf_counter() - started)
            c.close()
    finally:
        xs.stop()
        echo_unix.kill()
        echo_zmq.kill()
        context.term()

    print(f"| path | round trips/s | ratio to its reference |")
    print(f"| --- | ---: | ---: |")
    for name, rate, ratio in rows:
        print(f"| {name} | {rate:,.0f} | {ratio:.2f} |")
    times.sort()
    print()
    print(f"kill -9 → first READ answered, {args.nodes} nodes + /local, /tool: median {times[len(times) // 2] * 1000:.0f} ms, "
          f"min {times[0] * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms over {len(times)} restarts")


if __name__ == "__main__":
    main()
