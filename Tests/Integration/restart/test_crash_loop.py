"""A crash-looping disk model is given up after its cap; its guest's pending request fails with an error within
the block path's deadline instead of hanging, and the neighbour domain (own disk, backend and model) keeps running
to RESULT ok (docs/restart.md, "Crash loops"; Topologies/soak-crashloop.yaml)."""
import pathlib
import re
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "functional"))
from launch_support import Launch, copy_topology, wait_until  # noqa: E402

# blkback's native driver gives a silent model 20 s (its answer is then BLKIF_RSP_ERROR); blkfront's own deadline
# is 30 s after issue. Either way the guest must hear within the larger one, plus scheduling slack.
DEADLINE_S = 30 + 10


def guest_lines(run: pathlib.Path, domain: str) -> list[str]:
    log = run / "logs" / "hypervisor.log"
    text = log.read_text(errors="replace") if log.exists() else ""
    prefix = f"[{domain}] "
    return [line[len(prefix):] for line in text.splitlines() if line.startswith(prefix)]


def test_a_crash_looping_disk_model_is_given_up_and_its_guest_gets_an_error_while_the_neighbour_runs_on(
        xenarm, repo, tmp_path):
    build = repo / "Guests" / "build"
    topology = copy_topology(repo, "soak-crashloop.yaml", tmp_path, **{
        "../Guests/build/blk-soak.elf": str(build / "blk-soak.elf"),
        "../run/soak-crashloop/disk0.img": str(tmp_path / "disk0.img"),
        "../run/soak-crashloop/disk1.img": str(tmp_path / "disk1.img"),
    })
    run = tmp_path / "run"
    launch = Launch(xenarm, topology, run)
    try:
        launch.wait_ready("disk0", "disk1", "blk0", "blk1", "hypervisor", timeout=60)
        wait_until(lambda: sum(l.startswith("ACK ") for l in guest_lines(run, "victim")) >= 20, timeout=60,
                   what="the victim's first writes")
        # From now on disk0 cannot start: its image path is a directory.
        image = tmp_path / "disk0.img"
        image.unlink()
        image.mkdir()
        launch.cli("kill", "disk0", "--signal", "KILL")
        killed = time.monotonic()
        wait_until(lambda: launch.process_state("disk0")["state"] == "given-up", timeout=30, what="disk0 given up")
        assert launch.process_state("disk0")["restarts"] == 3
        assert "given up after 3 restarts" in launch.text()

        # The victim's request in flight fails with -EIO (rc=-5) within the deadline; the run ends there.
        errors = wait_until(lambda: [l for l in guest_lines(run, "victim") if l.startswith("ERR ")],
                            timeout=DEADLINE_S, what="the victim's error")
        waited = time.monotonic() - killed
        assert re.match(r"ERR op=(write|read|flush) .*rc=-5$", errors[0]), errors
        assert waited < DEADLINE_S
        print(f"victim's error {waited:.1f} s after the kill: {errors[0]}")
        victim = guest_lines(run, "victim")
        assert victim[-1].startswith("RESULT fail") or wait_until(
            lambda: guest_lines(run, "victim")[-1].startswith("RESULT fail"), timeout=10, what="victim RESULT")

        # Meanwhile everything else ran on: the neighbour's writes continued after the kill and it ends well.
        for name in ("xenstored", "disk1", "blk0", "blk1", "hypervisor"):
            assert launch.process_state(name)["state"] == "ready", name
        # (The launch itself ends 0: the mini kernel powers off after RESULT fail too, and the launcher judges
        # domains by how they ended.)
        launch.wait(120)
        neighbour = guest_lines(run, "neighbour")
        assert neighbour[-1] == "RESULT ok", neighbour[-5:]
        assert not [l for l in neighbour if l.startswith(("ERR ", "WRONG "))]
        assert launch.process_state("disk1")["restarts"] == 0
    finally:
        launch.close()
