"""`xenarm soak` (docs/restart.md): short soaks, at least 20 SIGKILLs spread over every killable kind while the
guests run; the report must show nothing lost, no wrong read, no guest error, and every kind killed.

- Topologies/soak.yaml: the block path. Two guests run blk-soak on their own disks; the soak kills xenstored, the
  disk models, the blk backends, the console backend and the terminal; the images are checked from outside
  against the guests' ACK lines.
- Topologies/soak-console.yaml: console-echo's numbered lines through a console backend and terminal, a compute
  neighbour, and the host-side disk workload, with xenstored, console, terminal and disk model kills."""
import json
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "functional"))
from launch_support import copy_topology  # noqa: E402


def local_topology(repo, tmp_path, name, programs, files, **extra):
    """Topologies/NAME with the guests' kernels from the repository and every data file under TMP."""
    build = repo / "Guests" / "build"
    replace = {f"../Guests/build/{p}.elf": str(build / f"{p}.elf") for p in programs}
    replace.update({f"../run/{name.removesuffix('.yaml')}/{f}": str(tmp_path / f) for f in files})
    replace.update(extra)
    return copy_topology(repo, name, tmp_path, **replace)


def run_soak(xenarm, topology, tmp_path, *args, timeout=170):
    report = tmp_path / "report.json"
    result = subprocess.run([xenarm, "soak", str(topology), "--run-dir", str(tmp_path / "run"), "--json", str(report),
                             *args], capture_output=True, text=True, timeout=timeout)
    data = json.loads(report.read_text()) if report.exists() else None
    return result, data


def assert_clean(result, report, kills, kinds):
    assert report is not None, result.stdout + result.stderr
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert "SOAK PASS" in result.stdout
    assert len(report["kills"]) == kills
    assert set(report["killsByKind"]) == kinds and min(report["killsByKind"].values()) >= 1, report["killsByKind"]
    assert report["acknowledgedWritesLost"] == 0 and report["sectorsLost"] == 0
    assert report["wrongReads"] == 0 and report["guestErrors"] == 0
    assert report["failures"] == [] and report["givenUp"] == []
    # Every kill was an exit the supervisor restarted, and each victim came back ready.
    for kind, count in report["killsByKind"].items():
        names = {k["name"] for k in report["kills"] if k["kind"] == kind}
        assert sum(report["restarts"][n] for n in names) >= count
    assert all(k["restartMilliseconds"] is not None for k in report["kills"])


def test_a_short_soak_of_the_block_path_loses_no_acknowledged_write(xenarm, repo, tmp_path):
    topology = local_topology(repo, tmp_path, "soak.yaml", ["blk-soak"], ["disk0.img", "disk1.img", "term0.log"])
    result, report = run_soak(xenarm, topology, tmp_path, "--kills", "25", "--interval", "250", "--seed", "3")
    assert_clean(result, report, 25, {"xenstored", "disk", "blk", "console", "terminal"})
    # Both guests wrote and read back through their disks; the images were checked sector by sector.
    assert report["acknowledgedWrites"] > 200 and report["sectorsChecked"] > 1000 and report["readsVerified"] > 50
    assert {g["domain"]: g["result"] for g in report["guests"]} == {"soak": "RESULT ok", "neighbour": "RESULT ok"}
    # Block kills recover when the guest's next I/O completes; console kills when its next line reaches term0.
    for k in report["kills"]:
        if k["kind"] != "xenstored":
            assert k["recoveryMilliseconds"] is not None, k
    assert {n["domain"] for n in report["neighbours"]} == {"soak", "neighbour"}


def test_a_short_soak_of_console_and_disk_model_loses_and_repeats_no_line(xenarm, repo, tmp_path):
    topology = local_topology(repo, tmp_path, "soak-console.yaml", ["console-echo", "compute"],
                              ["term0.log", "disk0.img"])
    result, report = run_soak(xenarm, topology, tmp_path, "--kills", "24", "--interval", "250", "--seed", "7")
    assert_clean(result, report, 24, {"xenstored", "disk", "terminal", "console"})
    assert report["consoleLinesExpected"] == 3000 and report["consoleLinesMissing"] == 0
    assert report["consoleLinesRepeated"] == 0
    assert report["workloads"] == {"exercise0": "exit 0"}
    console = [k for k in report["kills"] if k["kind"] in ("console", "terminal")]
    assert all(k["recoveryMilliseconds"] is not None for k in console)
    assert [n["domain"] for n in report["neighbours"]] == ["neighbour"]


def test_the_soak_refuses_a_kind_the_topology_does_not_have(xenarm, repo, tmp_path):
    topology = local_topology(repo, tmp_path, "soak-console.yaml", ["console-echo", "compute"],
                              ["term0.log", "disk0.img"])
    result, report = run_soak(xenarm, topology, tmp_path, "--kills", "1", "--interval", "100", "--kinds", "blk",
                              timeout=30)
    assert result.returncode == 2 and report is None
    assert "no process of kind blk" in result.stderr and "xenstored" in result.stderr


def test_a_second_soak_in_the_same_run_directory_judges_only_its_own_run(xenarm, repo, tmp_path):
    # The logs and images stay in the run directory and the logs are appended to: the second soak must neither
    # take the first one's RESULT lines for its guests having finished nor check its images against old ACKs.
    topology = local_topology(repo, tmp_path, "soak.yaml", ["blk-soak"], ["disk0.img", "disk1.img", "term0.log"],
                              **{"ms=20000": "ms=6000"})
    for seed in ("4", "5"):
        result, report = run_soak(xenarm, topology, tmp_path, "--kills", "5", "--interval", "300", "--seed", seed)
        assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
        assert len(report["kills"]) == 5 and report["acknowledgedWritesLost"] == 0
