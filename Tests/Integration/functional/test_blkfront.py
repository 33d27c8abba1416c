"""The guest's block frontend (Guests/kernel/blkfront.c; docs/block.md "Guest side", docs/guest-abi.md "Block
devices") end to end: blk-verify through the real blkback and disk model with the image checked from outside,
probe-blk's malformed requests next to a neighbour's blk-verify, blkback killed with SIGKILL mid-run, and a scripted
hostile backend (Tests/Integration/blk_support.py) whose bad response ids, bad indices and death with requests in
flight the frontend must survive."""
import pathlib
import re
import struct
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from blk_support import Processes, ScriptedBackend  # noqa: E402
from domain_support import ensure_guests, guest  # noqa: E402
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from launch_support import Launch, copy_topology, wait_until  # noqa: E402

GOLDEN = 0x9E3779B97F4A7C15
MASK = (1 << 64) - 1


def console(text: str, name: str) -> list:
    return [line.split("] ", 1)[1] for line in text.splitlines() if line.startswith(f"[{name}] ")]


def expected_sectors(lines: list) -> dict:
    """sector -> seq of the last acknowledged write there (0 after an acknowledged discard), from BLKW/BLKD lines
    (each printed after its system call returned 0; parts are disjoint, so console order is per-sector order)."""
    expected = {}
    for line in lines:
        m = re.match(r"^BLKW seq=(\d+) sector=(\d+) count=(\d+)$", line)
        if m:
            seq, first, count = map(int, m.groups())
            expected.update((s, seq) for s in range(first, first + count))
        m = re.match(r"^BLKD sector=(\d+) count=(\d+)$", line)
        if m:
            first, count = map(int, m.groups())
            expected.update((s, 0) for s in range(first, first + count))
    return expected


def check_image(data: bytes, expected: dict):
    """Every sector holds, whole, the self-describing pattern of the write acknowledged last there."""
    assert expected, "no acknowledged write logged"
    wrong = []
    for sector, seq in sorted(expected.items()):
        raw = data[sector * 512:(sector + 1) * 512]
        if seq == 0:
            if raw != bytes(512):
                wrong.append((sector, "discarded", "not zero"))
            continue
        words = struct.unpack("<64Q", raw)
        stamp = ((seq << 32) | (sector & 0xFFFFFFFF)) & MASK
        if any(w != stamp ^ ((j * GOLDEN) & MASK) for j, w in enumerate(words)):
            wrong.append((sector, seq, hex(words[0])))
    assert not wrong, f"{len(wrong)} sectors differ, first: {wrong[:5]}"


def stats(lines: list) -> dict:
    line = next(line for line in lines if line.startswith("BLKFRONT stats "))
    return {k: int(v) for k, v in re.findall(r"(\S+)=(\d+)", line)}


def errors(lines: list) -> list:
    return [line for line in lines if re.search(r" rc=-\d+", line) and not line.startswith("BLKVERIFY check ")]


def test_blk_verify_through_blkback_leaves_every_acknowledged_write_in_the_image(xenarm, repo, tmp_path):
    ensure_guests()
    topology = copy_topology(repo, "blk-restart.yaml", tmp_path,
                             **{"../Guests/build/blk-verify.elf": guest("blk-verify"),
                                "../run/blk-restart/verify.img": str(tmp_path / "verify.img"),
                                "rounds=4": "rounds=1"})
    launch = Launch(xenarm, topology, tmp_path / "run")
    try:
        assert launch.wait(timeout=240) == 0, launch.text()[-4000:]
    finally:
        launch.close()
    lines = console(launch.text(), "verify")
    assert lines[-1] == "RESULT ok", "\n".join(lines[-30:])
    assert not errors(lines), errors(lines)
    for check in ("kernel-buffer rc=-14", "past-end rc=-22", "bad-op rc=-22", "no-disk rc=-19", "bad-block rc=-14"):
        assert f"BLKVERIFY check {check}" in lines, lines[:20]
    s = stats(lines)
    assert s["connections"] == 1 and s["timeouts"] == 0 and s["bad-ids"] == 0 and s["requests"] == s["responses"]
    check_image((tmp_path / "verify.img").read_bytes(), expected_sectors(lines))


