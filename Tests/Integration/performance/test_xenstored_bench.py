"""The xenstored benchmark script runs end to end (a short run; the figures in docs/benchmarks.md come from a
full release run of the same script), the guest's ring round trips included."""
import os
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from domain_support import ensure_guests  # noqa: E402


def test_benchmark_script_prints_rates_and_restart_times(xenarm):
    ensure_guests()
    result = subprocess.run([sys.executable, str(HERE / "xenstored_bench.py"), "--seconds", "0.3", "--nodes", "500",
                             "--restarts", "2"], env=dict(os.environ, XENARM=xenarm), capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    rows = {line.split("|")[1].strip(): float(line.split("|")[2].replace(",", "")) for line in lines
            if line.startswith("| ") and "round trips" not in line and "---" not in line}
    assert set(rows) >= {"Unix socket, XS_READ", "ZeroMQ ipc, XS_WRITE (fdatasync per write)",
                         "Guest ring, XS_READ (ratio to Unix socket XS_READ)",
                         "Guest ring, XS_WRITE (ratio to Unix socket XS_WRITE)"}
    assert all(rate > 0 for rate in rows.values())
    assert any(line.startswith("kill -9 → first READ answered, 500 nodes") for line in lines)
