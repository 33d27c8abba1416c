"""A hostile peer (pyzmq) against the hypervisor bus of a running `xenarm hypervisor` whose guests run
(docs/hypervisor-bus.md): no secret, a stolen name, another domain's backend, malformed / oversized / replayed
frames and a flood are each refused and counted, and change nothing — afterwards the legitimate Dom0 process
still binds the guest's port and the guest's event channel round trips all complete."""
import os
import random
import struct
import sys
import pathlib

import pytest
import zmq

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from bus_support import (ALLOC_UNBOUND, BIND, CLOSE, GNTST_PERMISSION_DENIED, GRANT_COPY, GRANT_COPY_RESULT, HELLO,
                         NOTIFY, SIGNAL, STATS_REQUEST, Hypervisor, Peer, error_code, frame, hello, parse, topology)

MAX_FRAME = 256 * 1024


@pytest.fixture
def hv(xenarm, repo, tmp_path):
    kernel = repo / "Guests" / "build" / "evtchn-ping.elf"
    assert kernel.exists(), "run `make guests` first"
    # ping waits up to 60 s for its Dom0 end, so it is alive for the whole attack.
    path = topology(tmp_path / "bus.yaml", kernel, ping_args="count=100 wait=60000")
    h = Hypervisor(xenarm, tmp_path, path)
    yield h
    h.stop()


def test_hostile_peers_are_refused_counted_and_change_nothing(hv):
    ping_port = hv.offered_port("ping")
    other_port = hv.offered_port("other")
    context = zmq.Context()
    hostile = Peer(context, hv.endpoint)
    refused_unauthenticated = 0
    try:
        # No hello: every request is refused.
        for kind, payload in [(ALLOC_UNBOUND, struct.pack("<HBx", 1, 1)), (BIND, struct.pack("<H2xI", 1, ping_port)),
                              (NOTIFY, struct.pack("<I", 1)), (SIGNAL, struct.pack("<I", 1)), (STATS_REQUEST, b"")]:
            assert error_code(hostile.request(kind, payload)) == "unauthorized"
            refused_unauthenticated += 1
        # No secret (zeros), a guessed one, a short one: refused, also under the real process names (stolen name).
        for secret in [bytes(32), os.urandom(32), hv.secret[:31] + bytes([hv.secret[31] ^ 1])]:
            for name in ["console-ping", "xenstored", "intruder"]:
                assert error_code(hostile.request(HELLO, hello(secret, name))) == "unauthorized"
                refused_unauthenticated += 1
        # The right secret but a name the topology does not give bus access.
        assert error_code(hostile.request(HELLO, hello(hv.secret, "blkback-evil"))) == "unauthorized"
        refused_unauthenticated += 1
        # Still not authenticated.
        assert error_code(hostile.request(BIND, struct.pack("<H2xI", 1, ping_port))) == "unauthorized"
        refused_unauthenticated += 1

        # Malformed, truncated, oversized, wrong versions, unknown kinds, multi-part: each its ErrorReply.
        cases = [
            ([os.urandom(64)], "malformed"),
            ([b""], "truncated"),
            ([frame(HELLO, hello(hv.secret, "x"))[:20]], "truncated"),
            ([frame(HELLO, hello(hv.secret, "console-ping"), length=10)], "malformed"),
            ([frame(HELLO, hello(hv.secret, "console-ping"), protocol=9)], "wrongVersion"),
            ([frame(HELLO, hello(hv.secret, "console-ping"), kind_version=2)], "wrongVersion"),
            ([frame(HELLO, hello(hv.secret, "console-ping"), flags=1)], "malformed"),
            ([frame(HELLO, hv.secret + struct.pack("<H6x", 300) + b"a" * 300)], "oversized"),
            ([frame(HELLO, hv.secret + struct.pack("<H6x", 3) + b"a b")], "malformed"),
            ([frame(HELLO, hello(hv.secret, "console-ping") + bytes(MAX_FRAME))], "oversized"),
            ([b"a", b"b", b"c"], "malformed"),
        ]
        for parts, expected in cases:
            hostile.socket.send_multipart(parts)
            assert error_code(hostile.receive()) == expected, (parts[0][:40], expected)

        # Another domain's backend: console-other is legitimate for d2 and tries to reach d1.
        other = Peer(context, hv.endpoint)
        assert other.authenticate(hv.secret, "console-other") == [2]
        assert error_code(other.request(BIND, struct.pack("<H2xI", 1, ping_port))) == "unauthorized"
        assert error_code(other.request(ALLOC_UNBOUND, struct.pack("<HBx", 1, 0))) == "unauthorized"
        copy = struct.pack("<H6x", 1) + struct.pack("<BxHIHH", 0, 1, 0, 0, 16)
        kind, _, _, payload = parse(other.request(GRANT_COPY, copy))
        assert kind == GRANT_COPY_RESULT
        assert struct.unpack_from("<hH", payload, 8) == (GNTST_PERMISSION_DENIED, 0)
        # Its own domain works: it binds d2's offered port and so owns a Dom0 port ...
        result, owned = other.result(other.request(BIND, struct.pack("<H2xI", 2, other_port)))
        assert result == 0
        # ... which a second session (xenstored, also legitimate) may not notify or close.
        xs = Peer(context, hv.endpoint)
        assert xs.authenticate(hv.secret, "xenstored") == [1, 2]
        assert error_code(xs.request(NOTIFY, struct.pack("<I", owned))) == "unauthorized"
        assert error_code(xs.request(SIGNAL, struct.pack("<I", owned))) == "unauthorized"
        assert error_code(xs.request(CLOSE, struct.pack("<I", owned))) == "unauthorized"

        # Replayed frames: the same sequence again, and an older one, are refused.
        seq = other.next_sequence()
        first = other.request(ALLOC_UNBOUND, struct.pack("<HBx", 2, 0), sequence=seq)
        assert other.result(first)[0] == 0
        assert error_code(other.request(ALLOC_UNBOUND, struct.pack("<HBx", 2, 0), sequence=seq)) == "unauthorized"
        assert error_code(other.request(ALLOC_UNBOUND, struct.pack("<HBx", 2, 0), sequence=1)) == "unauthorized"

        # A flood from an unauthenticated peer: garbage, and hellos one bit away from the secret (a guesser
        # walking the key space). Every one is answered with an error and counted.
        rng = random.Random(5)
        good = bytearray(frame(HELLO, hello(hv.secret, "console-ping")))
        garbage = near_misses = 0
        for _ in range(10):
            for _ in range(400):
                if rng.random() < 0.5:
                    hostile.socket.send(bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 80))))
                    garbage += 1
                else:
                    mutated = bytearray(good)
                    mutated[32 + rng.randrange(0, 32)] ^= 1 << rng.randrange(0, 8)  # inside the secret
                    hostile.socket.send(bytes(mutated))
                    near_misses += 1
            for _ in range(400):
                assert error_code(hostile.receive()) is not None
        stats = xs.stats()
        assert stats["unauthenticated"] >= refused_unauthenticated + near_misses, stats
        assert stats["unauthorized"] == 6, stats  # bind, alloc, copy for d1; notify, signal, close of a port not its own
        assert stats["replayed"] == 2, stats
        assert stats["malformed"] >= len(cases) + garbage, stats
        assert stats["sessions"] == 2, stats
        other.close()
        xs.close()
    finally:
        hostile.close()
        context.destroy(linger=0)

    # Nothing the attackers did reached d1: its rightful backend binds the offered port and every round trip
    # of the guest completes.
    echo = hv.echo("console-ping", 1, ping_port)
    hv.wait_for(r"\[ping\] PING rtt count=100 ", timeout=60)
    hv.wait_for(r"\[ping\] RESULT ok")
    out, _ = echo.communicate(timeout=30)
    assert "bound d1" in out, out
    assert "bus session opened" in hv.text()


