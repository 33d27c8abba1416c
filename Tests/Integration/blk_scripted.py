"""A scripted block backend for the guest frontend's tests (test_blkfront.py) (docs/block.md "Guest side"): it speaks the real
protocols (the hypervisor bus with pyzmq, xenstored's Unix socket, the blkif ring through grant copies) against a
real guest, with misbehaviours the real blkback never shows: response ids that are not in flight, rsp_prod past
req_prod, dying with requests taken but unanswered. It keeps its disk in memory. Not a substitute for blkback: the
tests of the real path use `xenarm backend blk`."""
import pathlib
import struct
import subprocess
import time

import zmq

import bus_support as bus
from xenstore_support import StreamClient

SLOTS, SLOT_SIZE, RING_OFFSET = 32, 112, 64
OP_READ, OP_WRITE, OP_FLUSH, OP_DISCARD = 0, 1, 3, 5
RSP_OKAY, RSP_ERROR, RSP_EOPNOTSUPP = 0, -1, -2


class Processes:
    """xenstored and the hypervisor of TOPOLOGY run by hand, as the launcher would (no backend processes)."""

    def __init__(self, xenarm: str, topology: pathlib.Path, run: pathlib.Path):
        run.mkdir(parents=True, exist_ok=True)
        self.run = run
        self.secret_path = run / "bus.secret"
        self.secret_path.write_text(bytes(range(32)).hex() + "\n")
        self.secret_path.chmod(0o600)
        self.endpoint = f"ipc://{run}/hypervisor.ipc"
        self.xs_log = open(run / "xenstored.out", "w")
        self.xenstored = subprocess.Popen(
            [xenarm, "xenstored", "--name", "xenstored", "--endpoint", f"ipc://{run}/xenstored.ipc",
             "--socket", str(run / "xenstored.sock"), "--state-dir", str(run / "xenstored.state"),
             "--topology", str(topology), "--bus", self.endpoint, "--bus-secret", str(self.secret_path)],
            stdout=self.xs_log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not (run / "xenstored.sock").exists():
            assert time.monotonic() < deadline and self.xenstored.poll() is None, (run / "xenstored.out").read_text()
            time.sleep(0.05)
        self.output_path = run / "hypervisor.out"
        self.hv_log = open(self.output_path, "w")
        self.hypervisor = subprocess.Popen(
            [xenarm, "hypervisor", "--name", "hypervisor", "--endpoint", self.endpoint, "--topology", str(topology),
             "--bus-secret", str(self.secret_path)], stdout=self.hv_log, stderr=subprocess.STDOUT)

    def text(self) -> str:
        return self.output_path.read_text()

    def console(self, name: str) -> list:
        return [line.split("] ", 1)[1] for line in self.text().splitlines() if line.startswith(f"[{name}] ")]

    def wait_exit(self, timeout: float) -> int:
        return self.hypervisor.wait(timeout)

    def stop(self):
        for p in (self.hypervisor, self.xenstored):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.xs_log.close()
        self.hv_log.close()


class ScriptedBackend:
    """One blkback instance (one bus session) for DOMAIN's vbd DEVID. `misbehave`: a set of
    'bad-id' (the first request answered under an id that is not in flight, so it stays unanswered), 'rsp-past'
    (once, rsp_prod published far past req_prod, then corrected),
    and `die_after`: stop answering and close the session once that many requests were taken; `close_after`: once
    that many were answered, go Closing (5), drop the ring and its port, wait for FE/state 1 and start over."""

    def __init__(self, processes: Processes, name: str, domain: int, disk: bytearray, devid=51712,
                 misbehave=(), die_after=None, close_after=None):
        self.p = processes
        self.name, self.domain, self.disk = name, domain, disk
        self.misbehave = set(misbehave)
        self.die_after = die_after
        self.close_after = close_after
        self.be = f"/local/domain/0/backend/vbd/{domain}/{devid}"
        self.fe = f"/local/domain/{domain}/device/vbd/{devid}"
        self.xs = StreamClient(str(processes.run / "xenstored.sock"))
        self.context = zmq.Context.instance()
        self.peer = bus.Peer(self.context, processes.endpoint)
        secret = bytes.fromhex(processes.secret_path.read_text().strip())
        deadline = time.monotonic() + 30
        while True:  # the hypervisor may still be starting
            try:
                self.peer.authenticate(secret, name)
                break
            except AssertionError:
                assert time.monotonic() < deadline, "the hypervisor bus never answered"
                self.peer.close()
                self.peer = bus.Peer(self.context, processes.endpoint)
        self.port = None
        self.ring_ref = None
        self.req_cons = 0
        self.rsp_prod = 0
        self.taken = 0
        self.answered = 0
        self.dead = False

    # -- xenstore --
    def read(self, path):
        value = self.xs.call("READ", path)
        return None if isinstance(value, str) else value.rstrip(b"\0").decode()

    def write(self, node, value):
        assert self.xs.write(f"{self.be}/{node}", str(value).encode()) == "OK"

    def announce(self):
        """Step 1 of the contract: the disk's nodes, then InitWait."""
        self.write("sectors", len(self.disk) // 512)
        self.write("sector-size", 512)
        self.write("info", 0)
        self.write("feature-flush-cache", 1)
        self.write("feature-discard", 1)
        self.write("state", 2)

    def connect(self, timeout=60.0):
        """Step 3: waits for FE/state 3, binds the guest's port, Connected."""
        deadline = time.monotonic() + timeout
        while self.read(f"{self.fe}/state") != "3":
            assert time.monotonic() < deadline, "the frontend never reached Initialised"
            time.sleep(0.02)
        assert self.read(f"{self.fe}/protocol") == "arm-abi"
        self.ring_ref = int(self.read(f"{self.fe}/ring-ref"))
        remote = int(self.read(f"{self.fe}/event-channel"))
        result, port = self.peer.result(self.peer.request(bus.BIND, struct.pack("<HHI", self.domain, 0, remote)))
        assert result == 0, result
        self.port = port
        self.req_cons = self.rsp_prod = 0
        self.write("state", 4)

    # -- grant copies --
    def copy(self, ops):
        """ops: (direction, ref, offset, data_or_length); returns [(status, bytes)]."""
        head = struct.pack("<H6x", len(ops))
        body, data = b"", b""
        for direction, ref, offset, item in ops:
            length = len(item) if direction == 1 else item
            body += struct.pack("<BxHIHH", direction, self.domain, ref, offset, length)
            if direction == 1:
                data += item
        kind, _, _, payload = bus.parse(self.peer.request(bus.GRANT_COPY, head + body + data))
        assert kind == bus.GRANT_COPY_RESULT, bus.error_code(self.peer.request(bus.STATS_REQUEST))
        count = struct.unpack_from("<H", payload)[0]
        at = 8 + 4 * count
        out = []
        for i in range(count):
            status, length = struct.unpack_from("<hH", payload, 8 + 4 * i)
            out.append((status, payload[at:at + length]))
            at += length
        return out

    def ring(self) -> bytes:
        status, page = self.copy([(0, self.ring_ref, 0, 4096)])[0]
        assert status == 0, status
        return page

    def respond(self, rid, op, status, publish=None):
        slot = RING_OFFSET + (self.rsp_prod % SLOTS) * SLOT_SIZE
        self.rsp_prod += 1
        prod = self.rsp_prod if publish is None else publish
        results = self.copy([(1, self.ring_ref, slot, struct.pack("<QBxhI", rid, op, status, 0)),
                             (1, self.ring_ref, 8, struct.pack("<I", prod & 0xFFFFFFFF))])
        assert all(s == 0 for s, _ in results), results

    # -- requests --
    def execute(self, req: bytes):
        op, nseg, _, rid, sector = struct.unpack_from("<BBHxxxxQQ", req)
        if op == OP_FLUSH:
            return rid, op, RSP_OKAY
        if op == OP_DISCARD:
            count = struct.unpack_from("<Q", req, 24)[0]
            if sector + count > len(self.disk) // 512:
                return rid, op, RSP_ERROR
            self.disk[sector * 512:(sector + count) * 512] = bytes(count * 512)
            return rid, op, RSP_OKAY
        if op not in (OP_READ, OP_WRITE):
            return rid, op, RSP_EOPNOTSUPP
        if not 1 <= nseg <= 11:
            return rid, op, RSP_ERROR
        segs = [struct.unpack_from("<IBB", req, 24 + 8 * i) for i in range(nseg)]
        total = sum(last - first + 1 for _, first, last in segs if first <= last <= 7)
        if any(not first <= last <= 7 for _, first, last in segs) or sector + total > len(self.disk) // 512:
            return rid, op, RSP_ERROR
        at = sector * 512
        if op == OP_READ:
            ops = []
            for ref, first, last in segs:
                n = (last - first + 1) * 512
                ops.append((1, ref, first * 512, bytes(self.disk[at:at + n])))
                at += n
            ok = all(s == 0 for s, _ in self.copy(ops))
        else:
            results = self.copy([(0, ref, first * 512, (last - first + 1) * 512) for ref, first, last in segs])
            ok = all(s == 0 for s, _ in results)
            if ok:
                for _, data in results:
                    self.disk[at:at + len(data)] = data
                    at += len(data)
        return rid, op, RSP_OKAY if ok else RSP_ERROR

    def serve_once(self, wait_ms=20) -> bool:
        """Takes what is on the ring, answers it; False once this instance died (die_after)."""
        if self.dead:
            return False
        self.peer.socket.poll(wait_ms)
        while self.peer.socket.poll(0):
            self.peer.pushes.append(self.peer.socket.recv_multipart()[-1])
        self.peer.pushes.clear()
        page = self.ring()
        req_prod = struct.unpack_from("<I", page, 0)[0]
        answered = False
        while self.req_cons != req_prod:
            if (req_prod - self.req_cons) & 0xFFFFFFFF > SLOTS:
                return True  # broken indices: stop this ring (a real backend would count it)
            req = page[RING_OFFSET + (self.req_cons % SLOTS) * SLOT_SIZE:][:SLOT_SIZE]
            self.req_cons += 1
            self.taken += 1
            if self.die_after is not None and self.taken > self.die_after:
                self.peer.close()  # gone with this request and any after it unanswered
                self.dead = True
                return False
            rid, op, status = self.execute(req)
            if "bad-id" in self.misbehave:
                self.misbehave.discard("bad-id")
                self.respond(rid ^ 0x5500, op, RSP_OKAY)
            elif "rsp-past" in self.misbehave:
                self.misbehave.discard("rsp-past")
                self.respond(rid, op, status, publish=self.rsp_prod + 40)
                self.peer.request(bus.NOTIFY, struct.pack("<I", self.port))
                time.sleep(0.2)
                self.copy([(1, self.ring_ref, 8, struct.pack("<I", self.rsp_prod))])
            else:
                self.respond(rid, op, status)
            self.answered += 1
            answered = True
        if answered:
            self.peer.request(bus.NOTIFY, struct.pack("<I", self.port))
        if self.close_after is not None and self.answered >= self.close_after:
            self.close_after = None
            self.start_over()
        return True

    def start_over(self):
        """Closing, as a backend that refused the frontend's nodes does: the frontend must ask for a new start."""
        self.write("state", 5)
        assert self.peer.result(self.peer.request(bus.CLOSE, struct.pack("<I", self.port)))[0] == 0
        deadline = time.monotonic() + 30
        while self.read(f"{self.fe}/state") != "1":
            assert time.monotonic() < deadline, "the frontend never asked to start over"
            time.sleep(0.02)
        self.announce()
        self.connect()

    def close(self):
        if not self.dead:
            self.peer.close()
        self.xs.close()