def test_probe_blk_gets_error_statuses_and_a_neighbour_verifies_meanwhile(xenarm, repo, tmp_path):
    ensure_guests()
    topology = copy_topology(repo, "blk-probe.yaml", tmp_path,
                             **{"../Guests/build/probe-blk.elf": guest("probe-blk"),
                                "../Guests/build/blk-verify.elf": guest("blk-verify"),
                                "../run/blk-probe/probe.img": str(tmp_path / "probe.img"),
                                "../run/blk-probe/neighbour.img": str(tmp_path / "neighbour.img")})
    launch = Launch(xenarm, topology, tmp_path / "run")
    try:
        assert launch.wait(timeout=240) == 0, launch.text()[-4000:]
    finally:
        launch.close()
    out = launch.text()
    probe = console(out, "prober")
    status = {m.group(1): m.group(2) for m in (re.match(r"^PROBE-BLK (\S+) status=(\S+)$", line) for line in probe) if m}
    assert status["bad-op"] == "-2", probe  # BLKIF_RSP_EOPNOTSUPP
    for case in ("past-end", "straddle-end", "nseg-0", "nseg-12", "first-gt-last", "last-gt-7", "gref-range",
                 "gref-revoked", "gref-foreign", "ro-for-read"):
        assert status[case] == "-1", (case, probe)  # BLKIF_RSP_ERROR
    assert status["good-raw"] == "0" and status["good"] == "0", probe
    assert status["req-prod-overflow"] == "none", probe
    assert probe[-1] == "RESULT ok", probe
    neighbour = console(out, "neighbour")
    assert neighbour[-1] == "RESULT ok" and not errors(neighbour), neighbour[-20:]
    check_image((tmp_path / "neighbour.img").read_bytes(), expected_sectors(neighbour))


def test_blk_verify_survives_sigkill_of_its_blkback(xenarm, repo, tmp_path):
    ensure_guests()
    topology = copy_topology(repo, "blk-restart.yaml", tmp_path,
                             **{"../Guests/build/blk-verify.elf": guest("blk-verify"),
                                "../run/blk-restart/verify.img": str(tmp_path / "verify.img")})
    launch = Launch(xenarm, topology, tmp_path / "run")
    try:
        # Mid-run: after the first pass's writes started, well before the last round.
        wait_until(lambda: launch.text().count("BLKW ") >= 20, timeout=120, what="blk-verify writing")
        launch.cli("kill", "verify-blk")
        wait_until(lambda: "connection=2" in launch.text(), timeout=60, what="the guest reconnected")
        assert launch.wait(timeout=300) == 0, launch.text()[-4000:]
    finally:
        launch.close()
    lines = console(launch.text(), "verify")
    assert lines[-1] == "RESULT ok", "\n".join(lines[-30:])
    assert not errors(lines), errors(lines)
    assert any(line.startswith("BLKFRONT vbd=51712 backend left Connected") for line in lines), lines
    s = stats(lines)
    assert s["connections"] == 2 and s["timeouts"] == 0, s
    check_image((tmp_path / "verify.img").read_bytes(), expected_sectors(lines))


SCRIPTED = """name: blk-scripted
machine:
  memory: 64MiB
  hypervisor_reserve: 16MiB
xenstored: {{}}
domains:
  - name: guest
    memory: 4MiB
    kernel: {kernel}
    args: "sectors=2048 seed=3"
devices:
  - name: disk0
    kind: disk
    image: disk0.img
    size: 1MiB
    create: true
backends:
  - name: blk0
    kind: blk
    domain: guest
    device: xvda
    model: disk0
"""


def test_blkfront_ignores_a_hostile_backend_and_reissues_what_it_left_unanswered(xenarm, tmp_path):
    """The scripted backend answers the first request under an id not in flight, publishes rsp_prod past
    req_prod once, and dies with requests taken but unanswered; a second instance announces InitWait. The guest
    must count and ignore the first two, reconnect, re-issue, and verify every sector."""
    ensure_guests()
    topology = tmp_path / "blk-scripted.yaml"
    topology.write_text(SCRIPTED.format(kernel=guest("blk-verify")))
    processes = Processes(xenarm, topology, tmp_path / "run")
    disk = bytearray(2048 * 512)
    try:
        first = ScriptedBackend(processes, "blk0", 1, disk, misbehave=("bad-id", "rsp-past"), die_after=6)
        first.announce()
        first.connect()
        deadline = time.monotonic() + 60
        while first.serve_once():
            assert time.monotonic() < deadline, processes.text()[-3000:]
        second = ScriptedBackend(processes, "blk0", 1, disk)
        second.announce()
        second.connect()
        deadline = time.monotonic() + 120
        while processes.hypervisor.poll() is None:
            assert time.monotonic() < deadline, processes.text()[-3000:]
            try:
                second.serve_once()
            except AssertionError:
                if processes.hypervisor.poll() is None and "RESULT" not in processes.text():
                    raise
                break  # the guest powered off between two copies
        assert processes.wait_exit(30) == 0
        second.close()
        first.close()
    finally:
        processes.stop()
    lines = console(processes.text(), "guest")
    assert lines[-1] == "RESULT ok", "\n".join(lines[-30:])
    assert not errors(lines), errors(lines)
    s = stats(lines)
    assert s["bad-ids"] == 1 and s["bad-indices"] >= 1 and s["connections"] == 2 and s["reissued"] >= 1, s
    assert s["timeouts"] == 0, s
    assert any(line.startswith("BLKFRONT vbd=51712 response id=") and "not in flight" in line for line in lines)
    check_image(bytes(disk), expected_sectors(lines))
