# SPDX-License-Identifier: Apache-2.0
"""DHCP limits on client-grown state, against the real rackd in a lab namespace.

Covered: the rate of new bindings (DISCOVERs, and REQUESTs for an address
the client has no offer or lease on) per MAC and per link, the cap of leases per MAC,
and a starvation attempt with thousands of random MACs, which must not reach
the addresses reserved for known machines. Also the counters of GET /metrics
and a failed lease write, after which no ACK may leave.

Floods go out with scapy (dhcp_flood.py) from a client namespace; the known
machine asks with busybox udhcpc (Debian package udhcpc). The database is
changed behind rackd's back with the sqlite3 shell (Debian package sqlite3).
"""

import ipaddress
import json
import random
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import RACKD, SERVER_ADDRESS, base_config
from dhcp_support import ACK, DISCOVER, NAK, OFFER, REQUEST, flood, ip_hex, of_type

PROBE = Path(__file__).with_name("dhcp_probe.py")
API = f"http://{SERVER_ADDRESS}:8080"


def random_mac(rng):
    return "02:" + ":".join(f"{rng.randrange(256):02x}" for _ in range(5))


def metrics(lab):
    """GET /metrics inside the lab namespace, parsed into {name: value}."""
    out = lab.exec("curl", "-sS", "--noproxy", "*", "-o", "-", "-w", "\n%{http_code}",
                   API + "/metrics", timeout=30)
    text, code = out.stdout.rsplit("\n", 1)
    assert code == "200", out.stdout
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.split()
            values[name] = int(value)
    return values


def limits_config(tmp_path, **dhcp):
    config = base_config(tmp_path)
    config["dhcp"].update(dhcp)
    return config


def warnings(rackd, pattern):
    return [e for e in rackd.events(subsystem="dhcp", level="warning")
            if re.search(pattern, e["message"])]


def test_metrics_count_a_dora(lab, rackd_factory, tmp_path):
    rackd_factory(lab, base_config(tmp_path))
    client = lab.add_client()
    before = metrics(lab)
    assert before["rackd_dhcp_enabled"] == 1
    assert before["rackd_dhcp_acks_total"] == 0
    replies = flood(client, [{"mac": client.mac, "type": DISCOVER}])
    offer = of_type(replies, OFFER)
    assert len(offer) == 1, replies
    replies = flood(client, [{"mac": client.mac, "type": REQUEST,
                              "options": [[54, ip_hex(SERVER_ADDRESS)],
                                          [50, ip_hex(offer[0]["yiaddr"])]]}])
    assert len(of_type(replies, ACK)) == 1, replies
    after = metrics(lab)
    assert after["rackd_dhcp_discovers_total"] == 1
    assert after["rackd_dhcp_offers_total"] == 1
    assert after["rackd_dhcp_requests_total"] == 1
    assert after["rackd_dhcp_acks_total"] == 1
    assert after["rackd_dhcp_batches_total"] == 1
    assert after["rackd_dhcp_batch_rows_total"] == 1
    assert after["rackd_dhcp_leases"] == 1
    assert after["rackd_dhcp_store_errors_total"] == 0


def test_discover_rate_per_mac(lab, rackd_factory, tmp_path):
    # 1 per second with bursts of 4.
    rackd = rackd_factory(lab, limits_config(tmp_path, discover_rate_per_mac=1))
    client = lab.add_client()
    replies = flood(client, [{"mac": client.mac, "type": DISCOVER}] * 30)
    offers = of_type(replies, OFFER)
    # The burst, plus at most a token or two that refilled while the frames went out.
    assert 4 <= len(offers) <= 8, replies
    limited = metrics(lab)["rackd_dhcp_rate_limited_mac_total"]
    assert limited == 30 - len(offers)
    # Logged, but rate-limited: far fewer lines than drops.
    lines = warnings(rackd, r"over 1 new bindings per second for one MAC")
    assert 1 <= len(lines) <= 10
    assert lines[0]["mac"] == client.mac
    # Another MAC is not affected.
    other = "52:54:00:cc:00:01"
    assert len(of_type(flood(client, [{"mac": other, "type": DISCOVER}]), OFFER)) == 1


