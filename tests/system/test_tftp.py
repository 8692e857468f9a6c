# SPDX-License-Identifier: Apache-2.0
"""TFTP served by the real rackd on 127.0.0.1, driven by real clients
(tftp-hpa, atftp, curl) and by a raw-socket client for exact packet sequences.

rackd runs with only TFTP enabled ([dhcp] and [ra] off, [http] on loopback).
Environment: RACKD_BUILD (directory holding rackd, default <repo>/build).
Clients: Debian packages tftp-hpa, atftp and curl; tests needing a missing
client are skipped with the package name.
"""

import hashlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("RACKD_BUILD", REPO / "build"))
HOST = "127.0.0.1"

OP_RRQ, OP_WRQ, OP_DATA, OP_ACK, OP_ERROR, OP_OACK = 1, 2, 3, 4, 5, 6

# Files served from boot_dir: name -> size in bytes.
FILES = {
    "empty.bin": 0,
    "small.bin": 100,
    "b511.bin": 511,
    "b512.bin": 512,
    "b513.bin": 513,
    "b1024.bin": 1024,
    "b1468.bin": 1468,
    "b2936.bin": 2936,
    "multi.bin": 300_000,
    "ipxe/undionly.kpxe": 70_000,
}
# More than 65535 blocks of 512 bytes, so block numbers wrap past 65535 to 0.
BIG_NAME = "big.bin"
BIG_SIZE = 32 * 1024 * 1024 + 12_345
SECRET = b"secret outside the TFTP root\n"
TEXT = b"first line\nsecond line\r\nbare cr\rend\n"


def need(tool, package):
    return pytest.mark.skipif(shutil.which(tool) is None,
                              reason=f"{tool} is not installed (Debian package {package})")


need_hpa = need("tftp", "tftp-hpa")
need_atftp = need("atftp", "atftp")
need_curl = need("curl", "curl")


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class Rackd:
    """rackd with only TFTP enabled, logging JSON lines to a file."""

    def __init__(self, workdir, boot_dir, max_transfers=64):
        self.workdir = workdir
        self.port = free_port(socket.SOCK_DGRAM)
        http_port = free_port(socket.SOCK_STREAM)
        data_dir = workdir / "data"
        data_dir.mkdir(exist_ok=True)
        self.log_path = workdir / "rackd.log"
        self.config = workdir / "rackd.conf"
        self.config.write_text(f"""[server]
data_dir = {data_dir}
boot_dir = {boot_dir}
log_level = debug
log_format = json
[dhcp]
enabled = false
[tftp]
enabled = true
listen = {HOST}:{self.port}
max_transfers = {max_transfers}
# Every test client is 127.0.0.1; the per-client cap has its own test.
max_transfers_per_client = 4096
[http]
listen = {HOST}:{http_port}
public_url = http://{HOST}:{http_port}
[ra]
enabled = false
""")
        binary = BUILD / "rackd"
        if not binary.is_file():
            pytest.fail(f"{binary} not found: build rackd first or set RACKD_BUILD")
        self.log_file = open(self.log_path, "wb")
        self.proc = subprocess.Popen([str(binary), "--config", str(self.config)],
                                     stdout=self.log_file, stderr=subprocess.STDOUT)
        self.wait_log(lambda e: e.get("subsystem") == "tftp" and "listening" in e["message"],
                      what="TFTP listening line")

    def entries(self):
        out = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass  # sanitizer reports and other non-JSON output
        return out

    def mark(self):
        """Position in the log; wait_log(after=mark) looks only at later lines."""
        return len(self.entries())

    def wait_log(self, match, what, timeout=30, after=0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in self.entries()[after:] if match(e)]
            if found:
                return found
            if self.proc.poll() is not None:
                pytest.fail(f"rackd exited with {self.proc.returncode} while waiting for "
                            f"{what}:\n{self.log_path.read_text(errors='replace')[-4000:]}")
            time.sleep(0.05)
        pytest.fail(f"no {what} in rackd's log within {timeout} s")

    def transfer_lines(self, file, peer_port=None, timeout=30, after=0):
        """Waits for the finished-transfer (or rejected-request) lines for file."""

        def match(e):
            return (e.get("subsystem") == "tftp" and e.get("file") == file and "result" in e
                    and (peer_port is None or e.get("peer") == f"{HOST}:{peer_port}"))

        return self.wait_log(match, what=f"log line for {file!r}", timeout=timeout, after=after)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.log_file.close()
        text = self.log_path.read_text(errors="replace")
        assert "AddressSanitizer" not in text and "runtime error:" not in text, text[-4000:]
        assert code == 0, f"rackd exited with {code}:\n{text[-4000:]}"


