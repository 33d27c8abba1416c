"""Bad hypercall arguments get Xen's errno, never a hypervisor crash (issue 5, "Bad input"): probe-hcall
(Guests/apps/probe-hcall) calls every hypercall with bad arguments — unknown numbers and sub-commands, unmapped
and past-RAM pointers, other domains' ids, bad physmap spaces and indices, bad parameters, bad vCPUs, every
arch_0 sub-op with a bad argument — then 2000 seeded random calls; a neighbour runs meanwhile."""
import re

import pytest

from domain_support import HypervisorRun, ensure_guests, guest, topology

HCALL = re.compile(r"^HCALL (\S+) ret=(-?\w+)(?: xen=(-?\d+))?$")


@pytest.fixture(scope="module")
def run(xenarm, tmp_path_factory):
    ensure_guests()
    directory = tmp_path_factory.mktemp("hcall")
    return HypervisorRun(xenarm, topology(directory, [
        {"name": "hcall", "kernel": guest("probe-hcall"), "memory": "8MiB", "args": "seed=7 count=2000"},
        {"name": "neighbour", "kernel": guest("compute"), "args": "iterations=50000"},
    ]), timeout=240)


def test_every_bad_argument_gets_the_errno_xen_gives(run):
    cases = [HCALL.match(l).groups() for l in run.console.get("hcall", []) if HCALL.match(l)]
    fixed = [(name, int(ret), int(xen)) for name, ret, xen in cases if xen is not None]
    assert len(fixed) >= 30, run.describe()
    wrong = [(name, ret, xen) for name, ret, xen in fixed if ret != xen]
    assert not wrong, wrong
    assert all(ret < 0 for _, ret, _ in fixed)


def test_random_calls_leave_the_guest_and_the_hypervisor_running(run):
    assert any(l.startswith("RANDOM seed=7 calls=2000") for l in run.console["hcall"]), run.describe()
    assert run.console["hcall"][-1] == "RESULT ok"
    reason, counters = run.ends["hcall"]
    assert reason == "poweroff"
    assert counters["hypercall_errors"] >= 30
    assert run.ends["neighbour"][0] == "poweroff"
    assert run.returncode == 0, run.describe()
