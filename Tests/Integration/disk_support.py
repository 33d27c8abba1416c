"""Helpers shared by the disk model integration tests: run the real processes, rebuild the exerciser's data
from its manifest (SectorPattern, docs/devices.md), and build wire frames by hand (docs/wire-protocol.md)."""
import json
import os
import pathlib
import signal
import struct
import subprocess
import time

SECTOR = 512
MASK = (1 << 64) - 1

# Frame header (docs/wire-protocol.md, "Header"): magic "XWIR", protocol version, kind, kind version, flags,
# payload length, sequence, sender, reserved.
HEADER = struct.Struct("<IHHHHIQII")
MAGIC = 0x52495758
DISK_REQUEST, DISK_RESPONSE, ERROR_REPLY = 0x0101, 0x0102, 0x0001
ERROR_CODES = {1: "malformed", 2: "truncated", 3: "oversized", 4: "unknownKind", 5: "wrongVersion",
               6: "unauthorized", 7: "busy", 8: "internal"}
OP_READ, OP_WRITE, OP_FLUSH, OP_DISCARD = 0, 1, 2, 3


def mix64(z: int) -> int:
    z &= MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def sector_bytes(sector: int, tag: int) -> bytes:
    """What SectorPattern writes into `sector` with `tag` (tag 0: zeros)."""
    if tag == 0:
        return bytes(SECTOR)
    base = (tag + sector * 0x9E3779B97F4A7C15) & MASK
    return b"".join(struct.pack("<Q", mix64(base + i * 0xD1B54A32D192ED03)) for i in range(SECTOR // 8))


def check_image_against_manifest(image: pathlib.Path, manifest: pathlib.Path) -> int:
    """Compares every sector the manifest names with the image file; returns how many sectors were checked."""
    spec = json.loads(manifest.read_text())
    assert spec["sectorSize"] == SECTOR
    data = image.read_bytes()
    assert len(data) == spec["sectors"] * SECTOR
    checked = 0
    for first, count, tag in spec["runs"]:
        for sector in range(first, first + count):
            got = data[sector * SECTOR:(sector + 1) * SECTOR]
            assert got == sector_bytes(sector, tag), f"sector {sector} (tag {tag}) differs in {image}"
            checked += 1
    return checked


def disk_request(op: int, request_id: int, first: int, count: int, data: bytes = b"") -> bytes:
    return struct.pack("<QQIB3xII", request_id, first, count, op, len(data), 0) + data


def frame(kind: int, payload: bytes, sequence: int = 1, kind_version: int = 1, flags: int = 0,
          protocol: int = 1, length: int | None = None) -> bytes:
    size = len(payload) if length is None else length
    return HEADER.pack(MAGIC, protocol, kind, kind_version, flags, size, sequence, 0, 0) + payload


def parse_reply(raw: bytes):
    """('error', code name, sequence) or ('disk', status, request id, data, sequence)."""
    magic, _, kind, _, flags, length, sequence, _, _ = HEADER.unpack_from(raw)
    assert magic == MAGIC and flags & 1, raw[:32]
    payload = raw[HEADER.size:]
    assert len(payload) == length
    if kind == ERROR_REPLY:
        code, = struct.unpack_from("<H", payload)
        return ("error", ERROR_CODES.get(code, code), sequence)
    assert kind == DISK_RESPONSE
    request_id, status, data_length = struct.unpack_from("<QB3xI", payload)
    return ("disk", status, request_id, payload[16:16 + data_length], sequence)


def wait_for_socket(path: pathlib.Path, process: subprocess.Popen, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, f"process exited with {process.returncode} before binding {path}"
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.02)


class DiskModel:
    """A `xenarm device disk` process on an ipc endpoint in `directory`, logging to a file there."""

    def __init__(self, xenarm: str, directory: pathlib.Path, size: int, name: str = "disk0",
                 extra: tuple = ("--create",)):
        self.xenarm, self.directory, self.size, self.name = xenarm, directory, size, name
        self.socket = directory / f"{name}.ipc"
        self.endpoint = f"ipc://{self.socket}"
        self.image = directory / f"{name}.img"
        self.log = directory / f"{name}.log"
        self.extra = extra
        self.process = None

    def start(self, extra: tuple | None = None) -> "DiskModel":
        if self.socket.exists():
            self.socket.unlink()  # a killed model leaves its socket file; wait for the new one
        argv = [self.xenarm, "device", "disk", "--name", self.name, "--endpoint", self.endpoint,
                "--image", str(self.image), "--size", str(self.size), *(self.extra if extra is None else extra)]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        wait_for_socket(self.socket, self.process)
        return self

    def kill9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=10)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def final_counters(self) -> dict:
        """The counters from the model's last `stopped:` log line (written on a clean stop)."""
        lines = [l for l in self.log_text().splitlines() if "stopped:" in l]
        assert lines, self.log_text()
        return {k: int(v) for k, v in (item.split("=") for item in lines[-1].split("stopped:")[1].split())}


def exerciser_argv(xenarm: str, target: str, requests: int, seed: int, *extra: str) -> list:
    return [xenarm, "device", "disk-exercise", "--name", "exercise", "--target", target,
            "--requests", str(requests), "--seed", str(seed), *extra]