def make_boot_dir(base):
    """Builds boot_dir with test files, symlinks in and out, and a secret outside it."""
    root = base / "boot"
    (root / "ipxe").mkdir(parents=True)
    (root / "sub").mkdir()
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    contents = {}
    for name, size in FILES.items():
        data = os.urandom(size)
        (root / name).write_bytes(data)
        contents[name] = data
    with open(root / BIG_NAME, "wb") as f:
        chunk = os.urandom(1 << 20)
        h = hashlib.sha256()
        left = BIG_SIZE
        while left > 0:
            piece = chunk[: min(left, len(chunk))]
            f.write(piece)
            h.update(piece)
            left -= len(piece)
    (root / "text.txt").write_bytes(TEXT)
    (root / "sub" / "inner.bin").write_bytes(contents["small.bin"])
    os.symlink("small.bin", root / "link-inside")
    os.symlink(str(outside / "secret.txt"), root / "link-outside")
    os.symlink("../outside", root / "dir-outside")
    os.symlink("/etc", root / "etc-link")
    return root, contents, h.hexdigest()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    base = tmp_path_factory.mktemp("tftp")
    root, contents, big_sha = make_boot_dir(base)
    rackd = Rackd(base, root)
    rackd.contents = contents
    rackd.big_sha = big_sha
    rackd.root = root
    rackd.outdir = base / "out"
    rackd.outdir.mkdir()
    yield rackd
    rackd.stop()
    (root / BIG_NAME).unlink()


def out_path(served, tag):
    path = served.outdir / tag.replace("/", "_")
    if path.exists():
        path.unlink()
    return path


def run(cmd, timeout=300, **kw):
    return subprocess.run(cmd, capture_output=True, timeout=timeout, **kw)


def hpa_get(served, remote, local, mode="binary"):
    return run(["tftp", "-m", mode, HOST, str(served.port), "-c", "get", remote, str(local)])


def atftp_get(served, remote, local, *options):
    cmd = ["atftp"]
    for opt in options:
        cmd += ["--option", opt]
    return run(cmd + ["-g", "-r", remote, "-l", str(local), HOST, str(served.port)])


def curl_get(served, remote, local, blksize=None):
    # --path-as-is: curl would otherwise drop ".." segments before sending the request.
    cmd = ["curl", "-sS", "--path-as-is", "-o", str(local)]
    if blksize is not None:
        cmd += ["--tftp-blksize", str(blksize)]
    return run(cmd + [f"tftp://{HOST}:{served.port}/{remote}"])


