"""The guest programs booted by the real hypervisor through `xenarm launch` (Topologies/guests.yaml,
Topologies/probes.yaml): their output lines and final RESULT, as docs/guest-abi.md specifies them."""
import pytest

from guest_support import REPO, fields, launch, make, write_topology


@pytest.fixture(scope="module", autouse=True)
def guests_built():
    result = make("all")
    assert result.returncode == 0, result.stdout + result.stderr


def compute_checksum(iterations: int) -> int:
    """compute's workload (apps/compute/user.c) in Python: the checksum a correct CPU and kernel print."""
    x, total = 0x12345678, 0
    for i in range(iterations):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        total = (total * 31 + (x ^ i)) & 0xFFFFFFFF
    return total


def test_hello_and_compute_run_their_applications_in_user_mode_and_power_off(xenarm, tmp_path):
    status, lines, output = launch(xenarm, REPO / "Topologies" / "guests.yaml", tmp_path / "run")
    assert status == 0, output
    hello, compute = lines["hello"], lines["compute"]
    assert hello[0] == 'xenarm-minios: domid=1 ram=4096KiB cmdline=""'
    for who in ("first", "second"):
        assert any(line.startswith(f"Hello from application {who} (pid ") and line.endswith("in virtual user mode")
                   for line in hello), hello
        done = [line for line in hello if line.startswith(f"application {who} ") and line.endswith("done")]
        assert len(done) == 1, hello
        assert int(fields(done[0])["slept"]) >= 10  # sys_sleep(10) lasted at least 10 ms of guest time
    # Both applications greeted before either finished: while one slept, the other ran.
    first_done = min(i for i, line in enumerate(hello) if line.endswith("done"))
    assert sum(1 for line in hello[:first_done] if line.startswith("Hello from application")) == 2
    assert "hello: all applications exited (status sum 0)" in "\n".join(hello)
    assert hello[-1] == "RESULT ok"
    result = [line for line in compute if line.startswith("compute: iterations=")]
    assert len(result) == 1, compute
    assert fields(result[0])["checksum"] == f"0x{compute_checksum(200000):08x}"
    assert compute[-1] == "RESULT ok"
    assert "compute domain 2 ended: poweroff" in output and "hello domain 1 ended: poweroff" in output


def test_isolation_probes_all_fault_or_are_refused(xenarm, tmp_path):
    status, lines, output = launch(xenarm, REPO / "Topologies" / "probes.yaml", tmp_path / "run")
    assert status == 0, output
    for name in ("mem", "hcall", "evt-offer", "evt-probe", "grant"):
        assert lines[name][-1] == "RESULT ok", (name, lines.get(name))

    probes = [fields(line) | {"case": line.split()[1]} for line in lines["mem"] if line.startswith("PROBE ")]
    cases = {p["case"] for p in probes}
    assert {"raw-read", "raw-write", "pte-read", "pte-write", "pte-install", "user-read-kernel",
            "user-write-kernel", "user-exec-kernel"} <= cases
    assert all(p["result"] in ("fault", "refused") for p in probes), probes
    # Every target: below RAM, past RAM and the topology's addr= (where a neighbour's block would be).
    assert {p["target"] for p in probes if p["case"] == "raw-write"} == {"0x3ffffffc", "0x40800000", "0x48000000"}
    user = [p for p in probes if p["case"].startswith("user-")]
    assert all(p["vmode"] == "user" for p in user)
    assert {p["case"]: p["kind"] for p in user} == {
        "user-read-kernel": "data-abort", "user-write-kernel": "data-abort", "user-exec-kernel": "prefetch-abort"}
    # An application's own HVC reaches its kernel as an undefined instruction, not the hypervisor.
    hvc = next(p for p in probes if p["case"] == "app-hypercall")
    assert (hvc["result"], hvc["kind"], hvc["vmode"]) == ("fault", "undefined", "user")
    syscalls = [fields(line) for line in lines["mem"] if line.startswith("SYSCALL ")]
    assert len(syscalls) == 5 and all(s["ret"] == s["expect"] for s in syscalls), syscalls
    # A fault stays with the faulting domain: the neighbours finished normally.
    assert output.count("ended: poweroff") == 5

    hcalls = [fields(line) | {"case": line.split()[1]} for line in lines["hcall"] if line.startswith("HCALL ")]
    fixed = [h for h in hcalls if h["case"] != "xen_version-after"]
    assert len(fixed) >= 40
    assert all(int(h["ret"]) < 0 for h in fixed), [h for h in fixed if int(h["ret"]) >= 0]
    refused_tables = {h["case"] for h in fixed if h["case"].startswith("set-ttbr-")}
    assert {"set-ttbr-section-outside-ram", "set-ttbr-supersection", "set-ttbr-l2-outside-ram",
            "set-ttbr-small-page-foreign", "set-ttbr-large-page-past-ram"} <= refused_tables
    assert "CONTROL set-ttbr-valid-copy ret=0" in lines["hcall"]  # the same table without the bad entry passes
    random = fields(next(line for line in lines["hcall"] if line.startswith("RANDOM ")))
    assert random["calls"] == "2000"

    offered = fields(next(line for line in lines["evt-offer"] if line.startswith("EVTCHN offered ")))["port"]
    probe = [fields(line) | {"case": line.split()[1]} for line in lines["evt-probe"] if "ret=" in line]
    assert any(p["case"] == "bind-peer-port" and p["port"] == offered for p in probe)
    assert all(int(p["ret"]) < 0 for p in probe), probe
    assert int(fields(next(l for l in lines["evt-probe"] if "loopback-delivered" in l))["count"]) >= 1
    assert "EVTCHN offered-after ret=0 status=1" in lines["evt-offer"]  # still unbound: nobody took it

    copies = {line.split()[1]: fields(line) for line in lines["grant"] if line.startswith("GNTCOPY ")}
    assert copies["ok"] == {"rc": "0", "status": "0"}
    for case in ("wrong-domain", "read-only-written", "out-of-page", "revoked", "bad-ref"):
        assert copies[case]["rc"] != "0" or int(copies[case]["status"]) < 0, (case, copies[case])


