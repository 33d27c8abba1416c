"""Memory isolation with real guests (DESIGN.md §4): probe-mem (Guests/apps/probe-mem) tries to read and write
outside its block — below and past its RAM, where a neighbour's block follows in machine memory, the grant and
magic windows it was not given, guest-physical 0 (where the hypervisor reserve sits in machine memory) — with
translation off, through a forged page-table entry, and from its applications against its kernel. Every access
must fault in that guest only; a neighbour keeps running and powers off normally."""
import re

import pytest

from domain_support import HypervisorRun, ensure_guests, guest, topology

PROBE = re.compile(r"^PROBE (\S+) target=(0x[0-9a-f]+) result=(\S+)(.*)$")

# Extra targets, one probe domain each: the neighbour's block (8 MiB past RAM), the hypervisor reserve's
# machine address, the grant-table window before anything is mapped there, the magic page after the two given.
TARGETS = {"neighbour": "0x40800000", "reserve": "0x00001000", "grants": "0x38000000", "magic": "0x39002000"}


@pytest.fixture(scope="module")
def probes(xenarm, tmp_path_factory):
    ensure_guests()
    directory = tmp_path_factory.mktemp("isolation")
    domains = [{"name": f"mem-{k}", "kernel": guest("probe-mem"), "memory": "8MiB", "args": f"addr={v}"}
               for k, v in TARGETS.items()]
    domains.append({"name": "neighbour", "kernel": guest("hello")})
    return HypervisorRun(xenarm, topology(directory, domains), timeout=240)


def probe_lines(run, domain):
    return [PROBE.match(line).groups() for line in run.console.get(domain, []) if PROBE.match(line)]


@pytest.mark.parametrize("target", TARGETS)
def test_every_access_outside_the_block_faults_in_that_guest(probes, target):
    lines = probe_lines(probes, f"mem-{target}")
    assert lines, probes.describe()
    cases = {case for case, *_ in lines}
    assert {"raw-read", "raw-write", "pte-read", "pte-write"} <= cases, cases
    for case, address, result, rest in lines:
        assert result in ("fault", "refused"), f"{case} at {address}: {result}{rest}"
        if case.startswith("raw-") or case.startswith("pte-") and case != "pte-install":
            assert result == "fault" and "vmode=kernel" in rest, f"{case} at {address}: {result}{rest}"
    assert TARGETS[target] in {address for _, address, *_ in lines}
    assert probes.console[f"mem-{target}"][-1] == "RESULT ok"
    reason, counters = probes.ends[f"mem-{target}"]
    assert reason == "poweroff"
    assert counters["isolation_faults"] >= 6, counters   # raw and pte accesses the stage 2 refused


def test_a_page_table_naming_a_frame_outside_the_block_is_refused(probes):
    installs = [l for l in probe_lines(probes, "mem-neighbour") if l[0] == "pte-install"]
    assert installs and all(result == "refused" and "errno=-22" in rest for _, _, result, rest in installs)


def test_an_application_touching_its_kernel_gets_a_fault_delivered_to_its_kernel(probes):
    user = {case: (result, rest) for case, _, result, rest in probe_lines(probes, "mem-reserve")
            if case.startswith("user-")}
    assert set(user) == {"user-read-kernel", "user-write-kernel", "user-exec-kernel"}, user
    for case, (result, rest) in user.items():
        assert result == "fault" and "vmode=user" in rest, f"{case}: {result}{rest}"
    assert "kind=data-abort" in user["user-read-kernel"][1]
    assert "kind=data-abort" in user["user-write-kernel"][1]
    assert "kind=prefetch-abort" in user["user-exec-kernel"][1]


def test_the_neighbour_is_not_affected(probes):
    assert probes.returncode == 0, probes.describe()
    assert probes.ends["neighbour"][0] == "poweroff"
    assert probes.console["neighbour"][-1] == "RESULT ok"
    assert probes.ends["neighbour"][1]["isolation_faults"] == 0