class RawClient:
    """A TFTP client on a raw UDP socket, for packet sequences no real client makes."""

    def __init__(self, served, timeout=5.0):
        self.server = (HOST, served.port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, 0))
        self.sock.settimeout(timeout)
        self.port = self.sock.getsockname()[1]
        self.tid = None

    def close(self):
        self.sock.close()

    def request(self, name, mode="octet", opcode=OP_RRQ, **options):
        pkt = struct.pack("!H", opcode) + name.encode("latin-1") + b"\0" + mode.encode() + b"\0"
        for key, value in options.items():
            pkt += key.encode() + b"\0" + str(value).encode() + b"\0"
        self.sock.sendto(pkt, self.server)

    def send_raw(self, data, to=None):
        self.sock.sendto(data, to or self.server)

    def recv(self):
        data, addr = self.sock.recvfrom(70000)
        if self.tid is None:
            self.tid = addr
        assert addr == self.tid, f"packet from {addr}, transfer is {self.tid}"
        opcode, field = struct.unpack("!HH", data[:4])
        return opcode, field, data[4:]

    def ack(self, block):
        self.sock.sendto(struct.pack("!HH", OP_ACK, block & 0xFFFF), self.tid)

    def error(self, code, message):
        self.sock.sendto(struct.pack("!HH", OP_ERROR, code) + message.encode() + b"\0",
                         self.tid)

    def fetch(self, name, **options):
        """Reads a whole file; returns (bytes, OACK options as a dict or None)."""
        self.request(name, **options)
        blksize = 512
        window = 1
        oack = None
        opcode, field, body = self.recv()
        if opcode == OP_OACK:
            oack = parse_oack(struct.pack("!H", field) + body)
            blksize = int(oack.get("blksize", 512))
            window = int(oack.get("windowsize", 1))
            self.ack(0)
            opcode, field, body = self.recv()
        data = bytearray()
        expected = 1
        in_window = 0
        while True:
            assert opcode == OP_DATA, f"opcode {opcode} field {field} {body!r}"
            assert field == expected & 0xFFFF, f"block {field}, expected {expected & 0xFFFF}"
            data += body
            in_window += 1
            last = len(body) < blksize
            if last or in_window == window:
                self.ack(expected)
                in_window = 0
            if last:
                return bytes(data), oack
            expected += 1
            opcode, field, body = self.recv()


def parse_oack(body):
    parts = body.split(b"\0")
    if parts and parts[-1] == b"":
        parts = parts[:-1]
    assert len(parts) % 2 == 0, f"odd OACK {body!r}"
    return {parts[i].decode().lower(): parts[i + 1].decode() for i in range(0, len(parts), 2)}


# --- real clients -----------------------------------------------------------


@need_hpa
@pytest.mark.parametrize("name", sorted(FILES))
def test_hpa_fetches_file(served, name):
    local = out_path(served, "hpa-" + name)
    mark = served.mark()
    res = hpa_get(served, name, local)
    assert local.read_bytes() == served.contents[name], res.stderr
    entry = served.transfer_lines(name, after=mark)[-1]
    assert entry["result"] == "ok"
    assert entry["bytes"] == str(FILES[name])
    assert entry["blksize"] == "512"
    assert entry["windowsize"] == "1"
    assert entry["level"] == "info"
    assert entry["peer"].startswith(HOST + ":")


@need_hpa
def test_hpa_leading_slash_is_root_relative(served):
    local = out_path(served, "hpa-slash")
    hpa_get(served, "/ipxe/undionly.kpxe", local)
    assert local.read_bytes() == served.contents["ipxe/undionly.kpxe"]


@need_hpa
def test_hpa_netascii_round_trip(served):
    local = out_path(served, "hpa-text")
    mark = served.mark()
    hpa_get(served, "text.txt", local, mode="ascii")
    # tftp-hpa turns CR LF back into LF and CR NUL back into CR.
    assert local.read_bytes() == TEXT
    entry = served.transfer_lines("text.txt", after=mark)[-1]
    assert entry["result"] == "ok"
    assert entry["mode"] == "netascii"


@need_hpa
def test_hpa_file_over_32mib_wraps_block_numbers(served):
    local = out_path(served, "hpa-big")
    mark = served.mark()
    res = hpa_get(served, BIG_NAME, local)
    assert local.stat().st_size == BIG_SIZE, res.stderr
    assert sha256(local.read_bytes()) == served.big_sha
    local.unlink()
    entry = served.transfer_lines(BIG_NAME, after=mark)[-1]
    assert entry["result"] == "ok"
    assert entry["bytes"] == str(BIG_SIZE)


@need_curl
def test_curl_file_over_32mib(served):
    local = out_path(served, "curl-big")
    res = curl_get(served, BIG_NAME, local, blksize=512)
    assert res.returncode == 0, res.stderr
    assert sha256(local.read_bytes()) == served.big_sha
    local.unlink()


@need_atftp
def test_atftp_file_over_32mib_windowed(served):
    local = out_path(served, "atftp-big")
    res = atftp_get(served, BIG_NAME, local, "blksize 512", "windowsize 8")
    assert res.returncode == 0, res.stderr
    assert sha256(local.read_bytes()) == served.big_sha
    local.unlink()


