"""`xenarm check` on real files: every shipped topology passes; every broken fixture prints exactly its
expected lines on stderr and exits 2 (the same fixtures the LauncherTests XCTest walks)."""
import pathlib
import subprocess

import pytest

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "LauncherTests" / "Fixtures"
BROKEN = sorted((FIXTURES / "broken").glob("*.yaml"))


def check(xenarm, *files, cwd):
    return subprocess.run([xenarm, "check", *files], capture_output=True, text=True, cwd=cwd, timeout=60)


def test_every_shipped_topology_passes(xenarm, repo):
    files = sorted(p.relative_to(repo).as_posix() for p in (repo / "Topologies").glob("*.yaml"))
    assert "Topologies/default.yaml" in files and "Topologies/devices-tcp.yaml" in files
    result = check(xenarm, *files, cwd=repo)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == len(files)
    for name, line in zip(files, lines):
        assert line.startswith(f"{name}: ok ("), line
    assert f"Topologies/default.yaml: ok (2 domains, 2 devices, 0 backends, 1 workloads)" in lines


@pytest.mark.parametrize("fixture", BROKEN, ids=lambda p: p.stem)
def test_broken_fixture_prints_its_expected_lines_and_exits_2(xenarm, fixture):
    expected = fixture.with_suffix(".expected").read_text()
    result = check(xenarm, f"broken/{fixture.name}", cwd=FIXTURES)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == expected


def test_good_and_broken_files_together_report_both_and_exit_2(xenarm):
    result = check(xenarm, "good/full.yaml", "broken/device-served-twice.yaml", cwd=FIXTURES)
    assert result.returncode == 2
    assert result.stdout == "good/full.yaml: ok (2 domains, 4 devices, 4 backends, 1 workloads)\n"
    assert result.stderr == (FIXTURES / "broken" / "device-served-twice.expected").read_text()


def test_absolute_paths_are_shown_as_given(xenarm, tmp_path):
    bad = tmp_path / "t.yaml"
    bad.write_text("machine:\n  memory: 64MB\n")
    result = check(xenarm, str(bad), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (f"{bad}:2:11: error: bad size for 'memory' in machine: "
                             "unknown unit 'MB' (use one of B, KiB, MiB, GiB, TiB)\n")


def test_missing_file_has_no_position(xenarm, tmp_path):
    result = check(xenarm, "nope.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "nope.yaml: error: no such file\n"


def test_no_file_is_a_usage_error(xenarm, tmp_path):
    result = check(xenarm, cwd=tmp_path)
    assert result.returncode not in (0, 2)
    assert "topology file" in result.stderr


def test_keys_prints_the_table_docs_carry(xenarm, repo):
    result = check(xenarm, "--keys", cwd=repo)
    assert result.returncode == 0
    docs = (repo / "docs" / "topology.md").read_text()
    for block in result.stdout.strip().split("\n\n"):
        assert block in docs, block


def test_docs_full_example_passes_once_its_files_exist(xenarm, repo, tmp_path):
    """The example in docs/topology.md is valid: only its kernel and existing image are swapped for fixture files."""
    docs = (repo / "docs" / "topology.md").read_text()
    example = docs.split("```yaml\n", 1)[1].split("```", 1)[0]
    example = example.replace("../Guests/build/minios.elf", str(FIXTURES / "kernels" / "minimal.elf"))
    example = example.replace("images/web.img", str(FIXTURES / "images" / "disk-4k.img"))
    (tmp_path / "two-guests.yaml").write_text(example)
    result = check(xenarm, "two-guests.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "two-guests.yaml: ok (2 domains, 4 devices, 4 backends, 1 workloads)\n"
