"""Guest domains on the real hypervisor (issue 5): `xenarm launch` of the default topology boots both DomUs and
exits 0; each domain's end and reason is reported; a domain that crashes ends alone; kernels that cannot be
loaded are refused at launch with exit 2; `xenarm status` lists the domains."""
import json
import subprocess
import time

import pytest

from domain_support import HypervisorRun, assemble, ensure_guests, guest, topology
from launch_support import Launch, copy_topology, wait_until

CRASHER = """
_start:
    ldr r4, =0x48000000      @ outside its RAM, and no vectors registered: the hypervisor must kill it
    str r4, [r4]
    b .
"""


@pytest.fixture(scope="module", autouse=True)
def guests():
    ensure_guests()


def test_make_run_default_topology_shows_both_guests_and_exits_0(xenarm, repo, tmp_path):
    top = copy_topology(repo, "default.yaml", tmp_path, **{
        "../Guests/build/": f"{repo}/Guests/build/", "../run/default/": f"{tmp_path}/"})
    result = subprocess.run([xenarm, "launch", str(top), "--run-dir", str(tmp_path / "run")],
                            capture_output=True, text=True, timeout=300)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "[hello] Hello from application first (pid 1) in virtual user mode" in out
    assert "[hello] RESULT ok" in out
    assert "[compute] RESULT ok" in out
    assert "hello domain 1 ended: poweroff" in out
    assert "compute domain 2 ended: poweroff" in out
    assert "launcher all 2 domains powered off" in out
    # The hypervisor's own log has the same lines, prefixed by the domain name.
    log = (tmp_path / "run" / "logs" / "hypervisor.log").read_text()
    assert "[compute] RESULT ok" in log


def test_each_domain_reports_its_end_and_a_crash_ends_only_that_domain(xenarm, tmp_path):
    top = topology(tmp_path, [
        {"name": "good", "kernel": guest("hello")},
        {"name": "bad", "kernel": assemble(tmp_path, "crasher", CRASHER), "memory": "1MiB"},
        {"name": "other", "kernel": guest("compute"), "args": "iterations=50000"},
    ])
    run = HypervisorRun(xenarm, top)
    assert run.returncode == 1, run.describe()   # not every domain powered off
    assert run.ends["good"][0] == "poweroff", run.describe()
    assert run.ends["other"][0] == "poweroff", run.describe()
    reason, counters = run.ends["bad"]
    assert reason.startswith("crashed: data abort at 0x48000000"), reason
    assert "no vector registered" in reason
    assert counters["isolation_faults"] >= 1
    assert run.console["good"][-1] == "RESULT ok"
    assert run.console["other"][-1] == "RESULT ok"


def test_launch_exits_1_when_a_domain_did_not_power_off(xenarm, tmp_path):
    top = topology(tmp_path, [
        {"name": "good", "kernel": guest("hello-min")},
        {"name": "bad", "kernel": assemble(tmp_path, "crasher", CRASHER), "memory": "1MiB"},
    ])
    result = subprocess.run([xenarm, "launch", str(top), "--run-dir", str(tmp_path / "run")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "good domain 1 ended: poweroff" in result.stdout
    assert "bad domain 2 ended: crashed: data abort at 0x48000000" in result.stdout
    assert "domains did not all power off" in result.stdout


def test_a_kernel_that_does_not_fit_its_domain_is_refused_at_launch_with_exit_2(xenarm, tmp_path):
    big = assemble(tmp_path, "big", "_start: b .\n.bss\n.space 3 * 1024 * 1024\n")
    top = topology(tmp_path, [{"name": "small", "kernel": big, "memory": "2MiB"}])
    result = subprocess.run([xenarm, "launch", str(top), "--run-dir", str(tmp_path / "run")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "domain small: kernel" in result.stderr and "does not fit its memory" in result.stderr
    assert not (tmp_path / "run" / "logs").exists(), "nothing was started"
    # The hypervisor itself says the same and exits 2 if started by hand.
    run = HypervisorRun(xenarm, top)
    assert run.returncode == 2 and "does not fit" in run.stderr, run.describe()


def test_a_kernel_that_is_not_an_arm_executable_is_refused_with_exit_2(xenarm, tmp_path):
    top = topology(tmp_path, [{"name": "x86", "kernel": "/bin/true"}])
    result = subprocess.run([xenarm, "launch", str(top), "--run-dir", str(tmp_path / "run")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "x86" in result.stderr and "ARM" in result.stderr, result.stderr


def test_status_lists_the_domains_while_they_run(xenarm, tmp_path):
    top = topology(tmp_path, [
        {"name": "spinner", "kernel": guest("compute"), "args": "spin=1"},
        {"name": "quick", "kernel": guest("hello-min")},
    ])
    run = tmp_path / "run"
    launch = Launch(xenarm, top, run)
    try:
        def domains():
            state = launch.state()
            return state and state.get("domains") and len(state["domains"]) == 2 and state
        state = wait_until(domains, timeout=60, what="two domains in state.json")
        wait_until(lambda: any(d["name"] == "quick" and d["state"] == "poweroff"
                               for d in (launch.state() or {}).get("domains", [])), timeout=60, what="quick ended")
        status = subprocess.run([xenarm, "status", "--run-dir", str(run)], capture_output=True, text=True, timeout=30)
        assert status.returncode == 0, status.stderr
        # The first three columns; the fourth says where each guest's console is (docs/console.md).
        rows = [line.split()[:3] for line in status.stdout.splitlines()]
        assert ["DOMAIN", "ID", "STATE"] in rows, status.stdout
        assert ["spinner", "1", "running"] in rows, status.stdout
        assert ["quick", "2", "poweroff"] in rows, status.stdout
        assert f"log {run}/console/quick.log (read-only)" in status.stdout
        hv = next(p for p in launch.state()["processes"] if p["name"] == "hypervisor")
        wait_until(lambda: next(p for p in launch.state()["processes"] if p["name"] == "hypervisor")["counters"]
                   .get("spinner.instructions", 0) > 0, timeout=10, what="per-domain metrics")
        assert hv["kind"] == "hypervisor"
    finally:
        subprocess.run([xenarm, "stop", "--run-dir", str(run)], capture_output=True, timeout=30)
        launch.process.wait(timeout=30)