@need_atftp
@pytest.mark.parametrize("blksize", [8, 512, 1468, 65464])
def test_atftp_blksize(served, blksize):
    name = "multi.bin" if blksize > 8 else "b2936.bin"
    local = out_path(served, f"atftp-{blksize}")
    mark = served.mark()
    res = atftp_get(served, name, local, f"blksize {blksize}")
    assert res.returncode == 0, res.stderr
    assert local.read_bytes() == served.contents[name]
    entry = served.transfer_lines(name, after=mark)[-1]
    assert entry["result"] == "ok"
    assert entry["blksize"] == str(blksize)


@need_curl
@pytest.mark.parametrize("blksize", [8, 512, 1468, 65464])
def test_curl_blksize(served, blksize):
    name = "multi.bin" if blksize > 8 else "b2936.bin"
    local = out_path(served, f"curl-{blksize}")
    res = curl_get(served, name, local, blksize=blksize)
    assert res.returncode == 0, res.stderr
    assert local.read_bytes() == served.contents[name]


@need_atftp
def test_atftp_tsize_and_windowsize(served):
    local = out_path(served, "atftp-window")
    mark = served.mark()
    res = atftp_get(served, "multi.bin", local, "blksize 1468", "tsize", "windowsize 4",
                    "timeout 2")
    assert res.returncode == 0, res.stderr
    assert local.read_bytes() == served.contents["multi.bin"]
    entry = served.transfer_lines("multi.bin", after=mark)[-1]
    assert entry["result"] == "ok"
    assert entry["windowsize"] == "4"
    assert entry["blksize"] == "1468"


@need_atftp
@pytest.mark.parametrize("name", ["empty.bin", "b512.bin", "b1468.bin", "b2936.bin"])
def test_atftp_block_boundaries_windowed(served, name):
    local = out_path(served, "atftp-edge-" + name)
    res = atftp_get(served, name, local, "blksize 1468", "windowsize 4")
    assert res.returncode == 0, res.stderr
    assert local.read_bytes() == served.contents[name]


def test_tsize_is_real_size(served):
    c = RawClient(served)
    try:
        data, oack = c.fetch("multi.bin", tsize=0, blksize=1468)
    finally:
        c.close()
    assert oack["tsize"] == str(FILES["multi.bin"])
    assert oack["blksize"] == "1468"
    assert data == served.contents["multi.bin"]


def test_many_concurrent_transfers(served):
    tools = [t for t in ("tftp", "curl", "atftp") if shutil.which(t)]
    if not tools:
        pytest.skip("no TFTP client installed (tftp-hpa, curl or atftp)")

    def one(i):
        tool = tools[i % len(tools)]
        local = out_path(served, f"conc-{i}")
        if tool == "tftp":
            hpa_get(served, "multi.bin", local)
        elif tool == "curl":
            curl_get(served, "multi.bin", local, blksize=1468)
        else:
            atftp_get(served, "multi.bin", local, "blksize 1024")
        return local.read_bytes() == served.contents["multi.bin"]

    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(one, range(48)))
    assert all(results), f"{results.count(False)} of 48 transfers differ"


# --- confinement and rejections ---------------------------------------------

TRAVERSALS = [
    "../outside/secret.txt",
    "../../../../../../etc/passwd",
    "/etc/passwd",
    "/../outside/secret.txt",
    "sub/../../outside/secret.txt",
    "sub/../small.bin",
    "link-outside",
    "dir-outside/secret.txt",
    "etc-link/passwd",
]


@need_curl
@pytest.mark.parametrize("name", TRAVERSALS)
def test_traversal_rejected_curl(served, name):
    local = out_path(served, "trav-curl-" + name)
    mark = served.mark()
    res = curl_get(served, name, local)
    assert res.returncode != 0
    assert not local.exists() or local.stat().st_size == 0
    entry = served.transfer_lines(name, after=mark)[-1]
    assert entry["result"] in ("access violation", "file not found"), entry


