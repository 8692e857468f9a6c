# SPDX-License-Identifier: Apache-2.0
"""Limits on what one client can take from rackd: HTTP connections per
address, new enrolments per address, TFTP transfers per address, and a slow
BMC holding only its own request; warnings over their limit are counted."""

import socket
import struct
import threading
import time

from api_support import Api, ApiServer, free_port


def udp_port():
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port > 10000:
            return port
    raise RuntimeError("no free UDP port above 10000")


def test_enrolment_rejects_group_and_zero_macs(tmp_path):
    server = ApiServer(tmp_path)
    api = Api(server.port, None)
    for mac in ("ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00", "01:00:5e:00:00:01",
                "52:54:00:00:00:96%00xyz"):
        r = api.get(f"/boot/ipxe?mac={mac}&arch=x86_64&firmware=bios")
        assert r.status == 400, (mac, r.body)
        assert r.body["error"]["code"] == "invalid_mac"
    server.stop()


def test_enrolment_rate_limited_per_client(tmp_path):
    server = ApiServer(tmp_path)
    api = Api(server.port, None)
    statuses = [api.get(f"/boot/ipxe?mac=02:ee:00:00:00:{k:02x}&arch=x86_64").status
                for k in range(40)]
    assert statuses[:32] == [200] * 32
    assert 429 in statuses[32:]
    # A machine already enrolled still gets its script.
    assert api.get("/boot/ipxe?mac=02:ee:00:00:00:00&arch=x86_64").status == 200
    listed = server.client("reader").get("/api/v1/machines?limit=100").body
    assert listed["total"] <= 40
    assert metric(api, 'rackd_netboot_enrol_rejected_total{reason="rate_limited"}') \
        == statuses.count(429)
    server.stop()


def metric(api, name):
    for line in api.get("/metrics").body.splitlines():
        if line.startswith(name + " "):
            return int(line.split()[1])
    raise AssertionError(f"{name} missing from /metrics")


def test_enrolment_stops_at_new_machine_cap(tmp_path):
    server = ApiServer(tmp_path, extra_config="[boot]\nmax_new_machines = 5\n")
    api = Api(server.port, None)
    admin = server.client("admin")
    for k in range(5):
        assert api.get(f"/boot/ipxe?mac=02:ef:00:00:00:{k:02x}&arch=x86_64").status == 200
    r = api.get("/boot/ipxe?mac=02:ef:00:00:00:05&arch=x86_64")
    assert r.status == 503, r
    assert r.body["error"]["code"] == "enrolment_full"
    assert "5 machines" in r.body["error"]["message"]
    assert "max_new_machines" in r.body["error"]["message"]
    assert admin.get("/api/v1/machines?mac=02:ef:00:00:00:05").body["total"] == 0
    assert metric(api, 'rackd_netboot_enrol_rejected_total{reason="full"}') == 1
    # Known machines keep booting, and a machine deleted frees a place.
    assert api.get("/boot/ipxe?mac=02:ef:00:00:00:00&arch=x86_64").status == 200
    first = admin.get("/api/v1/machines?mac=02:ef:00:00:00:00").body["items"][0]
    assert admin.delete(f"/api/v1/machines/{first['id']}").status == 204
    assert api.get("/boot/ipxe?mac=02:ef:00:00:00:05&arch=x86_64").status == 200
    server.stop()


def test_connections_per_client_capped(tmp_path):
    server = ApiServer(tmp_path, extra_config="max_connections_per_client = 4\n")
    idle = []
    for _ in range(4):
        s = socket.create_connection(("127.0.0.1", server.port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # headers never finished
        idle.append(s)
    extra = Api(server.port, None)
    try:
        r = extra.get("/healthz")
        assert r.status != 200, "a fifth connection from the same address was served"
    except (ConnectionError, OSError):
        pass
    idle.pop().close()
    ok = None
    for _ in range(50):
        try:
            ok = Api(server.port, None).get("/healthz")
            break
        except (ConnectionError, OSError):
            continue
    assert ok is not None and ok.status == 200
    for s in idle:
        s.close()
    server.stop()


def test_slow_bmc_holds_only_its_request(tmp_path):
    server = ApiServer(tmp_path, extra_config="[bmc]\ntimeout = 3\nretries = 1\n")
    admin = server.client("admin")
    ids = []
    dead = udp_port()  # nothing listens there, so each power call waits out its timeouts
    for k in range(6):
        m = admin.post("/api/v1/machines", body={"hostname": f"slow{k}"}).body
        r = admin.request("PUT", f"/api/v1/machines/{m['id']}/bmc",
                          body={"type": "ipmi", "address": f"127.0.0.1:{dead}",
                                "username": "admin", "password": "pw"})
        assert r.status in (200, 201), r.body
        ids.append(m["id"])
    pending = threading.Semaphore(0)
    done = []

    def power(mid):
        pending.release()
        done.append(server.client("admin").get(f"/api/v1/machines/{mid}/power").status)

    threads = [threading.Thread(target=power, args=(mid,)) for mid in ids]
    for t in threads:
        t.start()
    for _ in ids:
        pending.acquire()
    # While every power call still waits for its BMC, other requests get replies.
    whoami = server.client("reader").get("/api/v1/whoami")
    script = Api(server.port, None).get("/boot/ipxe?mac=52:54:00:0b:0b:01&arch=x86_64")
    still_waiting = len(done)
    for t in threads:
        t.join()
    assert whoami.status == 200
    assert script.status == 200
    assert still_waiting < len(ids), "the power calls ended before the other requests"
    assert all(status in (502, 504) for status in done), done
    server.stop()


def rrq(sock, port, name):
    sock.sendto(b"\x00\x01" + name.encode() + b"\x00octet\x00", ("127.0.0.1", port))
    data, _ = sock.recvfrom(2048)
    return struct.unpack("!H", data[:2])[0], data


def test_tftp_transfers_per_client_capped(tmp_path):
    port = udp_port()
    server = ApiServer(tmp_path, extra_config=(
        f"[tftp]\nenabled = true\nlisten = 127.0.0.1:{port}\nmax_transfers_per_client = 2\n"))
    (tmp_path / "boot" / "big.bin").write_bytes(b"x" * 100000)
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(3)]
    for s in socks:
        s.settimeout(5)
    # Two transfers start (first DATA block) and are never acknowledged.
    assert rrq(socks[0], port, "big.bin")[0] == 3
    assert rrq(socks[1], port, "big.bin")[0] == 3
    opcode, data = rrq(socks[2], port, "big.bin")
    assert opcode == 5
    assert b"Too many transfers from this client" in data
    for s in socks:
        s.close()
    server.stop()


def test_suppressed_warnings_counted(tmp_path):
    """Warnings over the limit (5 per 10 s) are not written, but their number is, later."""
    server = ApiServer(tmp_path)
    api = Api(server.port, None)

    def rejected_reports():
        return [e for e in server.log_events(level="warning")
                if e["message"].startswith("agent report rejected")]

    for _ in range(8):
        assert api.post("/api/v1/agent/report", {"machine_id": "x"}).status == 400
    assert len(rejected_reports()) == 5
    # One token comes back after 10 s; the next warning first reports the three dropped.
    time.sleep(10.5)
    assert api.post("/api/v1/agent/report", {"machine_id": "x"}).status == 400
    assert len(rejected_reports()) == 6
    assert server.log_events(
        level="warning",
        message="3 warnings about client requests suppressed by the rate limit"), server.tail()
    server.stop()
