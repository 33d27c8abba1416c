"""kill -9 of the blk backend, of its disk model and of xenstored while blk-verify writes and reads its disk
(docs/block.md, "Restart"): the launcher restarts the victim, blkfront re-issues what had no response, and the
guest finishes with every sector verified, the image checked from outside, and no I/O error."""
import json
import pathlib
import re
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "functional"))
from blk_support import check_image, console, topology  # noqa: E402
from domain_support import ensure_guests  # noqa: E402
from launch_support import Launch, wait_until  # noqa: E402


def requests_done(launch):
    result = launch.cli("status", "--json", check=False)
    if result.returncode != 0:
        return 0
    rows = {p["name"]: p for p in json.loads(result.stdout)["processes"]}
    return rows["blk0"].get("counters", {}).get("requests", 0)


@pytest.mark.parametrize("victim", ["blk0", "disk0", "xenstored"])
def test_kill9_during_io_loses_no_write_and_the_guest_sees_no_error(xenarm, repo, tmp_path, victim):
    ensure_guests()
    run = tmp_path / "run"
    path = topology(repo, "blk.yaml", tmp_path, {"verify": "seed=3 tasks=2 rounds=4"})
    launch = Launch(xenarm, path, run)
    try:
        launch.wait_ready("blk0", "disk0", "hypervisor", timeout=60)
        last = 0
        for k in range(3):
            wait_until(lambda: requests_done(launch) >= last + 150, timeout=120, what="I/O in progress")
            assert "RESULT" not in launch.text(), "the guest finished before the kill"
            before = launch.process_state(victim)["restarts"]
            launch.cli("kill", victim, "--signal", "KILL")
            wait_until(lambda: launch.process_state(victim)["restarts"] == before + 1
                       and launch.process_state(victim)["state"] == "ready", timeout=30, what=f"{victim} restarted")
            last = requests_done(launch)
        code = launch.wait(300)
        text = launch.text()
        assert code == 0, text[-3000:]
    finally:
        launch.close()
    lines = console(text, "verify")
    assert "RESULT ok" in lines, "\n".join(lines[-30:])
    assert not [line for line in lines if re.match(r"^BLKVERIFY part=\d+ (write|read|flush|discard) ", line)]
    checked, wrong = check_image(tmp_path / "disk0.img", lines)
    assert checked > 4000 and wrong == [], wrong[:5]
    stats = next(line for line in lines if line.startswith("BLKFRONT stats"))
    assert "timeouts=0" in stats, stats
    if victim == "blk0":
        # Each new process offered the disk again; blkfront reconnected every time.
        assert int(re.search(r"connections=(\d+)", stats).group(1)) == 4, stats
