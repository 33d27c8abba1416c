"""Helpers for the launcher's integration tests: run `xenarm launch` on a copy of a topology, read its state."""
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import time

EVENT = re.compile(r"^\[\s*(\d+\.\d+)\] (\S+) (.*)$")


def copy_topology(repo: pathlib.Path, name: str, directory: pathlib.Path, **replace) -> pathlib.Path:
    """Copies Topologies/NAME into DIRECTORY (so relative image paths land there), applying text replacements."""
    text = (repo / "Topologies" / name).read_text()
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    target = directory / name
    target.write_text(text)
    return target


def pid_is_running(pid: int) -> bool:
    """True while PID exists and is not a zombie (a zombie has exited; only its parent's reaping is pending)."""
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def wait_until(predicate, timeout=20.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Launch:
    """One foreground `xenarm launch` in a subprocess, its output in RUN/launch.out."""

    def __init__(self, xenarm: str, topology: pathlib.Path, run: pathlib.Path, *extra: str):
        self.xenarm = xenarm
        self.run = run
        run.parent.mkdir(parents=True, exist_ok=True)
        self.output_path = run.parent / f"{run.name}.launch.out"
        self.output = open(self.output_path, "w")
        self.process = subprocess.Popen([xenarm, "launch", str(topology), "--run-dir", str(run), *extra],
                                        stdout=self.output, stderr=subprocess.STDOUT)

    def state(self):
        try:
            return json.loads((self.run / "state.json").read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def process_state(self, name: str):
        state = self.state()
        if state is None:
            return None
        return next(p for p in state["processes"] if p["name"] == name)

    def wait_ready(self, *names, timeout=20.0):
        def ready():
            state = self.state()
            if not state:
                return None
            table = {p["name"]: p for p in state["processes"]}
            return state if all(table[n]["state"] == "ready" for n in names) else None
        return wait_until(ready, timeout, what=f"{names} ready")

    def cli(self, *args, check=True):
        result = subprocess.run([self.xenarm, *args, "--run-dir", str(self.run)], capture_output=True, text=True,
                                timeout=30)
        if check:
            assert result.returncode == 0, (args, result.stdout, result.stderr)
        return result

    def wait(self, timeout=180.0) -> int:
        try:
            return self.process.wait(timeout)
        finally:
            self.output.flush()

    def text(self) -> str:
        self.output.flush()
        return self.output_path.read_text()

    def events(self):
        """(seconds, who, what) for each event line printed so far."""
        return [(float(m.group(1)), m.group(2), m.group(3))
                for m in (EVENT.match(line) for line in self.text().splitlines()) if m]

    def close(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.output.close()