@need_hpa
@pytest.mark.parametrize("name", TRAVERSALS)
def test_traversal_rejected_hpa(served, name):
    local = out_path(served, "trav-hpa-" + name)
    hpa_get(served, name, local)
    data = local.read_bytes() if local.exists() else b""
    assert SECRET not in data
    assert b"root:" not in data
    assert data == b""


@pytest.mark.parametrize("name, code", [
    ("../outside/secret.txt", 2),
    ("sub/../../outside/secret.txt", 2),
    ("link-outside", 2),
    ("dir-outside/secret.txt", 2),
    ("/etc/passwd", 1),
    ("sub", 2),
    ("missing.bin", 1),
])
def test_rejection_error_codes(served, name, code):
    c = RawClient(served)
    try:
        c.request(name)
        opcode, field, body = c.recv()
    finally:
        c.close()
    assert opcode == OP_ERROR
    assert field == code, body


def test_symlink_inside_root_served(served):
    c = RawClient(served)
    try:
        data, _ = c.fetch("link-inside")
    finally:
        c.close()
    assert data == served.contents["small.bin"]


@need_hpa
def test_wrq_rejected_hpa(served, tmp_path):
    upload = tmp_path / "upload.bin"
    upload.write_bytes(b"x" * 1000)
    mark = served.mark()
    res = run(["tftp", "-m", "binary", HOST, str(served.port), "-c", "put", str(upload),
               "uploaded.bin"])
    assert not (served.root / "uploaded.bin").exists(), res.stdout
    entry = served.transfer_lines("uploaded.bin", after=mark)[-1]
    assert entry["result"] == "write request rejected"


@need_atftp
def test_wrq_rejected_atftp(served, tmp_path):
    upload = tmp_path / "upload2.bin"
    upload.write_bytes(b"y" * 1000)
    res = run(["atftp", "-p", "-l", str(upload), "-r", "small.bin", HOST, str(served.port)])
    assert res.returncode != 0
    assert (served.root / "small.bin").read_bytes() == served.contents["small.bin"]


def test_wrq_error_code(served):
    c = RawClient(served)
    try:
        c.request("new.bin", opcode=OP_WRQ)
        opcode, field, _ = c.recv()
    finally:
        c.close()
    assert (opcode, field) == (OP_ERROR, 2)


@need_curl
def test_missing_file_curl(served):
    local = out_path(served, "curl-missing")
    res = curl_get(served, "nothing-here.bin", local)
    assert res.returncode == 68, res.stderr  # curl: "TFTP: File Not Found"


@pytest.mark.parametrize("packet, code", [
    (b"\x00\x01small.bin", 4),                                   # unterminated name
    (b"\x00\x01small.bin\x00mail\x00", 4),                       # obsolete mode
    (b"\x00\x04\x00\x01", 4),                                    # ACK to the server port
    (b"\x00\x01small.bin\x00octet\x00blksize\x004\x00", 8),      # below RFC 2348 minimum
    (b"\x00\x01small.bin\x00octet\x00timeout\x00999\x00", 8),    # above RFC 2349 maximum
    (b"\x00\x01small.bin\x00octet\x00blksize\x0012x\x00", 8),    # not a number
])
def test_malformed_requests_get_errors(served, packet, code):
    c = RawClient(served)
    try:
        c.send_raw(packet)
        opcode, field, _ = c.recv()
    finally:
        c.close()
    assert (opcode, field) == (OP_ERROR, code)


def test_client_name_escaped_in_log(served):
    name = 'odd"name\x01\x7f\xff.bin'
    c = RawClient(served)
    try:
        c.request(name)
        opcode, field, _ = c.recv()
    finally:
        c.close()
    assert (opcode, field) == (OP_ERROR, 1)
    escaped = 'odd"name\\x01\\x7f\\xff.bin'
    entry = served.transfer_lines(escaped)[-1]
    assert entry["result"] == "file not found"


# --- protocol behaviour with a raw client -----------------------------------


