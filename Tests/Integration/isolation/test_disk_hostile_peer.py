"""A hostile peer (pyzmq) attacks a running disk model while a well-behaved `disk-exercise` uses it: every bad
frame gets its ErrorReply, is counted, and the exerciser still completes with every check held."""
import os
import random
import struct
import subprocess

import zmq

from disk_support import (DISK_REQUEST, OP_READ, OP_WRITE, DiskModel, check_image_against_manifest, disk_request,
                          exerciser_argv, frame, parse_reply)

SIZE = 16 << 20
MAX_FRAME = 256 * 1024


def hostile_cases():
    """(description, multipart message, expected ErrorReply code)."""
    good = disk_request(OP_READ, 1, 0, 1)
    return [
        ("garbage", [os.urandom(64)], "malformed"),
        ("empty frame", [b""], "truncated"),
        ("short header", [frame(DISK_REQUEST, good)[:20]], "truncated"),
        ("payload shorter than declared", [frame(DISK_REQUEST, good, length=len(good) + 100)], "truncated"),
        ("payload longer than declared", [frame(DISK_REQUEST, good, length=len(good) - 4)], "malformed"),
        ("wrong protocol version", [frame(DISK_REQUEST, good, protocol=7)], "wrongVersion"),
        ("wrong kind version", [frame(DISK_REQUEST, good, kind_version=9)], "wrongVersion"),
        ("unknown kind", [frame(0x7777, good)], "unknownKind"),
        ("a reply sent to the server", [frame(DISK_REQUEST, good, flags=1)], "malformed"),
        ("unknown flag bits", [frame(DISK_REQUEST, good, flags=0x80)], "malformed"),
        ("frame above the size limit", [frame(DISK_REQUEST, good + bytes(MAX_FRAME))], "oversized"),
        ("sector count above the limit",
         [frame(DISK_REQUEST, struct.pack("<QQIB3xII", 2, 0, 100000, OP_READ, 0, 0))], "oversized"),
        ("write data length above the limit",
         [frame(DISK_REQUEST, struct.pack("<QQIB3xII", 3, 0, 1, OP_WRITE, 1 << 30, 0))], "oversized"),
        ("write data shorter than its length field",
         [frame(DISK_REQUEST, struct.pack("<QQIB3xII", 4, 0, 1, OP_WRITE, 512, 0) + bytes(100))], "truncated"),
        ("truncated request payload", [frame(DISK_REQUEST, good[:20])], "truncated"),
        ("three-part message", [b"", b"x", b"y"], "malformed"),
    ]


def receive(socket, timeout_ms=5000):
    assert socket.poll(timeout_ms), "no reply from the disk model"
    return socket.recv_multipart()[-1]


def test_hostile_frames_get_error_replies_while_a_good_client_is_served(xenarm, tmp_path):
    model = DiskModel(xenarm, tmp_path, SIZE).start()
    manifest = tmp_path / "manifest.json"
    exerciser = subprocess.Popen(
        exerciser_argv(xenarm, model.endpoint, 1500, 77, "--verify-image", str(model.image), "--manifest",
                       str(manifest)), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    context = zmq.Context()
    hostile = context.socket(zmq.DEALER)
    hostile.setsockopt(zmq.LINGER, 0)
    hostile.connect(model.endpoint)
    bad_frames = 0
    try:
        for description, parts, expected in hostile_cases():
            hostile.send_multipart(parts)
            bad_frames += 1
            kind, code, *_ = parse_reply(receive(hostile))
            assert (kind, code) == ("error", expected), description

        # Well-formed requests with hostile values get a disk status, never a crash: a FLUSH whose (ignored)
        # sector field is huge once made the model overflow computing a byte offset.
        for request_id, payload, status in [
                (20, struct.pack("<QQIB3xII", 20, (1 << 64) - 1, 0, 2, 0, 0), 0),      # FLUSH, sector 2^64-1
                (21, struct.pack("<QQIB3xII", 21, (1 << 64) - 1, 1, 0, 0, 0), 1),      # READ past the end
                (22, struct.pack("<QQIB3xII", 22, (1 << 55), 256, 3, 0, 0), 1),        # DISCARD far away
                (23, struct.pack("<QQIB3xII", 23, 0, 2, 1, 512, 0) + bytes(512), 2),  # WRITE short data
                (24, struct.pack("<QQIB3xII", 24, 0, 1, 9, 0, 0), 5)]:                # unknown op
            hostile.send(frame(DISK_REQUEST, payload, sequence=request_id))
            reply = parse_reply(receive(hostile))
            assert reply[:3] == ("disk", status, request_id), reply

        # A flood of random garbage and mutated good frames, in batches so the replies can be drained.
        rng = random.Random(1)
        good = frame(DISK_REQUEST, disk_request(OP_READ, 9, 0, 1))
        for _ in range(20):
            for _ in range(500):
                if rng.random() < 0.5:
                    junk = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 80)))
                else:
                    mutated = bytearray(good)
                    for _ in range(rng.randrange(1, 4)):
                        mutated[rng.randrange(0, 32)] ^= 1 << rng.randrange(0, 8)
                    junk = bytes(mutated)
                hostile.send(junk)
            for _ in range(500):
                reply = parse_reply(receive(hostile))
                if reply[0] == "error":
                    bad_frames += 1
        assert bad_frames > 5000

        # A frame beyond the transport limit makes libzmq drop this peer's connection; the model carries on.
        hostile.send(bytes(2 << 20))
        assert not hostile.poll(500)
        fresh = context.socket(zmq.DEALER)
        fresh.setsockopt(zmq.LINGER, 0)
        fresh.connect(model.endpoint)
        fresh.send(frame(DISK_REQUEST, disk_request(OP_READ, 10, 0, 1), sequence=42))
        kind, status, request_id, data, sequence = parse_reply(receive(fresh))
        assert (kind, status, request_id, len(data), sequence) == ("disk", 0, 10, 512, 42)
        fresh.close()

        output, _ = exerciser.communicate(timeout=300)
        assert exerciser.returncode == 0, output
        assert "PASS" in output and "image verified" in output
        assert model.process.poll() is None, "the model must survive"
    finally:
        if exerciser.poll() is None:
            exerciser.kill()
        hostile.close()
        context.term()
    assert model.stop() == 0
    counters = model.final_counters()
    assert counters["malformed"] >= bad_frames - 1, counters  # the oversized-transport frame is never delivered
    assert check_image_against_manifest(model.image, manifest) > 0
    # Rejects are logged at most once per peer per second, not once per frame.
    assert model.log_text().count("rejected frame") < 100
