"""`xenarm soak` (docs/restart.md): a short soak of Topologies/soak.yaml, at least 20 SIGKILLs spread over every
killable kind while the guests run; the report must show nothing lost, no wrong read, no guest error."""
import json
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "functional"))
from launch_support import copy_topology  # noqa: E402

KINDS = {"xenstored", "disk", "terminal", "console"}


def soak_topology(repo, tmp_path):
    """Topologies/soak.yaml with the guests' kernels from the repository and every file under TMP."""
    build = repo / "Guests" / "build"
    return copy_topology(repo, "soak.yaml", tmp_path, **{
        "../Guests/build/console-echo.elf": str(build / "console-echo.elf"),
        "../Guests/build/compute.elf": str(build / "compute.elf"),
        "../run/soak/term0.log": str(tmp_path / "term0.log"),
        "../run/soak/disk0.img": str(tmp_path / "disk0.img"),
    })


def run_soak(xenarm, topology, tmp_path, *args, timeout=170):
    report = tmp_path / "report.json"
    result = subprocess.run([xenarm, "soak", str(topology), "--run-dir", str(tmp_path / "run"), "--json", str(report),
                             *args], capture_output=True, text=True, timeout=timeout)
    data = json.loads(report.read_text()) if report.exists() else None
    return result, data


def test_a_short_soak_kills_every_kind_and_loses_nothing(xenarm, repo, tmp_path):
    result, report = run_soak(xenarm, soak_topology(repo, tmp_path), tmp_path,
                              "--kills", "24", "--interval", "250", "--seed", "7")
    assert report is not None, result.stdout + result.stderr
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert len(report["kills"]) == 24
    assert set(report["killsByKind"]) == KINDS and min(report["killsByKind"].values()) >= 1, report["killsByKind"]
    assert report["acknowledgedWritesLost"] == 0 and report["wrongReads"] == 0 and report["guestErrors"] == 0
    assert report["consoleLinesExpected"] == 3000 and report["consoleLinesMissing"] == 0
    assert report["consoleLinesRepeated"] == 0
    assert report["failures"] == [] and report["givenUp"] == []
    # Every kill was seen by the supervisor as an exit it restarted, and each came back ready.
    for kind, count in report["killsByKind"].items():
        names = {k["name"] for k in report["kills"] if k["kind"] == kind}
        assert sum(report["restarts"][n] for n in names) >= count
    assert all(k["restartMilliseconds"] is not None for k in report["kills"])
    # Console kills are recovered when the echo guest's next line reaches the terminal's log.
    console = [k for k in report["kills"] if k["kind"] in ("console", "terminal")]
    assert all(k["recoveryMilliseconds"] is not None for k in console)
    assert report["neighbours"] and report["neighbours"][0]["domain"] == "neighbour"
    assert "SOAK PASS" in result.stdout


def test_the_soak_refuses_a_kind_the_topology_does_not_have(xenarm, repo, tmp_path):
    result, report = run_soak(xenarm, soak_topology(repo, tmp_path), tmp_path,
                              "--kills", "1", "--interval", "100", "--kinds", "blk", timeout=30)
    assert result.returncode == 2 and report is None
    assert "no process of kind blk" in result.stderr and "xenstored" in result.stderr
