# SPDX-License-Identifier: Apache-2.0
"""GET /metrics: the DNS, TFTP and netboot counters and the exposition format.

Each counter is checked against the traffic the test sends: dnspython
queries over UDP and TCP, zone transfers, and TFTP read requests by hand.
The format check wants one HELP and TYPE per name, the samples of a name
together, and quoted labels."""

import re
import socket
import struct

import dns.message
import dns.query
import dns.rcode

from api_support import Api, ApiServer, free_port
from test_limits import udp_port

ZONE = "metrics.test"
SAMPLE = re.compile(r'^([a-z_]+)(\{[a-z_]+="[A-Za-z_]+"\})? ([0-9]+)$')


def scrape(api):
    """Parses /metrics into {name or name{labels}: value}, checking its layout."""
    r = api.get("/metrics")
    assert r.status == 200, r
    assert r.headers["content-type"] == "text/plain; version=0.0.4"
    values, typed, seen = {}, set(), []
    for line in r.body.splitlines():
        if line.startswith("# TYPE "):
            name = line.split()[2]
            assert name not in typed, f"second TYPE line for {name}"
            typed.add(name)
            continue
        if line.startswith("# HELP "):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        name = m.group(1)
        assert name in typed, f"{name} has no TYPE line before it"
        if seen and seen[-1] != name:
            assert name not in seen, f"samples of {name} are not together"
        seen.append(name)
        values[name + (m.group(2) or "")] = int(m.group(3))
    return values


def test_dns_tftp_and_netboot_counters(tmp_path):
    dns_port, tftp_port = free_port(), udp_port()
    server = ApiServer(tmp_path, extra_config=(
        f"[dns]\nenabled = true\nlisten = 127.0.0.1:{dns_port}\ndomain = {ZONE}\n"
        f"ns = ns1.{ZONE}\nsoa_contact = hostmaster@{ZONE}\n"
        f"[tftp]\nenabled = true\nlisten = 127.0.0.1:{tftp_port}\n"))
    try:
        api = Api(server.port, None)
        before = scrape(api)
        assert before["rackd_dns_enabled"] == 1
        assert before["rackd_tftp_enabled"] == 1
        assert before["rackd_dhcp_enabled"] == 0

        for name, rcode in ((ZONE, dns.rcode.NOERROR), (f"nope.{ZONE}", dns.rcode.NXDOMAIN),
                            ("example.net", dns.rcode.REFUSED)):
            q = dns.message.make_query(name, "SOA")
            assert dns.query.udp(q, "127.0.0.1", port=dns_port, timeout=5).rcode() == rcode
        q = dns.message.make_query(ZONE, "NS")
        assert dns.query.tcp(q, "127.0.0.1", port=dns_port, timeout=5).rcode() == 0
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"\x12\x34\x01", ("127.0.0.1", dns_port))  # shorter than a header

        (tmp_path / "boot" / "small.bin").write_bytes(b"0123456789")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(5)
            s.sendto(b"\x00\x01small.bin\x00octet\x00", ("127.0.0.1", tftp_port))
            data, peer = s.recvfrom(2048)
            assert struct.unpack("!HH", data[:4]) == (3, 1)
            assert data[4:] == b"0123456789"
            s.sendto(struct.pack("!HH", 4, 1), peer)
            s.sendto(b"\x00\x01missing.bin\x00octet\x00", ("127.0.0.1", tftp_port))
            data, _ = s.recvfrom(2048)
            assert struct.unpack("!H", data[:2])[0] == 5

        for k in range(33):
            api.get(f"/boot/ipxe?mac=02:ab:00:00:00:{k:02x}&arch=x86_64")

        after = scrape(api)
        diff = {k: after[k] - before.get(k, 0) for k in after}
        assert diff['rackd_dns_queries_total{transport="udp"}'] == 4
        assert diff['rackd_dns_queries_total{transport="tcp"}'] == 1
        assert diff["rackd_dns_unanswered_total"] == 1
        assert diff['rackd_dns_responses_total{rcode="NOERROR"}'] == 2
        assert diff['rackd_dns_responses_total{rcode="NXDOMAIN"}'] == 1
        assert diff['rackd_dns_responses_total{rcode="REFUSED"}'] == 1
        assert diff['rackd_dns_tcp_closed_total{reason="per_client_limit"}'] == 0
        assert diff["rackd_tftp_requests_total"] == 2
        assert diff['rackd_tftp_transfers_total{result="ok"}'] == 1
        assert diff["rackd_tftp_rejected_total"] == 1
        assert diff["rackd_tftp_sent_bytes_total"] == 10
        assert after["rackd_tftp_active_transfers"] == 0
        assert diff['rackd_netboot_enrol_rejected_total{reason="rate_limited"}'] == 1
        assert diff['rackd_netboot_enrol_rejected_total{reason="full"}'] == 0
    finally:
        server.stop()


def test_dns_rcode_of_badvers_and_transfers(tmp_path):
    """BADVERS has its own label, and a transfer counts under the RCODE it was sent."""
    dns_port = free_port()
    server = ApiServer(tmp_path, extra_config=(
        f"[dns]\nenabled = true\nlisten = 127.0.0.1:{dns_port}\ndomain = {ZONE}\n"
        f"ns = ns1.{ZONE}\nsoa_contact = hostmaster@{ZONE}\nallow_transfer = 127.0.0.1\n"))
    try:
        api = Api(server.port, None)
        before = scrape(api)

        q = dns.message.make_query(ZONE, "SOA")
        q.use_edns(edns=1)
        assert dns.query.udp(q, "127.0.0.1", port=dns_port, timeout=5).rcode() == \
            dns.rcode.BADVERS
        # ns1 is a name inside the zone, not its apex: the transfer gets NOTAUTH.
        q = dns.message.make_query(f"ns1.{ZONE}", "AXFR")
        assert dns.query.tcp(q, "127.0.0.1", port=dns_port, timeout=5).rcode() == \
            dns.rcode.NOTAUTH
        q = dns.message.make_query(ZONE, "AXFR")
        assert dns.query.tcp(q, "127.0.0.1", port=dns_port, timeout=5).rcode() == \
            dns.rcode.NOERROR

        after = scrape(api)
        diff = {k: after[k] - before.get(k, 0) for k in after}
        assert diff['rackd_dns_queries_total{transport="udp"}'] == 1
        assert diff['rackd_dns_queries_total{transport="tcp"}'] == 2
        assert diff['rackd_dns_responses_total{rcode="BADVERS"}'] == 1
        assert diff['rackd_dns_responses_total{rcode="NOTAUTH"}'] == 1
        assert diff['rackd_dns_responses_total{rcode="NOERROR"}'] == 1
    finally:
        server.stop()
