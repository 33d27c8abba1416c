"""The hypervisor benchmark topology (Topologies/bench-hypercall.yaml, `make bench-hypercall`) runs and reports
the null hypercall next to its reference. Figures belong in docs/benchmarks.md from a release build; this only
checks that the measurement runs and is sane."""
import re

from domain_support import HypervisorRun, copy_shipped_topology, ensure_guests

BENCH = re.compile(r"^BENCH (\S+) count=(\d+) total_ns=(\d+) ns_per_op=(\d+)$")


def test_the_bench_topology_reports_a_null_hypercall_and_its_reference(xenarm, repo, tmp_path):
    ensure_guests()
    top = copy_shipped_topology("bench-hypercall.yaml", tmp_path, **{
        "../Guests/build/": f"{repo}/Guests/build/", "count=200000": "count=2000"})
    run = HypervisorRun(xenarm, top, timeout=300)
    assert run.returncode == 0, run.describe()
    figures = {m.group(1): int(m.group(4)) for m in map(BENCH.match, run.console.get("bench", [])) if m}
    assert {"function-call", "null-hypercall"} <= set(figures), run.describe()
    assert 0 < figures["function-call"] < figures["null-hypercall"], figures
