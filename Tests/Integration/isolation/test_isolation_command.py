"""`xenarm test isolation` (docs/isolation.md): the whole battery on Topologies/isolation.yaml — probe guests,
a hostile Dom0 peer on the hypervisor bus, a backend and a device model killed, a guest crashing, CPU shares,
a hostile block frontend —
must hold check by check and say so in its table, its JSON and its exit status; and a probe that reports
nothing must make its check fail (the positive controls are what make a verdict mean something)."""
import json
import subprocess

import pytest

from domain_support import ensure_guests, guest

# Every check the battery runs on the shipped topology (group/name), as docs/isolation.md lists them.
EXPECTED = {
    "memory/below-own-block", "memory/past-own-block", "memory/other-domain-block", "memory/hypervisor-reserve",
    "memory/foreign-page-table-entry", "memory/application-to-kernel", "memory/application-hypercall",
    "grants/wrong-domain", "grants/read-only-written", "grants/out-of-page", "grants/revoked", "grants/bad-ref",
    "grants/backend-not-serving", "grants/domain-granted-nothing",
    "event-channels/bind-other-domain-ports", "event-channels/status-other-domain-ports",
    "event-channels/send-close-ports-not-owned", "event-channels/offered-port-untouched",
    "event-channels/port-exhaustion",
    "xenstore/read-other-domain", "xenstore/write-other-domain", "xenstore/chmod-other-domain",
    "xenstore/watch-other-domain", "xenstore/quota-exhaustion", "xenstore/victim-node-intact",
    "block/malformed-ring-requests", "block/foreign-grant", "block/ring-overflow",
    "bus/no-hello", "bus/no-secret", "bus/stolen-name", "bus/unknown-name", "bus/impersonate-other-backend",
    "bus/malformed-frames", "bus/oversized-frame", "bus/replayed-frames", "bus/flood", "bus/refusals-counted",
    "crash/backend-killed", "crash/device-model-killed", "crash/guest-crash",
    "cpu/spinner-cap", "cpu/neighbour-share",
    "hypercalls/bad-arguments", "fuzz/random-hypercalls",
}


def run_battery(xenarm, topology, directory, timeout=240):
    result = subprocess.run([xenarm, "test", "isolation", str(topology), "--json", str(directory / "report.json"),
                             "--run-dir", str(directory / "run")], capture_output=True, text=True, timeout=timeout)
    report = json.loads((directory / "report.json").read_text())
    return result, report


@pytest.fixture(scope="module")
def battery(xenarm, repo, tmp_path_factory):
    ensure_guests()
    return run_battery(xenarm, repo / "Topologies" / "isolation.yaml", tmp_path_factory.mktemp("battery"))


def describe(result, report):
    failing = [f"{c['group']}/{c['name']}: {c['observed']} | control: {c['control']}" for c in report["checks"]
               if c["verdict"] != "HOLDS"]
    return f"exit {result.returncode}\n" + "\n".join(failing) + "\n" + result.stdout[-3000:] + result.stderr[-2000:]


def test_every_check_of_the_battery_holds_and_the_command_exits_0(battery):
    result, report = battery
    assert {f"{c['group']}/{c['name']}" for c in report["checks"]} == EXPECTED, describe(result, report)
    assert all(c["verdict"] == "HOLDS" for c in report["checks"]), describe(result, report)
    assert result.returncode == 0, describe(result, report)


def test_the_table_shows_every_check_with_attempt_observation_control_and_verdict(battery):
    result, report = battery
    table = result.stdout
    assert table.splitlines()[0].split(" | ") == ["check".ljust(30), "attempted".ljust(44), "expected".ljust(26),
                                                 "observed".ljust(40), "positive control".ljust(36), "verdict"]
    for c in report["checks"]:
        assert f"{c['group']}/{c['name']}"[:30] in table, c
        assert c["observed"] and c["control"] and c["attempted"] and c["expected"], c
    assert f"{len(EXPECTED)} of {len(EXPECTED)} checks hold" in table
    assert "isolation holds" in table
    # What is not checked yet is said, not hidden.
    assert "not checked: grants: a grant revoked while a copy is in flight" in table


def test_the_hostile_peer_was_counted_by_the_hypervisor(battery):
    _, report = battery
    counted = next(c for c in report["checks"] if c["name"] == "refusals-counted")
    assert "unauthenticated +" in counted["observed"] and "malformed +" in counted["observed"], counted


def test_a_probe_that_reports_nothing_fails_its_check_and_the_command_exits_1(xenarm, tmp_path):
    """probe-mem told to run only its page-table and application probes: the raw accesses and their control are
    never attempted, so the checks built on them must fail (not pass for lack of evidence), while the checks it
    did run still hold."""
    ensure_guests()
    topology = tmp_path / "weak.yaml"
    topology.write_text(f"""name: weak
machine: {{memory: 64MiB, hypervisor_reserve: 16MiB}}
xenstored: {{}}
domains:
  - {{name: mem, memory: 8MiB, kernel: {guest('probe-mem')}, args: "pte user"}}
  - {{name: quiet, memory: 4MiB, kernel: {guest('compute')}, args: "spin=1 report=50000"}}
""")
    result, report = run_battery(xenarm, topology, tmp_path, timeout=180)
    verdicts = {f"{c['group']}/{c['name']}": c for c in report["checks"]}
    assert result.returncode == 1, describe(result, report)
    below = verdicts["memory/below-own-block"]
    assert below["verdict"] == "FAILS" and below["observed"] == "nothing reported", below
    assert verdicts["memory/foreign-page-table-entry"]["verdict"] == "HOLDS", describe(result, report)
    assert verdicts["memory/application-to-kernel"]["verdict"] == "HOLDS", describe(result, report)
    assert "ISOLATION NOT SHOWN" in result.stdout
