"""The block path end to end (docs/block.md): guest blkfront → hypervisor → `xenarm backend blk` → disk model, with
the guests' own verification (blk-verify, probe-blk) and the image files checked from outside the guest."""
import json
import os
import pathlib
import re
import struct
import subprocess
import sys

import zmq

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from blk_support import check_image, console, topology  # noqa: E402
from bus_support import GNTST_PERMISSION_DENIED, GRANT_COPY, GRANT_COPY_RESULT, Peer, parse  # noqa: E402
from domain_support import ensure_guests  # noqa: E402
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from launch_support import Launch, wait_until  # noqa: E402


def xs(run: pathlib.Path, *args, check=True):
    env = dict(os.environ, XENSTORED_PATH=str(run / "xenstored.sock"))
    result = subprocess.run(list(args), capture_output=True, text=True, env=env, timeout=30)
    if check:
        assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout.strip()


def counters(run: pathlib.Path, name: str) -> dict:
    """The backend's final counters: its `stopped:` log line (state.json holds the last 500 ms report)."""
    lines = [l for l in (run / "logs" / f"{name}.log").read_text().splitlines() if "stopped: " in l]
    assert lines, name
    return {k: int(v) for k, v in (item.split("=") for item in lines[-1].split("stopped: ")[1].split())}


def finish(launch: Launch, timeout=240) -> str:
    code = launch.wait(timeout)
    text = launch.text()
    assert code == 0, text[-4000:]
    return text


def test_blk_verify_passes_through_blkback_and_the_image_holds_every_acknowledged_write(xenarm, repo, tmp_path):
    ensure_guests()
    run = tmp_path / "run"
    launch = Launch(xenarm, topology(repo, "blk.yaml", tmp_path, {"verify": "seed=7 tasks=2 rounds=2"}), run)
    try:
        # While it runs, `xenarm status` shows the disk's counters.
        def busy():
            result = launch.cli("status", "--json", check=False)
            if result.returncode != 0:
                return None  # the launcher is not answering yet
            out = json.loads(result.stdout)
            row = next(p for p in out["processes"] if p["name"] == "blk0")
            return row if row.get("counters", {}).get("requests", 0) > 0 else None
        row = wait_until(busy, timeout=120, what="blk0 counting requests")
        assert row["kind"] == "backend blk" and row["counters"]["sectors"] == 8192
        table = launch.cli("status").stdout
        assert "blk0" in table and "requests=" in table, table
        text = finish(launch)
    finally:
        launch.close()
    lines = console(text, "verify")
    assert "RESULT ok" in lines, "\n".join(lines[-30:])
    stats = next(line for line in lines if line.startswith("BLKFRONT stats"))
    responses = int(re.search(r"responses=(\d+)", stats).group(1))
    checked, wrong = check_image(tmp_path / "disk0.img", lines)
    assert checked > 4000 and wrong == [], wrong[:5]
    c = counters(run, "blk0")
    # Every response the guest counted was the backend's; none was an error.
    assert c["requests"] == responses and c["errors"] == 0 and c["invalid"] == 0, c
    assert c["writes"] > 0 and c["reads"] > 0 and c["flushes"] > 0, c
    assert c["bytes_written"] >= 8192 * 512 and c["bytes_read"] >= 8192 * 512, c
    # The backend's nodes, as blkfront read them.
    assert (tmp_path / "disk0.img").stat().st_size == 4 << 20


