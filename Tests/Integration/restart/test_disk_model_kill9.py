"""kill -9 a disk model in the middle of a `disk-exercise` run and restart it by hand: the exerciser's retried
requests (same request ids) complete, every check holds, and the image is byte-identical to the expected one."""
import re
import subprocess
import time

from disk_support import DiskModel, check_image_against_manifest, exerciser_argv

SIZE = 8 << 20


def run_with_kills(xenarm, directory, seed, kills):
    model = DiskModel(xenarm, directory, SIZE, name=f"disk{seed}").start()
    manifest = directory / f"manifest{seed}.json"
    exerciser = subprocess.Popen(
        exerciser_argv(xenarm, model.endpoint, 6000, seed, "--verify-image", str(model.image), "--manifest",
                       str(manifest), "--timeout-ms", "200", "--deadline", "30"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(kills):
            time.sleep(0.4)
            assert exerciser.poll() is None, "the workload ended before the kill: make it longer"
            model.kill9()
            time.sleep(0.3)  # the model is down: the exerciser's requests time out and are retried
            model.start(extra=())  # the image exists now: no --create
        output, _ = exerciser.communicate(timeout=300)
    finally:
        if exerciser.poll() is None:
            exerciser.kill()
    assert exerciser.returncode == 0, output
    summary = output.strip().splitlines()[-1]
    assert "PASS" in summary and "image verified" in summary, summary
    retries = int(re.search(r"(\d+) retries", summary).group(1))
    assert retries >= kills, summary
    assert model.stop() == 0
    return model, manifest, output


def test_kill9_mid_workload_then_restart_by_hand_loses_nothing(xenarm, tmp_path):
    model, manifest, _ = run_with_kills(xenarm, tmp_path, seed=11, kills=1)
    assert check_image_against_manifest(model.image, manifest) > 1000


def test_the_image_after_restarts_is_byte_identical_to_an_undisturbed_run(xenarm, tmp_path):
    killed, _, output = run_with_kills(xenarm, tmp_path, seed=21, kills=3)
    calm = DiskModel(xenarm, tmp_path, SIZE, name="calm").start()
    run = subprocess.run(exerciser_argv(xenarm, calm.endpoint, 6000, 21), capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout
    assert calm.stop() == 0
    a, b = killed.image.read_bytes(), calm.image.read_bytes()
    if a != b:
        first = next(i for i in range(min(len(a), len(b))) if a[i] != b[i]) if len(a) == len(b) else -1
        raise AssertionError(f"images differ (sizes {len(a)}, {len(b)}), first at byte {first} "
                             f"(sector {first // 512}); killed run said:\n{output}\ncalm run said:\n{run.stdout}")