GET_PARAM, PARAM = 0x030F, 0x0310
HVM_PARAM_STORE_PFN, HVM_PARAM_STORE_EVTCHN, HVM_PARAM_CONSOLE_PFN, HVM_PARAM_CONSOLE_EVTCHN = 1, 2, 17, 18


def test_a_backend_reads_its_own_domains_ring_parameters_and_nothing_else(hv):
    hv.offered_port("other")  # the guests are up
    context = zmq.Context()
    backend = Peer(context, hv.endpoint)
    try:
        assert backend.authenticate(hv.secret, "console-other") == [2]

        def param(domain, index):
            answer = backend.request(GET_PARAM, struct.pack("<H2xI", domain, index))
            if error_code(answer):
                return error_code(answer)
            kind, _, _, payload = parse(answer)
            assert kind == PARAM
            result, asked, value = struct.unpack("<iIQ", payload)
            assert asked == index
            return value if result == 0 else result

        # What the hypervisor's domain builder chose (docs/guest-abi.md): the magic pages, ports 1 and 2.
        assert param(2, HVM_PARAM_CONSOLE_EVTCHN) == 1
        assert param(2, HVM_PARAM_STORE_EVTCHN) == 2
        assert param(2, HVM_PARAM_CONSOLE_PFN) == 0x39000
        assert param(2, HVM_PARAM_STORE_PFN) == 0x39001
        # Another domain's: refused (ErrorReply), counted. A parameter no backend needs: -EPERM.
        before = backend.stats()["unauthorized"]
        assert param(1, HVM_PARAM_CONSOLE_EVTCHN) == "unauthorized"
        assert backend.stats()["unauthorized"] == before + 1
        assert param(2, 3) == -1
    finally:
        backend.close()
        context.term()
