"""`xenarm bench blk` (docs/block.md, "Benchmark"; docs/benchmarks.md, "Block path"): the guest benchmark blk-bench
through blkback and a disk model, side by side with raw ZeroMQ ipc PUSH/PULL of 64 KiB messages in the same run.
Run small here: it checks that the command works end to end and prints every figure; the recorded figures come from
`.build/release/xenarm bench blk Topologies/bench-blk.yaml` (no target is asserted on this shared machine)."""
import pathlib
import re
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from blk_support import topology  # noqa: E402
from domain_support import ensure_guests  # noqa: E402


def test_bench_blk_prints_guest_and_raw_figures_and_their_ratio(xenarm, repo, tmp_path):
    ensure_guests()
    path = topology(repo, "bench-blk.yaml", tmp_path, {"bench": "mb=2 ios=200 depth=8"})
    result = subprocess.run([xenarm, "bench", "blk", str(path), "--raw-messages", "1000", "--raw-repeats", "1",
                             "--run-dir", str(tmp_path / "run")], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    print(out)
    raw = float(re.search(r"raw ZeroMQ ipc PUSH/PULL 64 KiB: +([\d.]+) MB/s", out).group(1))
    read = float(re.search(r"guest seq-read 64 KiB: +([\d.]+) MB/s", out).group(1))
    write = float(re.search(r"guest seq-write 64 KiB: +([\d.]+) MB/s", out).group(1))
    ratio = float(re.search(r"ratio seq-read / raw: +([\d.]+)", out).group(1))
    m = re.search(r"guest rand-read 4 KiB: +(\d+) IOPS, p50 ([\d.]+) us, p99 ([\d.]+) us", out)
    assert m and int(m.group(1)) > 0 and float(m.group(2)) <= float(m.group(3))
    assert raw > 0 and read > 0 and write > 0
    assert abs(ratio - read / raw) < 0.01
    # The backend's counters: every byte of the guest's phases went through it.
    counters = dict(kv.split("=") for kv in re.search(r"^blk0: (.*)$", out, re.M).group(1).split())
    assert int(counters["bytes_read"]) >= 2 * 2**20 and int(counters["bytes_written"]) == 2 * 2**20
    assert int(counters["errors"]) == 0
