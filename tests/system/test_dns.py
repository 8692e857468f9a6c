# SPDX-License-Identifier: Apache-2.0
"""System tests of rackd's authoritative DNS server on loopback.

rackd serves zones generated from an inventory written into its store, plus
records added over the REST API. The tests query it with dig, kdig and
dnspython, compare it with Knot serving the exported zones, and run Knot as a
secondary fed by NOTIFY and IXFR. Every server listens on 127.0.0.1 ports
above 10000 and is stopped at teardown.
"""

import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.reversename
import dns.rrset
import dns.zone
import pytest

from conftest import RACKD, Rackd, write_config

HOST = "127.0.0.1"
ZONE = "lab.example"
RACKCTL = RACKD.parent / "src" / "cli" / "rackctl"

needs_tools = pytest.mark.skipif(
    not (shutil.which("dig") and shutil.which("kdig") and shutil.which("knotd")),
    reason="needs dig (dnsutils), kdig (knot-dnsutils) and knotd (knot)")


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1, above 10000."""
    for _ in range(100):
        port = random.randint(20000, 60000)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, \
                socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            try:
                u.bind((HOST, port))
                t.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port found")


class LoopbackRackd(Rackd):
    """A Rackd (from conftest) started on the host's loopback, not in a namespace."""

    def start(self, timeout=20):
        if not RACKD.exists():
            pytest.fail(f"{RACKD} not found: build first or set RACKD_BUILD")
        self.log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([str(RACKD), "--config", str(self.config_path)],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self.wait_event(lambda e: e.get("subsystem") == "rackd" and e.get("message") == "ready",
                        timeout=timeout, since=self.log_offset)


class DnsLab:
    """rackd with DNS and HTTP on free loopback ports, its store seeded with machines."""

    def __init__(self, workdir, notify_port=None):
        self.workdir = Path(workdir)
        self.dns_port = free_port()
        self.http_port = free_port()
        self.url = f"http://{HOST}:{self.http_port}"
        self.token = None
        data = self.workdir / "data"
        data.mkdir(parents=True, exist_ok=True)
        (self.workdir / "boot").mkdir(exist_ok=True)
        dns_section = {"enabled": True, "listen": f"{HOST}:{self.dns_port}", "workers": 2,
                       "domain": ZONE, "ns": f"ns1.{ZONE}", "soa_contact": f"hostmaster@{ZONE}",
                       "ttl": 300, "negative_ttl": 60, "allow_transfer": HOST}
        if notify_port:
            dns_section["notify"] = f"{HOST}:{notify_port}"
        self.config = {
            "server": {"data_dir": data, "boot_dir": self.workdir / "boot",
                       "log_level": "info", "log_format": "json"},
            "dhcp": {"enabled": False},
            "tftp": {"enabled": False},
            "ra": {"enabled": False},
            "http": {"listen": f"{HOST}:{self.http_port}"},
            "dns": dns_section,
            "subnet lab": {"cidr": "192.0.2.0/24", "domain": ZONE, "dhcp": False},
            "subnet small": {"cidr": "198.51.100.64/26", "domain": ZONE, "dhcp": False},
        }
        self.config_path = self.workdir / "rackd.conf"
        write_config(self.config_path, self.config)
        self.rackd = LoopbackRackd(None, self.config_path, self.workdir / "rackd.log")

    # Store seeding

    def db(self):
        return sqlite3.connect(self.workdir / "data" / "rackd.db")

    def seed(self):
        """Creates the schema (one start) and writes machines, interfaces and addresses."""
        self.rackd.start()
        self.rackd.stop()
        self.create_token()
        con = self.db()
        v6 = con.execute("SELECT id FROM subnets WHERE cidr = '2001:db8::/64'").fetchone()
        if v6 is None:
            con.execute("INSERT INTO subnets (name, network, prefix_len, domain, lease_time,"
                        " created, family, cidr, dhcp_enabled)"
                        " VALUES ('v6', 0, 0, ?, 3600, 0, 6, '2001:db8::/64', 0)", (ZONE,))
        subnet = {row[0]: row[1] for row in con.execute("SELECT cidr, id FROM subnets")}
        if "" in subnet:  # a store without the text CIDR column filled for IPv4
            subnet.update({f"{n >> 24}.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}/{p}": i
                           for i, n, p in con.execute(
                               "SELECT id, network, prefix_len FROM subnets WHERE family = 4")})
        machines = [
            ("node1", [("eth0", "52:54:00:00:00:01", 1, ["192.0.2.10", "2001:db8::10"]),
                       ("eth1", "52:54:00:00:00:02", 0, ["198.51.100.70"])]),
            ("node2", [("eno1", "52:54:00:00:00:03", 1, ["192.0.2.11"])]),
            ("gpu-07", [("ib0", "52:54:00:00:00:04", 1, ["192.0.2.12"])]),
        ]
        for hostname, ifaces in machines:
            self.add_machine(con, subnet, hostname, ifaces)
        con.commit()
        con.close()

    @staticmethod
    def add_machine(con, subnet, hostname, ifaces):
        cur = con.execute("INSERT INTO machines (hostname, state, first_seen) VALUES (?, 'new', 0)",
                          (hostname,))
        machine = cur.lastrowid
        for name, mac, pxe, addresses in ifaces:
            cur = con.execute("INSERT INTO interfaces (machine_id, name, mac, pxe)"
                              " VALUES (?, ?, ?, ?)", (machine, name, mac, pxe))
            iface = cur.lastrowid
            for address in addresses:
                family = 6 if ":" in address else 4
                if family == 6:
                    sid = subnet["2001:db8::/64"]
                elif address.startswith("198.51.100."):
                    sid = subnet["198.51.100.64/26"]
                else:
                    sid = subnet["192.0.2.0/24"]
                con.execute("INSERT INTO ip_addresses (address, family, subnet_id, interface_id,"
                            " kind) VALUES (?, ?, ?, ?, 'static')",
                            (address, family, sid, iface))

    def create_token(self):
        """An admin token when this rackd has API tokens; None otherwise."""
        out = subprocess.run([str(RACKD), "--config", str(self.config_path), "token", "create",
                              "--role", "admin", "--name", f"dns-{random.randint(0, 1 << 30)}"],
                             capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            self.token = out.stdout.strip().splitlines()[-1]

    # API

    def api(self, method, path, body=None):
        req = urllib.request.Request(self.url + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
        req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def add_record(self, name, rtype, data, ttl=None):
        body = {"name": name, "type": rtype, "data": data}
        if ttl is not None:
            body["ttl"] = ttl
        status, obj = self.api("POST", "/api/v1/dns/records", body)
        assert status == 201, obj
        return obj

    # Queries

    def query(self, name, rtype, tcp=False, **kw):
        q = dns.message.make_query(name, rtype, **kw)
        q.flags &= ~dns.flags.RD
        if tcp:
            return dns.query.tcp(q, HOST, port=self.dns_port, timeout=5)
        return dns.query.udp(q, HOST, port=self.dns_port, timeout=5)

    def raw(self, wire):
        """Sends raw bytes over UDP; returns the raw response or None after 1 s."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(1)
            s.sendto(wire, (HOST, self.dns_port))
            try:
                return s.recv(65535)
            except socket.timeout:
                return None

    def serial(self, port=None):
        r = dns.query.udp(dns.message.make_query(ZONE, "SOA"), HOST, port=port or self.dns_port,
                          timeout=5)
        return r.answer[0][0].serial

    def export(self, zone):
        out = subprocess.run([str(RACKD), "--config", str(self.config_path), "zone", "export",
                              zone], capture_output=True, text=True, check=True)
        return out.stdout


@pytest.fixture
def dnslab(tmp_path):
    lab = DnsLab(tmp_path)
    lab.seed()
    lab.rackd.start()
    try:
        yield lab
    finally:
        lab.rackd.stop()


def dig(lab, *args):
    return subprocess.run(["dig", f"@{HOST}", "-p", str(lab.dns_port), "+norec", *args],
                          capture_output=True, text=True, timeout=30).stdout


def kdig(lab, *args):
    return subprocess.run(["kdig", f"@{HOST}", "-p", str(lab.dns_port), "+norec", *args],
                          capture_output=True, text=True, timeout=30).stdout


def rdatas(resp, rtype):
    return sorted(r.to_text() for rrset in resp.answer if rrset.rdtype == rtype for r in rrset)


# 1. UDP and TCP, no recursion


@needs_tools
def test_udp_and_tcp_answers(dnslab):
    assert "192.0.2.10" in dig(dnslab, "+short", "node1.lab.example", "A")
    assert "192.0.2.10" in dig(dnslab, "+short", "+tcp", "node1.lab.example", "A")
    assert "192.0.2.10" in kdig(dnslab, "+short", "+tcp", "node1.lab.example", "A")
    out = dig(dnslab, "www.example.com", "A")
    assert "status: REFUSED" in out
    r = dnslab.query("node1.lab.example", "A")
    assert r.flags & dns.flags.AA
    assert not r.flags & dns.flags.RA
    # Several queries on one TCP connection (RFC 7766 §6.2.1).
    with socket.create_connection((HOST, dnslab.dns_port), timeout=5) as s:
        for name in ("node1.lab.example", "node2.lab.example"):
            r = dns.query.tcp(dns.message.make_query(name, "A"), HOST, sock=s, timeout=5)
            assert r.rcode() == dns.rcode.NOERROR
            assert len(r.answer) == 1


def open_tcp(lab, source, payload=b""):
    """A TCP connection to rackd's DNS port from source (any 127/8 address)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(5)
    s.connect((HOST, lab.dns_port))
    if payload:
        s.sendall(payload)
    return s


def is_closed_by_server(s):
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True


def test_tcp_idle_connections_do_not_lock_out_clients(dnslab):
    """Half-sent queries fill no more than 16 slots per address, and the oldest give way."""
    since = dnslab.rackd.log_size()
    held = []
    try:
        held = [open_tcp(dnslab, "127.0.0.2", b"\x00") for _ in range(16)]
        extra = open_tcp(dnslab, "127.0.0.2", b"\x00")
        held.append(extra)
        assert is_closed_by_server(extra)
        # 16 addresses x 16 connections fill all 256 slots, then 16 more come in.
        for a in range(3, 20):
            held += [open_tcp(dnslab, f"127.0.0.{a}", b"\x00") for _ in range(16)]
        s = open_tcp(dnslab, "127.0.0.100")
        held.append(s)
        r = dns.query.tcp(dns.message.make_query("node1.lab.example", "A"), HOST, sock=s,
                          timeout=5)
        assert r.rcode() == dns.rcode.NOERROR
        assert rdatas(r, dns.rdatatype.A) == ["192.0.2.10", "198.51.100.70"]
    finally:
        for s in held:
            s.close()
    messages = [e.get("message", "") for e in dnslab.rackd.events(since=since, subsystem="dns")]
    assert any(m.startswith("TCP connection from 127.0.0.2 rejected") for m in messages)
    assert any("closed: idle longest" in m for m in messages)


def test_tcp_client_not_reading_answers_is_closed(dnslab):
    for i in range(8):
        dnslab.add_record("big.lab.example", "TXT", f"{i}" + "t" * 180)
    since = dnslab.rackd.log_size()
    query = dns.message.make_query("big.lab.example", "TXT").to_wire()
    message = len(query).to_bytes(2, "big") + query
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    s.connect((HOST, dnslab.dns_port))
    s.settimeout(1)
    try:
        # Pipeline queries (about 1.6 KB of answer each) until the server stops reading;
        # 1000 batches are 33 MB of queries, far beyond any socket buffer.
        batch = message * 1000
        sent = 0
        try:
            for _ in range(1000):
                s.sendall(batch)
                sent += 1
        except socket.timeout:
            pass
        assert sent < 1000, "the server kept reading queries whose answers were not read"
        event = dnslab.rackd.wait_event(
            lambda e: "answers not read within the idle timeout" in e.get("message", ""),
            timeout=40, since=since)
        assert "127.0.0.1" in event["message"]
        s.settimeout(5)
        while True:
            try:
                if not s.recv(65536):
                    break
            except ConnectionResetError:
                break
    finally:
        s.close()
    assert rdatas(dnslab.query("node2.lab.example", "A", tcp=True), dns.rdatatype.A) == \
        ["192.0.2.11"]


# 2. Zones from the inventory


def test_forward_names_from_inventory(dnslab):
    assert rdatas(dnslab.query("node1.lab.example", "A"), dns.rdatatype.A) == \
        ["192.0.2.10", "198.51.100.70"]
    assert rdatas(dnslab.query("node1.lab.example", "AAAA"), dns.rdatatype.AAAA) == \
        ["2001:db8::10"]
    assert rdatas(dnslab.query("eth1.node1.lab.example", "A"), dns.rdatatype.A) == \
        ["198.51.100.70"]
    assert rdatas(dnslab.query("ib0.gpu-07.lab.example", "A"), dns.rdatatype.A) == \
        ["192.0.2.12"]
    r = dnslab.query("lab.example", "NS")
    assert rdatas(r, dns.rdatatype.NS) == ["ns1.lab.example."]


def test_reverse_zones(dnslab):
    r = dnslab.query("10.2.0.192.in-addr.arpa", "PTR")
    assert rdatas(r, dns.rdatatype.PTR) == ["node1.lab.example."]
    r = dnslab.query(dns.reversename.from_address("2001:db8::10"), "PTR")
    assert rdatas(r, dns.rdatatype.PTR) == ["node1.lab.example."]
    # RFC 2317: the /26 gets its own zone; the /24 parent points into it.
    r = dnslab.query("70.64-26.100.51.198.in-addr.arpa", "PTR")
    assert rdatas(r, dns.rdatatype.PTR) == ["eth1.node1.lab.example."]
    assert r.flags & dns.flags.AA
    r = dnslab.query("70.100.51.198.in-addr.arpa", "PTR")
    assert rdatas(r, dns.rdatatype.CNAME) == ["70.64-26.100.51.198.in-addr.arpa."]
    assert [rr.name.to_text() for rr in r.authority] == ["64-26.100.51.198.in-addr.arpa."]
    r = dnslab.query("64-26.100.51.198.in-addr.arpa", "SOA")
    assert r.rcode() == dns.rcode.NOERROR
    assert len(r.answer) == 1


def test_api_record_types_and_name_checks(dnslab):
    dnslab.add_record("www.lab.example", "CNAME", "node1.lab.example.")
    dnslab.add_record("lab.example", "MX", "10 node2.lab.example.")
    dnslab.add_record("lab.example", "TXT", '"v=spf1 -all"')
    dnslab.add_record("_ldap._tcp.lab.example", "SRV", "0 5 389 node2.lab.example.")
    dnslab.add_record("sub.lab.example", "NS", "ns.sub.lab.example.")
    dnslab.add_record("ns.sub.lab.example", "A", "192.0.2.53")
    dnslab.add_record("v6.lab.example", "AAAA", "2001:db8::99", ttl=30)
    assert rdatas(dnslab.query("lab.example", "MX"), dns.rdatatype.MX) == \
        ["10 node2.lab.example."]
    assert rdatas(dnslab.query("lab.example", "TXT"), dns.rdatatype.TXT) == ['"v=spf1 -all"']
    assert rdatas(dnslab.query("_ldap._tcp.lab.example", "SRV"), dns.rdatatype.SRV) == \
        ["0 5 389 node2.lab.example."]
    r = dnslab.query("v6.lab.example", "AAAA")
    assert r.answer[0].ttl == 30
    r = dnslab.query("host.sub.lab.example", "A")
    assert not r.flags & dns.flags.AA
    assert r.authority[0].rdtype == dns.rdatatype.NS
    assert r.additional[0].name.to_text() == "ns.sub.lab.example."

    status, obj = dnslab.api("POST", "/api/v1/dns/records",
                             {"name": "bad_name.lab.example", "type": "A", "data": "192.0.2.1"})
    assert status == 422
    assert obj["error"]["field"] == "name"
    status, obj = dnslab.api("POST", "/api/v1/dns/records",
                             {"name": "x.example.org", "type": "A", "data": "192.0.2.1"})
    assert status == 422
    assert "not inside a zone" in obj["error"]["message"]
    status, obj = dnslab.api("POST", "/api/v1/dns/records",
                             {"name": "www.lab.example", "type": "TXT", "data": "x"})
    assert status == 409
    assert obj["error"]["code"] == "cname_conflict"
    status, obj = dnslab.api("POST", "/api/v1/dns/records",
                             {"name": "y.lab.example", "type": "MX", "data": "mail"})
    assert status == 400
    assert obj["error"]["field"] == "data"


def test_api_rejects_records_never_served(dnslab):
    """Records the server would drop or hide get 4xx instead of 201."""
    def post(name, rtype, data):
        return dnslab.api("POST", "/api/v1/dns/records", {"name": name, "type": rtype, "data": data})

    # A CNAME beside inventory data (RFC 1034 §3.6.2).
    status, obj = post("node1.lab.example", "CNAME", "node2.lab.example.")
    assert status == 409
    assert obj["error"]["code"] == "cname_conflict"
    assert "inventory records of type A" in obj["error"]["message"]
    status, obj = post("70.100.51.198.in-addr.arpa", "TXT", "x")  # RFC 2317 CNAME there
    assert status == 409
    # Records below a delegation, and a delegation over existing records.
    dnslab.add_record("sub.lab.example", "NS", "ns.sub.lab.example.")
    dnslab.add_record("ns.sub.lab.example", "A", "192.0.2.53")  # glue stays allowed
    status, obj = post("host.sub.lab.example", "TXT", "x")
    assert status == 409
    assert obj["error"]["code"] == "delegation_conflict"
    assert "sub.lab.example NS" in obj["error"]["message"]
    status, obj = post("sub.lab.example", "MX", "10 node1.lab.example.")
    assert status == 409
    dnslab.add_record("svc.lab.example", "TXT", "here")
    status, obj = post("svc.lab.example", "NS", "ns1.lab.example.")
    assert status == 409
    assert obj["error"]["code"] == "delegation_conflict"
    # Targets that are not domain names.
    for rtype, data in [("CNAME", "not a name"), ("NS", "not a name"), ("MX", "10 not a name"),
                        ("SRV", "0 5 80 not a name")]:
        status, obj = post("t.lab.example" if rtype != "SRV" else "_x._tcp.lab.example",
                           rtype, data)
        assert status == 400, (rtype, obj)
        assert obj["error"]["field"] == "data"
        assert "invalid domain name" in obj["error"]["message"]
    # Nothing above was stored.
    status, obj = dnslab.api("GET", "/api/v1/dns/records")
    assert sorted(r["name"] for r in obj["items"]) == \
        ["ns.sub.lab.example", "sub.lab.example", "svc.lab.example"]


def test_wildcard_records(dnslab):
    """'*' makes a wildcard only as the whole leftmost label (RFC 4592 §2.1.1)."""
    def post(name, rtype, data):
        return dnslab.api("POST", "/api/v1/dns/records", {"name": name, "type": rtype, "data": data})

    dnslab.add_record("*.apps.lab.example", "A", "192.0.2.80")
    dnslab.add_record("real.apps.lab.example", "TXT", "real")
    r = dnslab.query("Host1.apps.lab.example", "A")
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA
    assert [rrset.name.to_text().lower() for rrset in r.answer] == ["host1.apps.lab.example."]
    assert rdatas(r, dns.rdatatype.A) == ["192.0.2.80"]
    r = dnslab.query("real.apps.lab.example", "A")
    assert r.rcode() == dns.rcode.NOERROR
    assert not r.answer
    assert r.authority[0].rdtype == dns.rdatatype.SOA
    for name in ["a.*.apps.lab.example", "*a.lab.example", "*.*.lab.example"]:
        status, obj = post(name, "A", "192.0.2.1")
        assert status == 422, (name, obj)
        assert obj["error"]["field"] == "name"
    status, obj = post("*.x.lab.example", "NS", "ns1.lab.example.")
    assert status == 422
    assert "wildcard" in obj["error"]["message"]
    dnslab.add_record("sub.lab.example", "NS", "ns.sub.lab.example.")
    status, obj = post("*.sub.lab.example", "TXT", "x")
    assert status == 409
    assert obj["error"]["code"] == "delegation_conflict"
    assert "*.apps.lab.example.\t300\tIN\tA\t192.0.2.80" in dnslab.export(ZONE)


def test_txt_data_in_zone_file_form(dnslab):
    dnslab.add_record("t1.lab.example", "TXT", '"v=spf1 -all" "second \\"part\\"" "\\007"')
    dnslab.add_record("t2.lab.example", "TXT", "word")
    r = dnslab.query("t1.lab.example", "TXT")
    assert r.answer[0][0].strings == (b"v=spf1 -all", b'second "part"', b"\x07")
    r = dnslab.query("t2.lab.example", "TXT")
    assert r.answer[0][0].strings == (b"word",)
    for data in ["two words", '"unterminated', '"a"b', '"x" y', '"' + "x" * 256 + '"',
                 '"bad \\999"']:
        status, obj = dnslab.api("POST", "/api/v1/dns/records",
                                 {"name": "t3.lab.example", "type": "TXT", "data": data})
        assert status == 400, (data, obj)
        assert obj["error"]["field"] == "data"
    # The exported zone carries the same strings and loads back with dnspython's parser.
    zone = dns.zone.from_text(dnslab.export(ZONE), origin=ZONE, relativize=False,
                              check_origin=False)
    assert zone.find_rdataset("t1.lab.example.", "TXT")[0].strings == \
        (b"v=spf1 -all", b'second "part"', b"\x07")


def test_malformed_cookie_gets_formerr(dnslab):
    for length, rcode in [(8, dns.rcode.NOERROR), (24, dns.rcode.NOERROR),
                          (5, dns.rcode.FORMERR), (12, dns.rcode.FORMERR),
                          (41, dns.rcode.FORMERR)]:
        q = dns.message.make_query("node1.lab.example", "A", use_edns=0,
                                   options=[dns.edns.GenericOption(10, b"c" * length)])
        r = dns.query.udp(q, HOST, port=dnslab.dns_port, timeout=5)
        assert r.rcode() == rcode, length


# 3. Correct answers


def test_negative_answers_and_case(dnslab):
    r = dnslab.query("missing.lab.example", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert r.flags & dns.flags.AA
    soa = r.authority[0]
    assert soa.rdtype == dns.rdatatype.SOA
    assert soa.ttl == 60 == soa[0].minimum  # min(SOA TTL, MINIMUM), RFC 2308 §3
    r = dnslab.query("node1.lab.example", "TXT")
    assert r.rcode() == dns.rcode.NOERROR
    assert not r.answer
    assert r.authority[0].rdtype == dns.rdatatype.SOA
    # An empty non-terminal: eth1.node1 exists, so node1 has a child; here "node1" has data,
    # so take the ENT above an SRV owner instead.
    dnslab.add_record("_sip._udp.lab.example", "SRV", "0 0 5060 node1.lab.example.")
    r = dnslab.query("_udp.lab.example", "A")
    assert r.rcode() == dns.rcode.NOERROR
    assert not r.answer
    # The answer echoes the question's case.
    r = dnslab.query("NoDe1.LAB.example", "A")
    assert r.question[0].name.to_text() == "NoDe1.LAB.example."
    assert r.answer[0].name.to_text() == "NoDe1.LAB.example."


def test_cname_chain_inside_zone(dnslab):
    dnslab.add_record("a.lab.example", "CNAME", "b.lab.example.")
    dnslab.add_record("b.lab.example", "CNAME", "node2.lab.example.")
    dnslab.add_record("ext.lab.example", "CNAME", "www.example.org.")
    dnslab.add_record("dangling.lab.example", "CNAME", "nothing.lab.example.")
    r = dnslab.query("a.lab.example", "A")
    assert [rr.rdtype for rr in r.answer] == [dns.rdatatype.CNAME, dns.rdatatype.CNAME,
                                              dns.rdatatype.A]
    r = dnslab.query("ext.lab.example", "A")
    assert [rr.rdtype for rr in r.answer] == [dns.rdatatype.CNAME]
    assert r.rcode() == dns.rcode.NOERROR
    r = dnslab.query("dangling.lab.example", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN  # RFC 6604: the rcode of the last name
    assert len(r.answer) == 1


@needs_tools
def test_cname_loop_lists_each_record_once(dnslab):
    dnslab.add_record("c1.lab.example", "CNAME", "c2.lab.example.")
    dnslab.add_record("c2.lab.example", "CNAME", "c1.lab.example.")
    out = dig(dnslab, "c1.lab.example", "A")
    assert "ANSWER: 2," in out
    r = dnslab.query("c1.lab.example", "A")
    assert [rrset.name.to_text() for rrset in r.answer] == ["c1.lab.example.", "c2.lab.example."]


@needs_tools
def test_edns_truncation_and_tcp_retry(dnslab):
    r = dnslab.query("node1.lab.example", "A", use_edns=0, payload=4096)
    assert r.edns == 0
    assert r.payload == 1232
    q = dns.message.make_query("node1.lab.example", "A")
    q.use_edns(1)  # make_query(use_edns=1) means "on", version 0, in dnspython 2.3
    r = dns.query.udp(q, HOST, port=dnslab.dns_port, timeout=5)
    assert r.rcode() == dns.rcode.BADVERS
    assert "BADVERS" in dig(dnslab, "+edns=1", "node1.lab.example")
    for i in range(8):
        dnslab.add_record("big.lab.example", "TXT", f"{i}" + "t" * 180)
    r = dnslab.query("big.lab.example", "TXT")  # no EDNS: 512 bytes
    assert r.flags & dns.flags.TC
    r = dnslab.query("big.lab.example", "TXT", use_edns=0, payload=4096)
    assert r.flags & dns.flags.TC  # 8 x 190 bytes exceed 1232 too
    r = dnslab.query("big.lab.example", "TXT", tcp=True)
    assert not r.flags & dns.flags.TC
    assert len(r.answer[0]) == 8
    out = dig(dnslab, "+noedns", "big.lab.example", "TXT")
    assert "Truncated, retrying in TCP mode" in out
    assert "ANSWER: 8" in out


def test_compression_any_and_formerr(dnslab):
    q = dns.message.make_query("node1.lab.example", "A")
    wire = dnslab.raw(q.to_wire())
    qlen = len(q.to_wire())
    assert wire[qlen:qlen + 2] == b"\xc0\x0c"  # owner is a pointer to the question
    r = dnslab.query("node1.lab.example", "ANY")
    assert r.rcode() == dns.rcode.NOERROR
    assert len(r.answer) == 1  # RFC 8482: one RRset
    # Malformed queries get FORMERR, a response gets nothing, and the server keeps going.
    bad = bytearray(q.to_wire())
    bad[5] = 2  # QDCOUNT 2 with one question
    resp = dnslab.raw(bytes(bad))
    assert resp is not None
    assert resp[3] & 0xF == dns.rcode.FORMERR
    loop = q.to_wire()[:12] + b"\xc0\x0c\x00\x01\x00\x01"
    resp = dnslab.raw(loop)
    assert resp is not None
    assert resp[3] & 0xF == dns.rcode.FORMERR
    assert dnslab.raw(b"\x00\x01\x80" + b"\x00" * 9) is None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _ in range(2000):
            s.sendto(random.randbytes(random.randint(0, 300)), (HOST, dnslab.dns_port))
    assert rdatas(dnslab.query("node2.lab.example", "A"), dns.rdatatype.A) == ["192.0.2.11"]


# 4. Serials, transfers, NOTIFY


def test_serial_moves_on_every_change(dnslab):
    s0 = dnslab.serial()
    rec = dnslab.add_record("s1.lab.example", "A", "192.0.2.31")
    s1 = dnslab.serial()
    assert s1 == s0 + 1
    status, _ = dnslab.api("PATCH", f"/api/v1/dns/records/{rec['id']}", {"data": "192.0.2.32"})
    assert status == 200
    assert dnslab.serial() == s1 + 1
    assert rdatas(dnslab.query("s1.lab.example", "A"), dns.rdatatype.A) == ["192.0.2.32"]
    status, _ = dnslab.api("DELETE", f"/api/v1/dns/records/{rec['id']}")
    assert status == 200
    assert dnslab.serial() == s1 + 2
    assert dnslab.query("s1.lab.example", "A").rcode() == dns.rcode.NXDOMAIN

    # An inventory change made while rackd was down moves the serial at the next start;
    # a restart without change keeps it.
    dnslab.rackd.stop()
    dnslab.rackd.start()
    assert dnslab.serial() == s1 + 2
    dnslab.rackd.stop()
    con = dnslab.db()
    subnet = con.execute("SELECT id FROM subnets WHERE name = 'lab'").fetchone()[0]
    DnsLab.add_machine(con, {"192.0.2.0/24": subnet}, "node9",
                       [("eth0", "52:54:00:00:00:09", 1, ["192.0.2.19"])])
    con.commit()
    con.close()
    dnslab.rackd.start()
    assert dnslab.serial() > s1 + 2
    assert rdatas(dnslab.query("node9.lab.example", "A"), dns.rdatatype.A) == ["192.0.2.19"]


def test_transfer_only_to_allowed_addresses(dnslab):
    names = {rrset.name.to_text() for m in dns.query.xfr(HOST, ZONE, port=dnslab.dns_port,
                                                         relativize=False)
             for rrset in m.answer}
    assert "node1.lab.example." in names
    with pytest.raises(dns.query.TransferError) as err:
        list(dns.query.xfr(HOST, ZONE, port=dnslab.dns_port, source="127.0.0.2"))
    assert err.value.rcode == dns.rcode.REFUSED


def test_record_answered_by_next_query(dnslab):
    for i in range(20):
        dnslab.add_record(f"fast{i}.lab.example", "A", f"192.0.2.{100 + i}")
        r = dnslab.query(f"fast{i}.lab.example", "A")
        assert rdatas(r, dns.rdatatype.A) == [f"192.0.2.{100 + i}"], f"record {i} not yet visible"


# 6. rackctl and zone export


def test_record_list_pages(dnslab):
    ids = []
    for k in range(3):
        status, rec = dnslab.api("POST", "/api/v1/dns/records",
                                 {"name": f"page{k}.lab.example", "type": "A",
                                  "data": f"192.0.2.{80 + k}"})
        assert status == 201, rec
        ids.append(rec["id"])
    status, first = dnslab.api("GET", "/api/v1/dns/records?limit=2")
    assert status == 200, first
    assert [r["id"] for r in first["items"]] == sorted(ids)[:2]
    assert first["total"] == 3
    assert first["next_after"] == sorted(ids)[1]
    status, rest = dnslab.api("GET", f"/api/v1/dns/records?limit=2&after={first['next_after']}")
    assert [r["id"] for r in rest["items"]] == [max(ids)]
    assert rest["next_after"] is None
    status, newest = dnslab.api("GET", "/api/v1/dns/records?order=desc&limit=1")
    assert [r["id"] for r in newest["items"]] == [max(ids)]
    status, err = dnslab.api("GET", "/api/v1/dns/records?zone=lab.example")
    assert status == 400
    assert err["error"]["code"] == "unknown_parameter"
    for rid in ids:
        assert dnslab.api("DELETE", f"/api/v1/dns/records/{rid}")[0] in (200, 204)


def test_rackctl_and_zone_export(dnslab):
    env = dict(os.environ, RACKD_URL=dnslab.url)
    if dnslab.token:
        env["RACKD_TOKEN"] = dnslab.token
    out = subprocess.run([str(RACKCTL), "dns", "records", "create", "ctl.lab.example", "A",
                          "192.0.2.77", "--ttl", "120"], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    rid = int(out.stdout.split()[2])
    out = subprocess.run([str(RACKCTL), "dns", "records", "list"], capture_output=True,
                         text=True, env=env)
    assert "ctl.lab.example" in out.stdout
    assert "192.0.2.77" in out.stdout
    text = dnslab.export(ZONE)
    assert "$ORIGIN lab.example." in text
    assert "ctl.lab.example.\t120\tIN\tA\t192.0.2.77" in text
    assert "node1.lab.example.\t300\tIN\tA\t192.0.2.10" in text
    assert f"SOA\tns1.lab.example. hostmaster.lab.example. {dnslab.serial()} " in text
    out = subprocess.run([str(RACKCTL), "dns", "records", "delete", str(rid)],
                         capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert dnslab.query("ctl.lab.example", "A").rcode() == dns.rcode.NXDOMAIN
    out = subprocess.run([str(RACKD), "--config", str(dnslab.config_path), "zone", "export",
                          "nope.example"], capture_output=True, text=True)
    assert out.returncode == 1
    assert "serves no zone" in out.stderr


# Knot as reference and as secondary


class Knot:
    def __init__(self, workdir, port, zones):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port
        conf = [
            "server:", f"    listen: {HOST}@{port}", f"    rundir: {self.dir}",
            "    udp-workers: 1", "    tcp-workers: 1", "    background-workers: 1",
            "log:", "  - target: stderr", "    any: info",
            "database:", f"    storage: {self.dir}",
        ]
        conf += zones
        (self.dir / "knot.conf").write_text("\n".join(conf) + "\n")
        self.log = open(self.dir / "knot.log", "wb")
        self.proc = subprocess.Popen(["knotd", "-c", str(self.dir / "knot.conf")],
                                     stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                dns.query.udp(dns.message.make_query(ZONE, "SOA"), HOST, port=port, timeout=0.5)
                return
            except Exception:
                time.sleep(0.1)
        self.stop()
        pytest.fail("knotd did not start:\n" + (self.dir / "knot.log").read_text())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


REVERSE_ZONES = ["2.0.192.in-addr.arpa", "100.51.198.in-addr.arpa",
                 "64-26.100.51.198.in-addr.arpa"]


def seed_records(lab):
    lab.add_record("www.lab.example", "CNAME", "node1.lab.example.")
    lab.add_record("a.lab.example", "CNAME", "www.lab.example.")
    lab.add_record("ext.lab.example", "CNAME", "www.example.org.")
    lab.add_record("dangling.lab.example", "CNAME", "gone.lab.example.")
    lab.add_record("lab.example", "MX", "10 node2.lab.example.")
    lab.add_record("lab.example", "TXT", '"v=spf1 -all"')
    lab.add_record("_ldap._tcp.lab.example", "SRV", "0 5 389 node2.lab.example.")
    lab.add_record("sub.lab.example", "NS", "ns.sub.lab.example.")
    lab.add_record("ns.sub.lab.example", "A", "192.0.2.53")
    lab.add_record("deep.a.b.lab.example", "TXT", "deep")
    for i in range(4):
        lab.add_record("big.lab.example", "TXT", f"{i}" + "x" * 200)
    # Wildcards (RFC 4592): data, a name and an empty non-terminal that block
    # synthesis, a CNAME, and a CNAME whose target is itself synthesized.
    lab.add_record("*.apps.lab.example", "A", "192.0.2.80")
    lab.add_record("*.apps.lab.example", "AAAA", "2001:db8::80")
    lab.add_record("*.apps.lab.example", "MX", "10 node2.lab.example.")
    lab.add_record("real.apps.lab.example", "TXT", "real")
    lab.add_record("x.ent.apps.lab.example", "TXT", "below")
    lab.add_record("*.web.lab.example", "CNAME", "node1.lab.example.")
    lab.add_record("*.alias.lab.example", "CNAME", "target.apps.lab.example.")


def section_key(rrsets):
    out = []
    for rrset in rrsets:
        for rd in rrset:
            out.append((rrset.name.to_text().lower(), rrset.ttl, rrset.rdtype,
                        rd.to_text().lower()))
    return sorted(out)


def make_queries(names, rng):
    types = ["A", "AAAA", "NS", "SOA", "PTR", "MX", "TXT", "SRV", "CNAME", "HINFO", "CAA",
             "DS", "ANY"]
    edns = [None, (0, 512), (0, 1232), (0, 4096), (0, 1400, True)]
    queries = []
    for name in names:
        variants = [name, name.upper(), "".join(c.upper() if rng.random() < 0.5 else c
                                                 for c in name)]
        for v in variants:
            for t in types:
                queries.append((v, t, rng.choice(edns)))
    return queries


@needs_tools
def secondary_conf(lab, storage, key=None):
    """Returns knotd configuration lines for a secondary of ZONE that transfers
    from lab's rackd and takes its NOTIFY; with key (name, algorithm, secret),
    both need that TSIG key."""
    key_lines, key_ref = [], []
    if key:
        name, algorithm, secret = key
        key_lines = ["key:", f"  - id: {name}", f"    algorithm: {algorithm}",
                     f"    secret: {secret}"]
        key_ref = [f"    key: {name}"]
    return (key_lines
            + ["remote:", "  - id: rackd", f"    address: {HOST}@{lab.dns_port}"] + key_ref
            + ["acl:", "  - id: from_rackd", f"    address: {HOST}", "    action: notify"]
            + key_ref
            + ["template:", "  - id: default", f"    storage: {storage}",
               "    zonefile-sync: -1", "zone:", f"  - domain: {ZONE}",
               "    master: rackd", "    acl: from_rackd"])


def test_differential_against_knot(dnslab, tmp_path):
    seed_records(dnslab)
    zones = [ZONE] + REVERSE_ZONES
    zone_conf = ["template:", "  - id: default", f"    storage: {tmp_path / 'knot'}",
                 "    zonefile-sync: -1", "    journal-content: none", "zone:"]
    names = set()
    for z in zones:
        text = dnslab.export(z)
        (tmp_path / "knot").mkdir(exist_ok=True)
        (tmp_path / "knot" / f"{z}.zone").write_text(text)
        zone_conf += [f"  - domain: {z}", f"    file: {tmp_path / 'knot' / (z + '.zone')}"]
        for line in text.splitlines():
            if line and not line.startswith((";", "$")):
                names.add(line.split()[0].rstrip("."))
    rng = random.Random(4)
    for z in zones:
        names |= {f"missing{i}.{z}" for i in range(3)}
    names |= {"x.sub.lab.example", "a.b.lab.example", "b.lab.example", "zz.deep.a.b.lab.example",
              "example.org", "version.bind"}
    names |= {"host1.apps.lab.example", "a.b.apps.lab.example", "y.real.apps.lab.example",
              "ent.apps.lab.example", "y.ent.apps.lab.example", "apps.lab.example",
              "y.*.apps.lab.example", "shop.web.lab.example", "a.b.web.lab.example",
              "x.alias.lab.example", "alias.lab.example"}
    knot = Knot(tmp_path / "knot", free_port(), zone_conf)
    try:
        queries = make_queries(sorted(names), rng)
        assert len(queries) > 2000
        mismatches = []
        for name, rtype, edns in queries:
            q = dns.message.make_query(name, rtype)
            q.flags &= ~dns.flags.RD
            if edns:
                q.use_edns(edns[0], payload=edns[1],
                           ednsflags=dns.flags.DO if len(edns) > 2 else 0)
            ours = dns.query.udp(q, HOST, port=dnslab.dns_port, timeout=5)
            ref = dns.query.udp(q, HOST, port=knot.port, timeout=5)
            why = compare(ours, ref, rtype)
            if why:
                mismatches.append(f"{name} {rtype} edns={edns}: {why}")
        assert not mismatches, f"{len(mismatches)} of {len(queries)} differ:\n" + \
            "\n".join(mismatches[:30])
    finally:
        knot.stop()


def compare(ours, ref, rtype):
    if ours.rcode() != ref.rcode():
        return f"rcode {dns.rcode.to_text(ours.rcode())} != {dns.rcode.to_text(ref.rcode())}"
    mask = dns.flags.AA | dns.flags.TC | dns.flags.QR | dns.flags.RD
    if ours.flags & mask != ref.flags & mask:
        return f"flags {dns.flags.to_text(ours.flags)} != {dns.flags.to_text(ref.flags)}"
    if ref.rcode() == dns.rcode.REFUSED or ref.flags & dns.flags.TC:
        return None
    if rtype == "ANY":
        # RFC 8482 lets a server answer ANY with any non-empty subset.
        mine, theirs = section_key(ours.answer), section_key(ref.answer)
        if theirs and not (mine and set(mine) <= set(theirs)):
            return f"ANY answer {mine} not a subset of {theirs}"
        return None
    if section_key(ours.answer) != section_key(ref.answer):
        return f"answer {section_key(ours.answer)} != {section_key(ref.answer)}"
    if section_key(ours.authority) != section_key(ref.authority):
        return f"authority {section_key(ours.authority)} != {section_key(ref.authority)}"
    return None


@needs_tools
def test_knot_secondary_follows_notify(tmp_path):
    knot_port = free_port()
    lab = DnsLab(tmp_path / "rackd", notify_port=knot_port)
    lab.seed()
    lab.rackd.start()
    knot = None
    try:
        knot = Knot(tmp_path / "knot", knot_port, secondary_conf(lab, tmp_path / "knot"))
        wait_for(lambda: secondary_serial(knot_port) == lab.serial(), "initial AXFR")
        lab.add_record("pushed.lab.example", "A", "192.0.2.88")
        serial = lab.serial()
        wait_for(lambda: secondary_serial(knot_port) == serial, "NOTIFY and IXFR")
        r = dns.query.udp(dns.message.make_query("pushed.lab.example", "A"), HOST,
                          port=knot_port, timeout=5)
        assert rdatas(r, dns.rdatatype.A) == ["192.0.2.88"]
        assert lab.rackd.events(message="zone transfer IXFR sent") or \
            any("IXFR" in e.get("message", "") for e in lab.rackd.events())
    finally:
        if knot:
            knot.stop()
        lab.rackd.stop()


def secondary_serial(port):
    try:
        r = dns.query.udp(dns.message.make_query(ZONE, "SOA"), HOST, port=port, timeout=1)
    except Exception:
        return None
    return r.answer[0][0].serial if r.answer else None


def wait_for(predicate, what, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")
