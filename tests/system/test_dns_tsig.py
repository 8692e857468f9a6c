# SPDX-License-Identifier: Apache-2.0
"""System tests of TSIG (RFC 8945) on rackd's zone transfers and NOTIFY.

kdig and dig sign AXFR requests with the configured key and verify every
signed message of the response; dnspython sends wrong keys and old
timestamps. A Knot secondary with the key transfers the zone and receives
signed NOTIFY. Everything listens on 127.0.0.1 and stops at teardown.
"""
import base64
import shutil
import socket
import subprocess
import time

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsig
import dns.tsigkeyring
import pytest

from conftest import write_config
from test_dns import (HOST, ZONE, DnsLab, Knot, free_port, secondary_conf, secondary_serial,
                      wait_for)

KEY_NAME = "xfr.lab.example"
SECRET = base64.b64encode(bytes(range(40, 72))).decode()
OTHER_SECRET = base64.b64encode(bytes(range(100, 132))).decode()

needs_tools = pytest.mark.skipif(
    not (shutil.which("kdig") and shutil.which("knotd")),
    reason="needs kdig (knot-dnsutils) and knotd (knot)")

pytestmark = needs_tools


def start_lab(workdir, allow_transfer, notify_port=None, algorithm="hmac-sha256"):
    lab = DnsLab(workdir, notify_port=notify_port)
    lab.config["dns"]["tsig_key"] = f"{KEY_NAME} {algorithm} {SECRET}"
    lab.config["dns"]["allow_transfer"] = allow_transfer
    if notify_port:
        lab.config["dns"]["notify"] = f"{HOST}:{notify_port} key {KEY_NAME}"
    write_config(lab.config_path, lab.config)
    lab.seed()
    lab.rackd.start()
    return lab


@pytest.fixture
def keylab(tmp_path):
    """rackd whose transfers from 127.0.0.1 need the key."""
    lab = start_lab(tmp_path, f"{HOST} key {KEY_NAME}")
    try:
        yield lab
    finally:
        lab.rackd.stop()


def kdig_axfr(lab, *args):
    return subprocess.run(["kdig", f"@{HOST}", "-p", str(lab.dns_port), "AXFR", ZONE, *args],
                          capture_output=True, text=True, timeout=30)


def keyring(secret=SECRET, algorithm=dns.tsig.HMAC_SHA256):
    return dns.tsigkeyring.from_text({KEY_NAME: (algorithm, secret)})


def test_kdig_axfr_with_key_is_signed(keylab):
    r = kdig_axfr(keylab, "-y", f"hmac-sha256:{KEY_NAME}:{SECRET}")
    assert "node1.lab.example." in r.stdout, r.stdout + r.stderr
    # kdig checks the TSIG of every message and reports a failure on stderr.
    assert "TSIG" not in r.stderr, r.stderr
    assert ";; WARNING" not in r.stdout + r.stderr
    # The transfer ends with the SOA, and every message carried a TSIG.
    assert r.stdout.count("\tSOA\t") >= 2
    assert "TSIG" in r.stdout
    sent = keylab.rackd.events(subsystem="dns")
    assert any("zone transfer AXFR sent" in e.get("message", "") for e in sent)


def test_dnspython_verifies_every_transfer_message(keylab):
    # Enough records for several messages: the signatures chain (RFC 8945 §5.3.1).
    for i in range(400):
        keylab.add_record(f"bulk{i}.lab.example", "TXT", '"' + "x" * 200 + '"')
    msgs = list(dns.query.xfr(HOST, ZONE, port=keylab.dns_port, keyring=keyring(),
                              keyname=KEY_NAME, relativize=False))
    assert len(msgs) > 1
    assert all(m.had_tsig for m in msgs)
    names = {rrset.name.to_text() for m in msgs for rrset in m.answer}
    assert "bulk399.lab.example." in names


def test_dig_axfr_with_key(keylab):
    if not shutil.which("dig"):
        pytest.skip("needs dig (bind9-dnsutils)")
    r = subprocess.run(["dig", f"@{HOST}", "-p", str(keylab.dns_port), "-y",
                        f"hmac-sha256:{KEY_NAME}:{SECRET}", "AXFR", ZONE],
                       capture_output=True, text=True, timeout=30)
    assert "node1.lab.example." in r.stdout, r.stdout
    assert "tsig verify failure" not in r.stdout
    assert "Transfer failed" not in r.stdout