def test_discover_rate_per_link(lab, rackd_factory, tmp_path):
    # Clients on the link share one bucket: 2 per second with bursts of 8.
    rackd = rackd_factory(lab, limits_config(tmp_path, discover_rate_per_mac=0,
                                             discover_rate_per_relay=2))
    client = lab.add_client()
    rng = random.Random(11)
    replies = flood(client, [{"mac": random_mac(rng), "type": DISCOVER} for _ in range(60)])
    offers = of_type(replies, OFFER)
    assert 8 <= len(offers) <= 14, len(offers)
    assert metrics(lab)["rackd_dhcp_rate_limited_relay_total"] == 60 - len(offers)
    assert warnings(rackd, r"over 2 new bindings per second on br0")
    # The bucket refills: after a pause the link is served again.
    time.sleep(2)
    assert len(of_type(flood(client, [{"mac": random_mac(rng), "type": DISCOVER}]),
                       OFFER)) == 1


def test_forged_giaddr_shares_one_bucket(lab, rackd_factory, tmp_path):
    # Every DISCOVER names another relay in giaddr, but all come from the
    # same source address, so they share one relay bucket: 2 per second
    # with bursts of 8.
    rackd = rackd_factory(lab, limits_config(tmp_path, discover_rate_per_mac=0,
                                             discover_rate_per_relay=2))
    client = lab.add_client()
    rng = random.Random(23)
    flood(client, [{"mac": random_mac(rng), "type": DISCOVER, "giaddr": f"192.0.2.{200 + k}"}
                   for k in range(50)])
    counters = metrics(lab)
    assert 8 <= counters["rackd_dhcp_offers_total"] <= 14, counters
    assert counters["rackd_dhcp_rate_limited_relay_total"] == 50 - counters["rackd_dhcp_offers_total"]
    assert warnings(rackd, r"over 2 new bindings per second through relay 0\.0\.0\.0")


def test_unoffered_request_rate_limited(lab, rackd_factory, tmp_path):
    # A REQUEST for an address the client was never offered starts a new
    # binding, so it pays from the same bucket as a DISCOVER: 2 per second
    # on the link with bursts of 8.
    rackd = rackd_factory(lab, limits_config(tmp_path, discover_rate_per_mac=0,
                                             discover_rate_per_relay=2))
    client = lab.add_client()
    rng = random.Random(17)
    requests = [{"mac": random_mac(rng), "type": REQUEST,
                 "options": [[54, ip_hex(SERVER_ADDRESS)], [50, ip_hex(f"192.0.2.{100 + k}")]]}
                for k in range(60)]
    replies = flood(client, requests)
    acks = of_type(replies, ACK)
    assert 8 <= len(acks) <= 14, len(acks)
    assert not of_type(replies, NAK)
    assert metrics(lab)["rackd_dhcp_rate_limited_relay_total"] == 60 - len(acks)
    assert len(stored_leases(tmp_path)) == len(acks)
    assert warnings(rackd, r"^REQUEST from .* over 2 new bindings per second on br0")


def test_offered_request_not_limited(lab, rackd_factory, tmp_path):
    # 1 per second with bursts of 4 for one MAC; the four DISCOVERs use it up.
    rackd_factory(lab, limits_config(tmp_path, discover_rate_per_mac=1))
    client = lab.add_client()
    offers = of_type(flood(client, [{"mac": client.mac, "type": DISCOVER}] * 4), OFFER)
    assert offers
    offered = offers[-1]["yiaddr"]
    request = {"mac": client.mac, "type": REQUEST,
               "options": [[54, ip_hex(SERVER_ADDRESS)], [50, ip_hex(offered)]]}
    acks = of_type(flood(client, [request]), ACK)
    assert [a["yiaddr"] for a in acks] == [offered]
    # DISCOVERs drain the bucket again, yet a renewal of the bound lease
    # still passes. A REQUEST for another address would start a second
    # binding, so it is dropped rather than rejected with a NAK.
    renew = {"mac": client.mac, "type": REQUEST, "ciaddr": offered}
    other = {"mac": client.mac, "type": REQUEST,
             "options": [[54, ip_hex(SERVER_ADDRESS)], [50, ip_hex("192.0.2.150")]]}
    drain = [{"mac": client.mac, "type": DISCOVER}] * 8
    replies = flood(client, drain + [renew, other])
    # The renewal's ACK goes unicast to ciaddr, which this namespace does
    # not have, so the counters show what rackd sent.
    assert not of_type(replies, ACK)
    assert not of_type(replies, NAK)
    counters = metrics(lab)
    assert counters["rackd_dhcp_acks_total"] == 2
    assert counters["rackd_dhcp_naks_total"] == 0
    assert counters["rackd_dhcp_rate_limited_mac_total"] >= 1
    assert "192.0.2.150" not in stored_leases(tmp_path)