def test_random_hypercalls_never_take_the_guest_or_its_neighbour_down(xenarm, tmp_path):
    domains = [{"name": f"fuzz{seed}", "program": "probe-hcall", "args": f"random-only seed={seed} count=3000"}
               for seed in (7, 99, 12345)]
    domains.append({"name": "neighbour", "program": "hello"})
    status, lines, output = launch(xenarm, write_topology(tmp_path / "fuzz.yaml", domains), tmp_path / "run")
    assert status == 0, output
    for seed in (7, 99, 12345):
        guest = lines[f"fuzz{seed}"]
        assert guest[-1] == "RESULT ok", guest
        assert fields(next(line for line in guest if line.startswith("RANDOM ")))["calls"] == "3000"
    assert lines["neighbour"][-1] == "RESULT ok"


def test_a_probe_that_finds_no_fault_says_so(xenarm, tmp_path):
    """The probe's verdict is real: aimed at an unused page of its own RAM (no fault is due), it reports no-fault and fails."""
    domains = [{"name": "own", "program": "probe-mem", "args": "raw addr=0x40700000"}]
    status, lines, output = launch(xenarm, write_topology(tmp_path / "own.yaml", domains), tmp_path / "run")
    own = lines["own"]
    assert any(line.startswith("PROBE raw-read target=0x40700000 result=no-fault") for line in own), own
    assert own[-1].startswith("RESULT fail")


def test_minimal_guest_echoes_its_command_line(xenarm, tmp_path):
    domains = [{"name": "tiny", "program": "hello-min", "memory": "1MiB", "args": "one two"}]
    status, lines, output = launch(xenarm, write_topology(tmp_path / "tiny.yaml", domains), tmp_path / "run")
    assert status == 0, output
    assert lines["tiny"] == ["hello from xenarm guest (minimal) domid=0x00000001 ram=0x00100000",
                             "cmdline: one two", "RESULT ok"]


def test_grant_export_mode_lists_its_grants_and_keeps_pages_intact_without_a_peer(xenarm, tmp_path):
    domains = [{"name": "exporter", "program": "probe-grant", "args": "export wait=50"}]
    status, lines, output = launch(xenarm, write_topology(tmp_path / "export.yaml", domains), tmp_path / "run")
    assert status == 0, output
    before = {line.split()[1]: fields(line) for line in lines["exporter"] if line.startswith("GRANT ")}
    after = {line.split()[1]: fields(line) for line in lines["exporter"] if line.startswith("GRANT-AFTER ")}
    assert set(before) == set(after) == {"rw", "ro", "revoked"}
    refs = {int(before[k]["ref"]) for k in before}
    assert len(refs) == 3 and min(refs) >= 8  # past the reserved entries (0 console, 1 xenstore, ...)
    assert all(before[k]["sum"] == after[k]["sum"] for k in before)
    assert lines["exporter"][-1] == "RESULT ok"


def test_ram_that_is_not_whole_mebibytes_boots_with_its_tail_mapped_by_pages(xenarm, tmp_path):
    """A section may not reach past RAM (the hypervisor refuses the table): the kernel maps the tail by pages."""
    domains = [{"name": "odd", "program": "hello", "memory": "3076KiB"}]
    status, lines, output = launch(xenarm, write_topology(tmp_path / "odd.yaml", domains), tmp_path / "run")
    assert status == 0, output
    assert lines["odd"][0] == 'xenarm-minios: domid=1 ram=3076KiB cmdline=""'
    assert lines["odd"][-1] == "RESULT ok"


def test_compute_reports_progress_every_m_iterations_with_rising_times(xenarm, tmp_path):
    domains = [{"name": "c", "program": "compute", "args": "iterations=30000 report=10000"}]
    status, lines, output = launch(xenarm, write_topology(tmp_path / "progress.yaml", domains), tmp_path / "run")
    assert status == 0, output
    progress = [line.split() for line in lines["c"] if line.startswith("PROGRESS ")]
    assert [int(p[1]) for p in progress] == [10000, 20000, 30000]
    times = [int(p[2].split("=")[1]) for p in progress]
    assert times == sorted(times)
    final = fields(next(line for line in lines["c"] if line.startswith("compute: iterations=")))
    assert final["checksum"] == f"0x{compute_checksum(30000):08x}"