def test_two_guests_with_their_own_disks_and_a_backend_cannot_copy_the_other_domains_grants(xenarm, repo, tmp_path):
    ensure_guests()
    run = tmp_path / "run"
    launch = Launch(xenarm, topology(repo, "blk-two.yaml", tmp_path), run)
    try:
        for d in (1, 2):
            wait_until(lambda: xs(run, "xenstore-read", f"/local/domain/0/backend/vbd/{d}/51712/state",
                                  check=False) == "4", timeout=120, what=f"domain {d}'s disk connected")
        ring = {d: int(xs(run, "xenstore-read", f"/local/domain/{d}/device/vbd/51712/ring-ref")) for d in (1, 2)}
        # blkA is the bus name of alpha's backend: the bus lets it copy alpha's ring page, not beta's (a backend
        # of another domain cannot get a guest's grants, whatever it asks).
        context = zmq.Context()
        peer = Peer(context, f"ipc://{run}/hypervisor.ipc")
        try:
            domains = peer.authenticate(bytes.fromhex((run / "bus.secret").read_text().strip()), "blkA")
            assert domains == [1]
            ops = b"".join(struct.pack("<BBHIHH", 0, 0, d, ring[d], 0, 16) for d in (1, 2))
            kind, _, _, payload = parse(peer.request(GRANT_COPY, struct.pack("<H6x", 2) + ops))
            assert kind == GRANT_COPY_RESULT
            (s1, n1), (s2, n2) = struct.unpack_from("<hH", payload, 8), struct.unpack_from("<hH", payload, 12)
            assert (s1, n1) == (0, 16)
            assert (s2, n2) == (GNTST_PERMISSION_DENIED, 0)
        finally:
            peer.close()
            context.term()
        text = finish(launch)
    finally:
        launch.close()
    for name, image in (("alpha", "diskA.img"), ("beta", "diskB.img")):
        lines = console(text, name)
        assert "RESULT ok" in lines, (name, lines[-20:])
        checked, wrong = check_image(tmp_path / image, lines)
        assert checked >= 4000 and wrong == [], (name, wrong[:5])
    # Each disk holds only its own guest's writes: alpha's log does not describe beta's image.
    _, crossed = check_image(tmp_path / "diskB.img", console(text, "alpha"))
    assert crossed
    a, b = counters(run, "blkA"), counters(run, "blkB")
    assert b["errors"] == 0 and b["copy_errors"] == 0 and b["connects"] == 1 and b["bus_sessions"] == 1, b
    # Our hello as blkA replaced blkA's own bus session (docs/hypervisor-bus.md): blkA took its ring for lost,
    # went back to InitWait, and alpha reconnected and re-issued what had no response, without an error.
    assert a["errors"] == 0 and a["bus_sessions"] == 2 and a["connects"] == 2, a


def test_malformed_requests_get_error_responses_and_the_neighbour_is_not_disturbed(xenarm, repo, tmp_path):
    ensure_guests()
    run = tmp_path / "run"
    launch = Launch(xenarm, topology(repo, "blk-probe.yaml", tmp_path), run)
    try:
        text = finish(launch)
    finally:
        launch.close()
    probe = console(text, "probe")
    status = {m.group(1): m.group(2) for m in (re.match(r"^PROBE-BLK (\S+) status=(\S+)$", l) for l in probe) if m}
    assert status["bad-op"] == "-2"  # BLKIF_RSP_EOPNOTSUPP
    for case in ("past-end", "straddle-end", "nseg-0", "nseg-12", "first-gt-last", "last-gt-7", "gref-range",
                 "gref-revoked", "gref-foreign", "ro-for-read"):
        assert status[case] == "-1", (case, status)  # BLKIF_RSP_ERROR
    assert status["good-raw"] == "0" and status["good"] == "0"
    assert status["req-prod-overflow"] == "none"
    assert "RESULT ok" in probe, probe[-20:]
    honest = console(text, "honest")
    assert "RESULT ok" in honest, honest[-20:]
    checked, wrong = check_image(tmp_path / "diskH.img", honest)
    assert checked > 0 and wrong == []
    p, h = counters(run, "blkP"), counters(run, "blkH")
    assert p["invalid"] >= 7 and p["copy_errors"] >= 3 and p["ring_errors"] == 1 and p["connects"] == 2, p
    assert h["errors"] == 0 and h["ring_errors"] == 0, h
    # The backend never stopped: one process all along.
    state = json.loads((run / "state.json").read_text())
    assert next(x for x in state["processes"] if x["name"] == "blkP")["restarts"] == 0