def test_leases_per_mac_cap(lab, rackd_factory, tmp_path):
    rackd = rackd_factory(lab, limits_config(tmp_path, max_leases_per_mac=2))
    client = lab.add_client()
    # Five client identifiers (option 61) behind one MAC: only two get an address.
    ids = [[[61, f"ff0000000{k}00010001"]] for k in range(5)]
    replies = flood(client, [{"mac": client.mac, "type": DISCOVER, "options": i} for i in ids])
    offers = of_type(replies, OFFER)
    assert len(offers) == 2, replies
    assert len({o["yiaddr"] for o in offers}) == 2
    assert metrics(lab)["rackd_dhcp_mac_lease_limit_total"] == 3
    lines = warnings(rackd, r"the MAC holds 2 offers or leases already")
    assert lines and lines[0]["mac"] == client.mac


def create_token(rackd):
    out = subprocess.run([str(RACKD), "--config", str(rackd.config_path), "token", "create",
                          "--role", "admin", "--name", "limits-test"],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def api(lab, token, method, path, body):
    argv = ["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "-X", method, "--noproxy", "*",
            "-H", f"Authorization: Bearer {token}", "-H", "Content-Type: application/json",
            "--data-binary", json.dumps(body), API + path]
    text, code = lab.exec(*argv, timeout=30).stdout.rsplit("\n", 1)
    return int(code), json.loads(text)


def udhcpc_address(client, tmp_path):
    binary = shutil.which("udhcpc") or shutil.which("busybox")
    if binary is None:
        pytest.fail("udhcpc is not installed (Debian package udhcpc)")
    result = tmp_path / "udhcpc.env"
    script = tmp_path / "udhcpc.sh"
    script.write_text(f"#!/bin/sh\n[ \"$1\" = bound ] && env > {result}\nexit 0\n")
    script.chmod(0o755)
    argv = [binary] if binary.endswith("udhcpc") else [binary, "udhcpc"]
    proc = client.exec(*argv, "-i", client.ifname, "-f", "-q", "-n", "-t", "5", "-T", "2",
                       "-s", str(script), check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr
    env = dict(line.split("=", 1) for line in result.read_text().splitlines() if "=" in line)
    return env["ip"]


def stored_leases(tmp_path):
    db = tmp_path / "data" / "rackd.db"
    out = subprocess.run(["sqlite3", "-readonly", str(db),
                          "SELECT address, mac FROM leases WHERE state = 1"],
                         check=True, capture_output=True, text=True).stdout
    return {str(ipaddress.IPv4Address(int(a))): mac
            for a, mac in (line.split("|") for line in out.split())}


def test_random_macs_cannot_take_reserved_addresses(lab, rackd_factory, tmp_path):
    if shutil.which("sqlite3") is None:
        pytest.fail("sqlite3 is not installed (Debian package sqlite3)")
    config = limits_config(tmp_path, discover_rate_per_relay=0)
    config["subnet lab"]["range"] = ["192.0.2.100 192.0.2.109",
                                     "reserved 192.0.2.110 192.0.2.114"]
    rackd = rackd_factory(lab, config)
    token = create_token(rackd)
    known, attacker = lab.add_client(), lab.add_client()
    status, machine = api(lab, token, "POST", "/api/v1/machines",
                          {"hostname": "known", "mac": known.mac})
    assert status == 201, machine
    status, ip = api(lab, token, "POST", "/api/v1/ip-addresses",
                     {"address": "192.0.2.105", "kind": "sticky",
                      "interface_id": machine["interfaces"][0]["id"]})
    assert status == 201, ip

    rng = random.Random(5)
    macs = [random_mac(rng) for _ in range(3000)]
    # Every random MAC requests the reserved address or an address of the reserved range.
    wanted = [[[50, ip_hex("192.0.2.105")]], [[50, ip_hex("192.0.2.110")]]]
    replies = flood(attacker, [{"mac": m, "type": DISCOVER, "options": wanted[k % 2]}
                               for k, m in enumerate(macs)], wait=3)
    offers = {r["mac"]: r["yiaddr"] for r in of_type(replies, OFFER)}
    taken = ipaddress.IPv4Address("192.0.2.105"), ipaddress.IPv4Address("192.0.2.110")
    assert offers, "no offer at all"
    assert all(ipaddress.IPv4Address(a) not in taken for a in offers.values())
    # They request what they were offered, and the reserved addresses outright.
    requests = [{"mac": m, "type": REQUEST, "options": [[54, ip_hex(SERVER_ADDRESS)],
                                                        [50, ip_hex(a)]]}
                for m, a in offers.items()]
    requests += [{"mac": m, "type": REQUEST, "options": [[50, ip_hex(a)]]}
                 for m in macs[:200] for a in ("192.0.2.105", "192.0.2.112")]
    replies = flood(attacker, requests, wait=3)
    acked = {r["yiaddr"] for r in of_type(replies, ACK)}
    assert acked, "no ACK at all"
    assert "192.0.2.105" not in acked
    assert not any(a.startswith("192.0.2.11") for a in acked)
    # Every request for a reserved address was refused; the capture may miss a few NAKs.
    assert len(of_type(replies, NAK)) >= 360
    # The nine other dynamic addresses are gone; the known machine still gets its own.
    assert udhcpc_address(known, tmp_path) == "192.0.2.105"
    leases = stored_leases(tmp_path)
    assert leases["192.0.2.105"] == known.mac
    assert not any(a.startswith("192.0.2.11") for a in leases)
    counters = metrics(lab)
    assert counters["rackd_dhcp_reserved_refused_total"] >= 200
    assert counters["rackd_dhcp_naks_total"] >= 400
    assert counters["rackd_dhcp_pool_exhausted_total"] > 0


def test_failed_lease_write_sends_no_ack(lab, rackd_factory, tmp_path):
    if shutil.which("sqlite3") is None:
        pytest.fail("sqlite3 is not installed (Debian package sqlite3)")
    rackd = rackd_factory(lab, base_config(tmp_path))
    client = lab.add_client()
    db = str(tmp_path / "data" / "rackd.db")
    offer = of_type(flood(client, [{"mac": client.mac, "type": DISCOVER}]), OFFER)
    assert len(offer) == 1
    request = {"mac": client.mac, "type": REQUEST,
               "options": [[54, ip_hex(SERVER_ADDRESS)], [50, ip_hex(offer[0]["yiaddr"])]]}
    # Every lease write fails from now on, as on a full or failing disk.
    subprocess.run(["sqlite3", db,
                    "CREATE TRIGGER broken BEFORE INSERT ON leases BEGIN"
                    " SELECT RAISE(ABORT, 'disk failure'); END;"], check=True)
    assert flood(client, [request]) == []
    error = rackd.wait_event(lambda e: e.get("subsystem") == "dhcp" and
                             "not stored" in e.get("message", ""))
    assert error["level"] == "error"
    assert error["changes"] == "1"
    assert error["acks"] == "1"
    counters = metrics(lab)
    assert counters["rackd_dhcp_store_errors_total"] == 1
    assert counters["rackd_dhcp_acks_total"] == 0
    assert stored_leases(tmp_path) == {}
    # Once writes work again, the same request is acknowledged and stored.
    subprocess.run(["sqlite3", db, "DROP TRIGGER broken;"], check=True)
    assert len(of_type(flood(client, [request]), ACK)) == 1
    assert stored_leases(tmp_path) == {offer[0]["yiaddr"]: client.mac}
