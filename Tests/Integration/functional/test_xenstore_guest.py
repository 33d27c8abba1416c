"""Guests as xenstore clients through their xenstore rings (docs/xenstore.md, "Guests"): `xenarm launch` of
Topologies/xenstore-guest.yaml, two DomUs running Guests/apps/xs-client, xenstored serving their rings through the
hypervisor bus; what they wrote is read back with Debian's xenstore-ls on xenstored's Unix socket."""
import os
import pathlib
import re
import signal
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from domain_support import ensure_guests, guest  # noqa: E402
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from launch_support import Launch, wait_until  # noqa: E402

KERNEL = "    kernel: ../Guests/build/xs-client.elf\n"


def topology(repo, directory, args=("hold=1", "hold=1")):
    """The shipped topology, its guests given ARGS (alpha's, beta's) and the kernel's absolute path."""
    text = (repo / "Topologies" / "xenstore-guest.yaml").read_text()
    assert text.count(KERNEL) == 2
    first, second, rest = text.split(KERNEL)
    line = f"    kernel: {guest('xs-client')}\n"
    text = first + line + f'    args: "{args[0]}"\n' + second + line + f'    args: "{args[1]}"\n' + rest
    path = directory / "xenstore-guest.yaml"
    path.write_text(text)
    return path


def tool(run, *args, check=True):
    env = dict(os.environ, XENSTORED_PATH=str(run / "xenstored.sock"))
    result = subprocess.run(list(args), capture_output=True, text=True, env=env, timeout=30)
    if check:
        assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result


def console(text, name):
    return [line.split("] ", 1)[1] for line in text.splitlines() if line.startswith(f"[{name}] ")]


def test_guests_write_through_their_rings_and_are_refused_each_others_nodes(xenarm, repo, tmp_path):
    ensure_guests()
    run = tmp_path / "run"
    launch = Launch(xenarm, topology(repo, tmp_path), run)
    try:
        wait_until(lambda: launch.output_path.read_text().count("XS holding") == 2, timeout=60,
                   what="both guests holding")
        listing = tool(run, "xenstore-ls", "-p", "/local/domain").stdout
        rows = {}
        path = []
        for line in listing.splitlines():
            m = re.match(r'^(\s*)(\S+) = "(.*?)"[ .]*\((.*)\)$', line)
            assert m, line
            depth = len(m.group(1))
            path = path[:depth] + [m.group(2)]
            rows["/".join(path)] = (m.group(3), m.group(4))
        assert rows["1/data/xs-client"] == ("written by domain 1 (alpha)", "n1")
        assert rows["2/data/xs-client"] == ("written by domain 2 (beta)", "n2")
        assert rows["1/data/xs-watched"][0] == "1" and rows["2/data/xs-watched"][0] == "1"
        assert "1/data/intruder" not in rows and "2/data/intruder" not in rows
        assert tool(run, "xenstore-read", "/local/domain/1/data/xs-client").stdout.strip() == "written by domain 1 (alpha)"
        tool(run, "xenstore-write", "/local/domain/1/data/release", "1", "/local/domain/2/data/release", "1")
        assert launch.wait(timeout=60) == 0, launch.output_path.read_text()
    finally:
        if launch.process.poll() is None:
            launch.process.terminate()
            launch.process.wait(30)
    out = launch.output_path.read_text()
    for name, other in (("alpha", 2), ("beta", 1)):
        lines = console(out, name)
        assert f"XS name={name}" in lines, out
        assert f"XS other-read /local/domain/{other}/name err=EACCES" in lines, out
        assert f"XS other-write /local/domain/{other}/data/intruder err=EACCES" in lines, out
        assert "XS watch fired path=data/xs-watched token=xs-client-token" in lines, out
        # Two events: the new watch's own, then Dom0's write.
        assert "XS released events=2" in lines and lines[-1] == "RESULT ok", out
    assert not [line for line in out.splitlines() if "XS fail" in line], out


def test_a_guest_that_breaks_its_ring_is_abandoned_and_the_other_guest_is_still_served(xenarm, repo, tmp_path):
    ensure_guests()
    run = tmp_path / "run"
    launch = Launch(xenarm, topology(repo, tmp_path, args=("mode=garbage", "")), run)
    try:
        assert launch.wait(timeout=90) == 0, launch.output_path.read_text()
    finally:
        if launch.process.poll() is None:
            launch.process.terminate()
            launch.process.wait(30)
    out = launch.output_path.read_text()
    alpha, beta = console(out, "alpha"), console(out, "beta")
    # XENSTORE_ERROR_RINGIDX in the page, and the next request refused by the guest's own index check.
    assert "XS before-garbage read alpha" in alpha and "XS ring-error=2" in alpha and "XS after-garbage read err=EIO" in alpha, out
    assert alpha[-1] == "RESULT ok", out
    assert "XS wrote data/xs-client=written by domain 2 (beta)" in beta and beta[-1] == "RESULT ok", out
    log = (run / "logs" / "xenstored.log").read_text()
    assert "domain 1 broke its xenstore ring (XENSTORE_ERROR 2): ring abandoned" in log, log
    assert re.search(r"stopped: .*ring_errors=1 ", log), log
    assert "xenstored stopped (exit 0)" in out, out


def test_a_restarted_xenstored_serves_the_rings_again_and_kept_the_guests_writes(xenarm, repo, tmp_path):
    ensure_guests()
    run = tmp_path / "run"
    launch = Launch(xenarm, topology(repo, tmp_path), run)
    try:
        wait_until(lambda: launch.output_path.read_text().count("XS holding") == 2, timeout=60,
                   what="both guests holding")
        victim = launch.process_state("xenstored")["pid"]
        os.kill(victim, signal.SIGKILL)
        wait_until(lambda: (lambda p: p["restarts"] == 1 and p["state"] == "ready" and p.get("pid") != victim)(
            launch.process_state("xenstored")), timeout=30, what="xenstored restarted")
        assert tool(run, "xenstore-read", "/local/domain/2/data/xs-client").stdout.strip() == "written by domain 2 (beta)"
        # The guests' watches were restored with the tree (no guest watched again): Dom0's write reaches them.
        tool(run, "xenstore-write", "/local/domain/1/data/release", "1", "/local/domain/2/data/release", "1")
        assert launch.wait(timeout=60) == 0, launch.output_path.read_text()
    finally:
        if launch.process.poll() is None:
            launch.process.terminate()
            launch.process.wait(30)
    out = launch.output_path.read_text()
    for name in ("alpha", "beta"):
        lines = console(out, name)
        # Three events: the new watch's own, the restarted daemon's for each restored watch, Dom0's write.
        assert "XS released events=3" in lines and lines[-1] == "RESULT ok", out
    log = (run / "logs" / "xenstored.log").read_text()
    assert log.count("domain 1: store port 2 bound to Dom0 port") == 2, log