def test_axfr_without_key_is_refused(keylab):
    with pytest.raises(dns.query.TransferError) as err:
        list(dns.query.xfr(HOST, ZONE, port=keylab.dns_port))
    assert err.value.rcode == dns.rcode.REFUSED
    r = kdig_axfr(keylab)
    assert "node1.lab.example." not in r.stdout


def test_axfr_with_wrong_secret_is_badsig(keylab):
    q = dns.message.make_query(ZONE, "AXFR")
    q.use_tsig(keyring(OTHER_SECRET), keyname=KEY_NAME)
    with pytest.raises(dns.tsig.PeerBadSignature):
        dns.query.tcp(q, HOST, port=keylab.dns_port, timeout=5)
    r = kdig_axfr(keylab, "-y", f"hmac-sha256:{KEY_NAME}:{OTHER_SECRET}")
    assert "node1.lab.example." not in r.stdout
    assert "BADSIG" in r.stdout + r.stderr


def test_unknown_key_is_badkey(keylab):
    ring = dns.tsigkeyring.from_text({"nobody.lab.example": SECRET})
    q = dns.message.make_query(ZONE, "SOA")
    q.use_tsig(ring, keyname="nobody.lab.example")
    with pytest.raises(dns.tsig.PeerBadKey):
        dns.query.udp(q, HOST, port=keylab.dns_port, timeout=5)


def test_old_timestamp_is_badtime(keylab):
    q = dns.message.make_query(ZONE, "SOA")
    q.use_tsig(keyring(), keyname=KEY_NAME)
    # Sign with a clock one hour behind: dnspython reads time.time() in to_wire().
    real = time.time
    try:
        time.time = lambda: real() - 3600
        wire = q.to_wire()
    finally:
        time.time = real
    with pytest.raises(dns.tsig.PeerBadTime):
        dns.message.from_wire(raw_udp(keylab, wire), keyring=keyring(), request_mac=q.mac)


def raw_udp(lab, wire):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.sendto(wire, (HOST, lab.dns_port))
        return s.recv(4096)


def test_signed_query_gets_signed_answer(keylab):
    q = dns.message.make_query("node1.lab.example", "A")
    q.use_tsig(keyring(), keyname=KEY_NAME)
    r = dns.query.udp(q, HOST, port=keylab.dns_port, timeout=5)
    assert r.had_tsig
    assert r.rcode() == dns.rcode.NOERROR
    assert r.answer[0][0].address == "192.0.2.10"


def test_other_algorithms(tmp_path):
    for alg, name in (("hmac-sha512", dns.tsig.HMAC_SHA512), ("hmac-sha1", dns.tsig.HMAC_SHA1)):
        lab = start_lab(tmp_path / alg, f"{HOST} key {KEY_NAME}", algorithm=alg)
        try:
            r = kdig_axfr(lab, "-y", f"{alg}:{KEY_NAME}:{SECRET}")
            assert "node1.lab.example." in r.stdout, r.stdout + r.stderr
            msgs = list(dns.query.xfr(HOST, ZONE, port=lab.dns_port,
                                      keyring=keyring(algorithm=name), keyname=KEY_NAME))
            assert all(m.had_tsig for m in msgs)
        finally:
            lab.rackd.stop()


def test_knot_secondary_with_key(tmp_path):
    knot_port = free_port()
    lab = start_lab(tmp_path / "rackd", f"{HOST} key {KEY_NAME}", notify_port=knot_port)
    knot = None
    try:
        knot = Knot(tmp_path / "knot", knot_port,
                    secondary_conf(lab, tmp_path / "knot", (KEY_NAME, "hmac-sha256", SECRET)))
        wait_for(lambda: secondary_serial(knot_port) == lab.serial(), "initial signed AXFR")
        lab.add_record("pushed.lab.example", "A", "192.0.2.88")
        serial = lab.serial()
        # Knot accepts a NOTIFY only with the key (acl above), then runs a signed IXFR.
        wait_for(lambda: secondary_serial(knot_port) == serial, "signed NOTIFY and IXFR")
        r = dns.query.udp(dns.message.make_query("pushed.lab.example", "A"), HOST,
                          port=knot_port, timeout=5)
        assert r.answer[0][0].address == "192.0.2.88"
        assert not [e for e in lab.rackd.events() if "NOTIFY response" in e.get("message", "")]
    finally:
        if knot:
            knot.stop()
        lab.rackd.stop()
