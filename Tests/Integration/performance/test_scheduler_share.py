"""A spinning guest with a cap leaves its neighbour its share, measured (issue 5): on one pCPU, the compute
guest alone, next to a spinner capped at 20%, and next to the same spinner uncapped. The share is the worker's
run time (the hypervisor's run_ns for it) over its wall time (its own ms= on the guest clock): what the
scheduler gave it, whatever the host's load does to the speed of each instruction. The spinner (compute spin=1)
never stops: each run ends when the worker has ended."""
import re
import subprocess
import time

import pytest

from domain_support import END, ensure_guests, guest, topology

ITERATIONS = 2_000_000
RESULT = re.compile(r"^\[worker\] compute: iterations=\d+ checksum=0x[0-9a-f]+ ms=(\d+)$")


def worker_share(xenarm, directory, name, spinner=None):
    """(wall ms, run ms) of the worker."""
    domains = [{"name": "worker", "kernel": guest("compute"), "args": f"iterations={ITERATIONS}"}]
    if spinner is not None:
        domains.append({"name": "spinner", "kernel": guest("compute"), "args": "spin=1", **spinner})
    top = topology(directory, domains, name=name, pcpus=1)
    process = subprocess.Popen([xenarm, "hypervisor", "--name", "hypervisor", "--topology", str(top)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen, wall = [], None
    try:
        deadline = time.monotonic() + 300
        for line in process.stdout:
            seen.append(line.rstrip())
            m = RESULT.match(line.rstrip())
            if m:
                wall = int(m.group(1))
            m = END.match(line.rstrip())
            if m and m.group(1) == "worker":
                run_ns = int(dict(kv.split("=") for kv in m.group(4).split())["run_ns"])
                assert wall is not None and m.group(3) == "poweroff", seen
                return wall, run_ns / 1e6
            assert time.monotonic() < deadline, "worker did not finish"
    finally:
        process.kill()
        process.wait()
    raise AssertionError("no worker result:\n" + "\n".join(seen))


@pytest.fixture(scope="module")
def measured(xenarm, tmp_path_factory):
    ensure_guests()
    d = tmp_path_factory.mktemp("share")
    figures = {
        "alone": worker_share(xenarm, d, "alone"),
        "capped": worker_share(xenarm, d, "capped", {"cap": 20}),
        "uncapped": worker_share(xenarm, d, "uncapped", {}),
    }
    for k, (wall, run) in figures.items():
        print(f"worker {k}: wall {wall} ms, ran {run:.0f} ms, share {run / wall:.2f}")
    return {k: run / wall for k, (wall, run) in figures.items()}


def test_a_spinner_capped_at_20_percent_leaves_the_worker_about_80_percent(measured):
    assert measured["alone"] >= 0.85, measured
    assert measured["capped"] >= 0.70, measured


def test_without_the_cap_the_same_spinner_takes_half(measured):
    # The measurement can tell: an uncapped spinner of equal weight takes about half the pCPU.
    assert 0.35 <= measured["uncapped"] <= 0.65, measured
    assert measured["capped"] > measured["uncapped"] + 0.15, measured
