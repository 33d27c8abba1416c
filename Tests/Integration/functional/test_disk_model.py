"""`xenarm device disk` and `xenarm device disk-exercise` as real processes over a real ipc socket."""
import hashlib
import subprocess

from disk_support import DiskModel, check_image_against_manifest, exerciser_argv

SIZE = 8 << 20


def test_exerciser_passes_and_the_image_holds_what_python_recomputes(xenarm, tmp_path):
    model = DiskModel(xenarm, tmp_path, SIZE).start()
    manifest = tmp_path / "manifest.json"
    run = subprocess.run(exerciser_argv(xenarm, model.endpoint, 800, 1234, "--verify-image", str(model.image),
                                        "--manifest", str(manifest)), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    summary = run.stdout.strip().splitlines()[-1]
    assert summary.startswith("disk-exercise: PASS: 16384 sectors"), summary
    assert "image verified" in summary and "0 mismatched sectors" in summary
    assert model.stop() == 0
    assert check_image_against_manifest(model.image, manifest) > 1000
    counters = model.final_counters()
    assert counters["writes"] > 0 and counters["discards"] > 0 and counters["flushes"] > 0
    assert counters["malformed"] == 0


def test_the_same_seed_writes_the_same_image(xenarm, tmp_path):
    digests = []
    for name in ("a", "b"):
        model = DiskModel(xenarm, tmp_path, 1 << 20, name=name).start()
        run = subprocess.run(exerciser_argv(xenarm, model.endpoint, 300, 99), capture_output=True, text=True,
                             timeout=120)
        assert run.returncode == 0, run.stdout + run.stderr
        assert model.stop() == 0
        digests.append(hashlib.sha256(model.image.read_bytes()).hexdigest())
    assert digests[0] == digests[1]


def test_a_missing_image_without_create_is_one_line_naming_it(xenarm, tmp_path):
    image = tmp_path / "absent.img"
    run = subprocess.run([xenarm, "device", "disk", "--name", "d0", "--endpoint", f"ipc://{tmp_path}/d0.ipc",
                          "--image", str(image), "--size", "4096"], capture_output=True, text=True, timeout=30)
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and str(image) in lines[0] and "--create" in lines[0], run.stderr
    assert not image.exists()


def test_an_image_of_the_wrong_size_is_refused(xenarm, tmp_path):
    image = tmp_path / "small.img"
    image.write_bytes(bytes(4096))
    run = subprocess.run([xenarm, "device", "disk", "--name", "d0", "--endpoint", f"ipc://{tmp_path}/d0.ipc",
                          "--image", str(image), "--size", "8192", "--create"], capture_output=True, text=True,
                         timeout=30)
    assert run.returncode == 1
    assert "4096 bytes, expected 8192" in run.stderr and str(image) in run.stderr
    assert image.stat().st_size == 4096


def test_a_read_only_disk_refuses_writes_and_stays_unchanged(xenarm, tmp_path):
    image = tmp_path / "ro.img"
    image.write_bytes(bytes(range(256)) * (SIZE // 256 // 8))
    before = hashlib.sha256(image.read_bytes()).hexdigest()
    model = DiskModel(xenarm, tmp_path, image.stat().st_size, name="ro", extra=("--read-only",))
    model.image = image
    model.start()
    run = subprocess.run(exerciser_argv(xenarm, model.endpoint, 300, 5, "--expect-read-only", "--verify-image",
                                        str(image)), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "read-only refusals" in run.stdout and "image verified" in run.stdout
    # Every READ is compared with the file: another image with the same size must fail the check.
    other = tmp_path / "other.img"
    other.write_bytes(bytes(image.stat().st_size))
    mismatch = subprocess.run(exerciser_argv(xenarm, model.endpoint, 100, 5, "--expect-read-only",
                                             "--verify-image", str(other)), capture_output=True, text=True,
                              timeout=120)
    assert mismatch.returncode == 1 and "differs from the image file" in mismatch.stdout, mismatch.stdout
    # The same run without --expect-read-only must fail: its writes are refused.
    wrong = subprocess.run(exerciser_argv(xenarm, model.endpoint, 50, 5), capture_output=True, text=True,
                           timeout=120)
    assert wrong.returncode == 1 and "FAIL" in wrong.stdout
    assert model.stop() == 0
    assert hashlib.sha256(image.read_bytes()).hexdigest() == before


def test_the_exerciser_fails_when_no_model_answers(xenarm, tmp_path):
    run = subprocess.run(exerciser_argv(xenarm, f"ipc://{tmp_path}/nobody.ipc", 10, 1, "--deadline", "1",
                                        "--timeout-ms", "200"), capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert "did not answer" in run.stdout


def test_sigterm_stops_the_model_cleanly(xenarm, tmp_path):
    model = DiskModel(xenarm, tmp_path, 1 << 20).start()
    assert model.stop() == 0
    assert "requests=0" in model.log_text()


def test_a_tcp_port_in_use_is_one_line_naming_the_endpoint(xenarm, tmp_path):
    import socket
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        run = subprocess.run([xenarm, "device", "disk", "--name", "d0", "--endpoint", f"tcp://127.0.0.1:{port}",
                              "--image", str(tmp_path / "d.img"), "--size", "4096", "--create"],
                             capture_output=True, text=True, timeout=30)
    finally:
        taken.close()
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and f"tcp://127.0.0.1:{port}" in lines[0] and "in use" in lines[0], run.stderr
