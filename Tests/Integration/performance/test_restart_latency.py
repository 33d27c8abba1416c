"""How fast a killed process is back: SIGKILL of a disk model → restarted → ready, against the same model's cold
start in the same run (docs/benchmarks.md, "Launcher: restart latency"). Asserts only a loose bound; prints the
figures for the benchmark record."""
import os
import signal
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "functional"))
from launch_support import Launch, copy_topology, wait_until  # noqa: E402

CYCLES = 20
BACKOFF_MS = 100


def test_a_killed_disk_model_is_ready_again_within_its_backoff_plus_half_a_second(xenarm, repo, tmp_path):
    topology = copy_topology(repo, "supervised-disk.yaml", tmp_path, **{
        "max_restarts: 3": "max_restarts: 1000", "max_backoff: 1s": f"max_backoff: {BACKOFF_MS}ms"})
    topology.write_text(topology.read_text().split("workloads:")[0])  # the model alone, no client load
    launch = Launch(xenarm, topology, tmp_path / "run")
    try:
        launch.wait_ready("disk0")
        seen = set()
        for cycle in range(CYCLES):
            pid = wait_until(lambda: (lambda p: p["state"] == "ready" and p["pid"] not in seen and p["pid"])(
                launch.process_state("disk0")), what=f"incarnation {cycle}")
            seen.add(pid)
            os.kill(pid, signal.SIGKILL)
        wait_until(lambda: launch.process_state("disk0")["restarts"] == CYCLES
                   and launch.process_state("disk0")["state"] == "ready", what="last restart")
        events = [(t, what) for t, who, what in launch.events() if who == "disk0"]
    finally:
        launch.close()

    starts = [t for t, what in events if what.startswith("started")]
    readies = [t for t, what in events if what.startswith("ready")]
    exits = [t for t, what in events if what.startswith("exited: signal KILL")]
    assert len(starts) == len(readies) == CYCLES + 1 and len(exits) == CYCLES
    cold = readies[0] - starts[0]
    spawn_to_ready = [r - s for s, r in zip(starts[1:], readies[1:])]
    exit_to_ready = [r - e for e, r in zip(exits, readies[1:])]
    exit_to_spawn = [s - e for e, s in zip(exits, starts[1:])]
    median = statistics.median
    print(f"\ncold start (spawn→ready): {cold * 1000:.1f} ms")
    print(f"restart, {CYCLES} cycles, backoff {BACKOFF_MS} ms: exit→spawn median {median(exit_to_spawn) * 1000:.1f} ms, "
          f"spawn→ready median {median(spawn_to_ready) * 1000:.1f} ms (ratio to cold start "
          f"{median(spawn_to_ready) / cold:.2f}), exit→ready median {median(exit_to_ready) * 1000:.1f} ms, "
          f"max {max(exit_to_ready) * 1000:.1f} ms")
    # The median holds the bound; one cycle may stall behind other work on a loaded 2-core host (0.64 s seen),
    # but a restart that waited for a doubled or uncapped backoff would take seconds.
    assert median(exit_to_ready) < BACKOFF_MS / 1000 + 0.5
    assert max(exit_to_ready) < BACKOFF_MS / 1000 + 2.0
