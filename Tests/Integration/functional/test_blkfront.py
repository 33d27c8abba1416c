"""The guest's block frontend (Guests/kernel/blkfront.c; docs/block.md "Guest side", docs/guest-abi.md "Block
devices") against a scripted hostile backend (Tests/Integration/blk_scripted.py): bad response ids, bad indices
and death with requests in flight are survived by re-issuing; a backend that never comes back costs the
application -EIO after the 30 s deadline, not a hang. blk-verify and probe-blk through the real blkback:
test_blk.py; kill -9 of blkback, the disk model and xenstored under blk-verify: restart/test_blk_restart.py."""
import pathlib
import re
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from blk_scripted import Processes, ScriptedBackend  # noqa: E402
from blk_support import check_image, console, sector_bytes  # noqa: E402
from domain_support import ensure_guests, guest  # noqa: E402
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from launch_support import Launch  # noqa: E402


def stats(lines: list) -> dict:
    line = next(line for line in lines if line.startswith("BLKFRONT stats "))
    return {k: int(v) for k, v in re.findall(r"(\S+)=(\d+)", line)}


def errors(lines: list) -> list:
    """Every failed system call blk-verify reported (its `check` lines expect their refusals)."""
    return [line for line in lines if re.search(r" rc=-\d+", line) and not line.startswith("BLKVERIFY check ")]


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
    (tmp_path / "scripted.img").write_bytes(bytes(disk))
    checked, wrong = check_image(tmp_path / "scripted.img", lines)
    assert checked == 2048 and wrong == [], wrong[:5]


def test_a_backend_going_closing_is_asked_to_start_over_and_nothing_is_lost(xenarm, tmp_path):
    """Mid-run the backend writes Closing (5) and drops its ring and port (what blkback does to nodes it refuses):
    the guest writes FE/state 1, reconnects when the backend is back at InitWait, re-issues, verifies."""
    ensure_guests()
    topology = tmp_path / "blk-scripted.yaml"
    topology.write_text(SCRIPTED.format(kernel=guest("blk-verify")))
    processes = Processes(xenarm, topology, tmp_path / "run")
    disk = bytearray(2048 * 512)
    try:
        backend = ScriptedBackend(processes, "blk0", 1, disk, close_after=10)
        backend.announce()
        backend.connect()
        deadline = time.monotonic() + 120
        while processes.hypervisor.poll() is None:
            assert time.monotonic() < deadline, processes.text()[-3000:]
            try:
                backend.serve_once()
            except AssertionError:
                if processes.hypervisor.poll() is None and "RESULT" not in processes.text():
                    raise
                break
        assert processes.wait_exit(30) == 0
        backend.close()
    finally:
        processes.stop()
    lines = console(processes.text(), "guest")
    assert lines[-1] == "RESULT ok", "\n".join(lines[-30:])
    assert not errors(lines), errors(lines)
    assert any(line.startswith("BLKFRONT vbd=51712 backend left Connected (state 5)") for line in lines), lines
    s = stats(lines)
    assert s["connections"] == 2 and s["timeouts"] == 0, s
    (tmp_path / "scripted.img").write_bytes(bytes(disk))
    checked, wrong = check_image(tmp_path / "scripted.img", lines)
    assert checked == 2048 and wrong == [], wrong[:5]


def test_requests_a_dead_backend_never_answers_fail_with_eio_after_the_deadline(xenarm, tmp_path):
    """The backend takes a few requests and is never seen again: the application's calls return -EIO 30 s after
    their requests were issued, and the guest runs on to its end (RESULT fail), not hanging."""
    ensure_guests()
    topology = tmp_path / "blk-scripted.yaml"
    topology.write_text(SCRIPTED.format(kernel=guest("blk-verify")))
    processes = Processes(xenarm, topology, tmp_path / "run")
    disk = bytearray(2048 * 512)
    try:
        backend = ScriptedBackend(processes, "blk0", 1, disk, die_after=4)
        backend.announce()
        backend.connect()
        started = time.monotonic()
        while backend.serve_once():
            assert time.monotonic() - started < 60, processes.text()[-3000:]
        died = time.monotonic()
        assert processes.wait_exit(120) == 0
        ended = time.monotonic()
        backend.close()
    finally:
        processes.stop()
    lines = console(processes.text(), "guest")
    assert lines[-1].startswith("RESULT fail"), lines[-20:]
    failed = [line for line in lines if re.match(r"^BLKVERIFY part=\d+ (write|read|flush|discard) .* rc=-5$", line)]
    assert len(failed) == 2, lines[-20:]  # each task's first error ends it
    assert any("unanswered for 30 s: -EIO" in line for line in lines), lines[-20:]
    s = stats(lines)
    assert s["timeouts"] >= 1 and s["connections"] == 1, s
    assert 29 < ended - died < 90, ended - died


READ_ONLY = """name: blk-read-only
machine:
  memory: 64MiB
  hypervisor_reserve: 8MiB
xenstored: {{}}
domains:
  - name: reader
    memory: 4MiB
    kernel: {kernel}
    args: "seed=4"
devices:
  - name: disk0
    kind: disk
    image: {image}
    size: 1MiB
    read_only: true
backends:
  - name: blk0
    kind: blk
    domain: reader
    device: xvda
    model: disk0
"""


def test_a_read_only_disk_refuses_writes_in_the_guest_and_reads_back_its_image(xenarm, tmp_path):
    ensure_guests()
    image = tmp_path / "ro.img"
    image.write_bytes(b"".join(sector_bytes(5, s) for s in range(2048)))
    topology = tmp_path / "blk-read-only.yaml"
    topology.write_text(READ_ONLY.format(kernel=guest("blk-verify"), image=image))
    launch = Launch(xenarm, topology, tmp_path / "run")
    try:
        assert launch.wait(timeout=180) == 0, launch.text()[-4000:]
        text = launch.text()
    finally:
        launch.close()
    lines = console(text, "reader")
    assert "BLKVERIFY check read-only-write rc=-30" in lines, lines  # -EROFS, before anything reached the ring
    parts = [re.match(r"^BLKVERIFY part=(\d) read-only sectors=(\d+)\.\.(\d+) reads=(\d+) wrong=(\d+) errors=(\d+)$", line)
             for line in lines if " read-only " in line]
    assert sorted((m.group(2), m.group(3)) for m in parts) == [("0", "1024"), ("1024", "2048")], lines
    assert all(int(m.group(4)) > 0 and m.group(5) == "0" and m.group(6) == "0" for m in parts), lines
    assert lines[-1] == "RESULT ok", lines
    assert image.read_bytes() == b"".join(sector_bytes(5, s) for s in range(2048))