def test_edk2_size_probe_then_fetch(served):
    """EDK2 asks for tsize, aborts with error 8, then fetches with a window of 4."""
    name = "ipxe/undionly.kpxe"
    probe = RawClient(served)
    try:
        probe.request(name, tsize=0, blksize=1468, windowsize=4)
        opcode, field, body = probe.recv()
        assert opcode == OP_OACK
        oack = parse_oack(struct.pack("!H", field) + body)
        assert oack == {"tsize": str(FILES[name]), "blksize": "1468", "windowsize": "4"}
        probe.error(8, "tsize only")
    finally:
        probe.close()
    entry = served.transfer_lines(name, peer_port=probe.port)[-1]
    assert entry["level"] == "info"
    assert entry["result"].startswith("aborted after OACK")

    fetch = RawClient(served)
    try:
        data, oack = fetch.fetch(name, blksize=1468, windowsize=4)
    finally:
        fetch.close()
    assert oack == {"blksize": "1468", "windowsize": "4"}
    assert data == served.contents[name]
    entry = served.transfer_lines(name, peer_port=fetch.port)[-1]
    assert entry["result"] == "ok"
    assert entry["windowsize"] == "4"


def test_duplicate_ack_not_answered(served):
    c = RawClient(served)
    try:
        c.request("b1024.bin")
        assert c.recv()[:2] == (OP_DATA, 1)
        c.ack(1)
        assert c.recv()[:2] == (OP_DATA, 2)
        c.ack(1)  # duplicate: resending block 2 here is the Sorcerer's Apprentice bug
        c.ack(2)
        opcode, block, body = c.recv()
        assert (opcode, block, len(body)) == (OP_DATA, 3, 0)
        c.ack(3)
    finally:
        c.close()
    assert served.transfer_lines("b1024.bin", peer_port=c.port)[-1]["result"] == "ok"


def test_unknown_tid_gets_error_5(served):
    c = RawClient(served)
    stray = RawClient(served)
    try:
        c.request("b1024.bin")
        assert c.recv()[:2] == (OP_DATA, 1)
        stray.tid = c.tid
        stray.ack(1)
        assert stray.recv()[:2] == (OP_ERROR, 5)
        c.ack(1)
        assert c.recv()[:2] == (OP_DATA, 2)
        c.ack(2)
        assert c.recv()[:2] == (OP_DATA, 3)
        c.ack(3)
    finally:
        c.close()
        stray.close()


@need_curl
def test_stalled_client_retransmitted_then_dropped(served):
    """A client that stops ACKing gets retransmissions, then the transfer ends,
    and meanwhile other transfers go on."""
    c = RawClient(served, timeout=10)
    try:
        c.request("multi.bin", timeout=1)
        opcode, field, body = c.recv()
        assert opcode == OP_OACK
        c.ack(0)
        assert c.recv()[:2] == (OP_DATA, 1)
        assert c.recv()[:2] == (OP_DATA, 1)  # retransmitted after the 1 s timeout

        local = out_path(served, "curl-during-stall")
        res = curl_get(served, "multi.bin", local, blksize=1468)
        assert res.returncode == 0, res.stderr
        assert local.read_bytes() == served.contents["multi.bin"]

        entry = served.transfer_lines("multi.bin", peer_port=c.port, timeout=60)[-1]
    finally:
        c.close()
    assert entry["result"].startswith("timed out")
    assert entry["level"] == "warning"


def test_busy_server_rejects_excess(tmp_path):
    root = tmp_path / "boot"
    root.mkdir()
    (root / "f.bin").write_bytes(os.urandom(5000))
    rackd = Rackd(tmp_path, root, max_transfers=1)
    try:
        holder = RawClient(rackd)
        late = RawClient(rackd)
        holder.request("f.bin")
        assert holder.recv()[:2] == (OP_DATA, 1)
        late.request("f.bin")
        opcode, field, body = late.recv()
        assert (opcode, field) == (OP_ERROR, 0)
        assert body.rstrip(b"\0") == b"Server busy"
        entry = rackd.wait_log(lambda e: e.get("result") == "server busy", "server busy line")
        assert entry[-1]["peer"] == f"{HOST}:{late.port}"
        holder.close()
        late.close()
    finally:
        rackd.stop()
