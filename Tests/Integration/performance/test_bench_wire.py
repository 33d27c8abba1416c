"""`xenarm bench wire` compiles the raw libzmq baseline, runs both sides and prints one row per case."""
import re
import subprocess


def test_bench_wire_prints_a_ratio_for_every_case(xenarm, repo):
    run = subprocess.run(
        [xenarm, "bench", "wire", "--scale", "0.01", "--repeats", "1", "--markdown"],
        cwd=repo, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    rows = [line for line in run.stdout.splitlines() if line.startswith("| ") and "---" not in line][1:]
    cases = [tuple(cell.strip() for cell in row.strip("|").split("|")[:2]) for row in rows]
    assert cases == [
        ("round trip 64 B", "ipc"), ("round trip 64 B", "tcp"),
        ("throughput 4 KiB", "ipc"), ("throughput 4 KiB", "tcp"),
        ("throughput 64 KiB", "ipc"), ("throughput 64 KiB", "tcp"),
        ("throughput 64 KiB, borrowed receive", "ipc"), ("throughput 64 KiB, borrowed receive", "tcp"),
        ("framed request 64 B", "ipc"), ("framed request 64 B", "tcp"),
    ]
    for row in rows:
        ratio = float(row.strip("|").split("|")[5])
        assert 0 < float(row.strip("|").split("|")[6]) < 100, row
        assert 0 < ratio < 100, row
        assert re.search(r"µs/rt|MB/s", row), row


def test_bench_wire_reports_a_missing_baseline_source(xenarm, tmp_path):
    run = subprocess.run([xenarm, "bench", "wire", "--baseline-source", str(tmp_path / "absent.c")],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    assert "not found" in run.stderr
