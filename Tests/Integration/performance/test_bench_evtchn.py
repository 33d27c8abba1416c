"""Event channel notify round trip guest -> Dom0 process -> guest (docs/benchmarks.md, "Event channels"), side by
side with a raw ZeroMQ ipc round trip (bench/wire/zmq_baseline.c) in the same run.

The guest (Guests/apps/evtchn-ping) times each round trip with its own clock: EVTCHNOP_send, the hypervisor
pushes a BusEvent to the Dom0 process (`xenarm bus-echo`), which answers with BusNotify, the hypervisor marks
the guest's port pending and the guest's upcall/block returns. The raw reference is one DEALER/ROUTER echo of
8 bytes over ipc between two threads of a C program.

Run as a test it checks that the whole path works and prints the figures; `python3 THIS_FILE` (with XENARM set
to a release build) prints the Markdown row for docs/benchmarks.md."""
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from bus_support import Hypervisor, topology

REPO = pathlib.Path(__file__).resolve().parents[3]


def compile_baseline(directory: pathlib.Path) -> pathlib.Path:
    binary = directory / "zmq_baseline"
    subprocess.run(["cc", "-O2", "-pthread", "-o", str(binary), str(REPO / "bench/wire/zmq_baseline.c"), "-lzmq"],
                   check=True)
    return binary


def raw_round_trip_ns(baseline: pathlib.Path, count: int) -> float:
    out = subprocess.run([str(baseline), "roundtrip", "ipc", "8", str(count)], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    return float(out.strip()) / count


def guest_round_trip_ns(xenarm: str, directory: pathlib.Path, count: int) -> float:
    directory.mkdir(parents=True, exist_ok=True)
    kernel = REPO / "Guests" / "build" / "evtchn-ping.elf"
    assert kernel.exists(), "run `make guests` first"
    path = topology(directory / "bus.yaml", kernel, ping_args=f"count={count} warmup=100",
                    other_args="count=1 wait=1")
    hv = Hypervisor(xenarm, directory, path)
    try:
        port = hv.offered_port("ping")
        echo = hv.echo("console-ping", 1, port)
        m = hv.wait_for(r"\[ping\] PING rtt count=(\d+) total_ns=(\d+) avg_ns=(\d+)", timeout=300)
        hv.wait_for(r"\[ping\] RESULT ok")
        echo.communicate(timeout=30)
        return int(m.group(2)) / int(m.group(1))
    finally:
        hv.stop()


def measure(xenarm: str, directory: pathlib.Path, count: int, repeats: int):
    """Alternates raw and guest runs; returns (raw medians, guest medians, per-pair ratios)."""
    baseline = compile_baseline(directory)
    raw, guest = [], []
    for k in range(repeats):
        raw.append(raw_round_trip_ns(baseline, count))
        guest.append(guest_round_trip_ns(xenarm, directory / f"run{k}", count))
    ratios = [g / r for g, r in zip(guest, raw)]
    return raw, guest, ratios


def test_notify_round_trip_guest_to_dom0_process_to_guest_completes_and_is_measured(xenarm, tmp_path):
    raw, guest, ratios = measure(xenarm, tmp_path, count=300, repeats=1)
    print(f"\nraw ipc round trip {raw[0] / 1000:.1f} µs, guest->Dom0->guest {guest[0] / 1000:.1f} µs, "
          f"ratio {ratios[0]:.2f}")
    assert guest[0] > 0 and raw[0] > 0


if __name__ == "__main__":
    xenarm = os.environ.get("XENARM", str(REPO / ".build" / "release" / "xenarm"))
    count = int(os.environ.get("COUNT", "5000"))
    repeats = int(os.environ.get("REPEATS", "5"))
    with tempfile.TemporaryDirectory() as d:
        raw, guest, ratios = measure(xenarm, pathlib.Path(d), count, repeats)
    print(f"| notify round trip guest → Dom0 process → guest | {count} | "
          f"{statistics.median(raw) / 1000:.1f} µs | {statistics.median(guest) / 1000:.1f} µs | "
          f"{statistics.median(ratios):.2f} | {min(guest) / min(raw):.2f} |")
    print("raw µs:", [round(x / 1000, 1) for x in raw])
    print("guest µs:", [round(x / 1000, 1) for x in guest])
