# SPDX-License-Identifier: Apache-2.0
"""REST API changes seen live by the DHCP server. A reservation made over
the API is what a real DHCP client (busybox udhcpc) receives, and no other
client gets it. An expired (deleted) lease frees its address at once. A
subnet created over the API is served without a restart.

rackd runs in a lab namespace (conftest.py) with DHCP on br0; API calls go
through curl inside that namespace. Hand-made DHCP messages use scapy
(dhcp_probe.py) from client namespaces."""

import ipaddress
import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import RACKD, SERVER_ADDRESS, base_config

PROBE = Path(__file__).with_name("dhcp_probe.py")
PYTHON = "/usr/bin/python3"  # Debian's interpreter, which has scapy
DISCOVER, OFFER, REQUEST, ACK = 1, 2, 3, 5
BROADCAST = 0x8000
API = f"http://{SERVER_ADDRESS}:8080"


def create_token(rackd):
    out = subprocess.run([str(RACKD), "--config", str(rackd.config_path), "token", "create",
                          "--role", "admin", "--name", "dhcp-test"],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def api(lab, token, method, path, body=None):
    """One API call with curl inside the lab namespace; returns (status, json)."""
    argv = ["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "-X", method,
            "-H", f"Authorization: Bearer {token}", "--noproxy", "*"]
    if body is not None:
        argv += ["-H", "Content-Type: application/json", "--data-binary", json.dumps(body)]
    out = lab.exec(*argv, API + path, timeout=30)
    text, code = out.stdout.rsplit("\n", 1)
    return int(code), (json.loads(text) if text.strip() else None)


def probe(client, mac, msg_type, options=(), wait=3):
    spec = {"iface": client.ifname, "mac": mac, "type": msg_type, "flags": BROADCAST,
            "options": [[code, value] for code, value in options],
            "xid": random.getrandbits(32), "wait": wait, "expect": 1}
    out = client.exec(PYTHON, str(PROBE), json.dumps(spec), timeout=60)
    return json.loads(out.stdout)["replies"]


def offered(client, mac):
    """The address offered to mac, or None when no OFFER came."""
    replies = [r for r in probe(client, mac, DISCOVER)
               if int(r["options"]["53"], 16) == OFFER]
    return replies[0]["yiaddr"] if replies else None


def dora(client, mac):
    address = offered(client, mac)
    assert address is not None, f"no offer for {mac}"
    ip_hex = ipaddress.IPv4Address(address).packed.hex()
    server = ipaddress.IPv4Address(SERVER_ADDRESS).packed.hex()
    replies = probe(client, mac, REQUEST, [(54, server), (50, ip_hex)])
    assert replies, replies
    assert int(replies[0]["options"]["53"], 16) == ACK, replies
    return address


def udhcpc(client, tmp_path):
    """Runs busybox udhcpc once in client's namespace; returns what it was given."""
    binary = shutil.which("udhcpc") or shutil.which("busybox")
    if binary is None:
        pytest.skip("udhcpc is not installed (Debian package udhcpc)")
    script = tmp_path / "udhcpc.sh"
    result = tmp_path / "udhcpc.env"
    script.write_text(f"#!/bin/sh\n[ \"$1\" = bound ] && env > {result}\nexit 0\n")
    script.chmod(0o755)
    argv = [binary] if binary.endswith("udhcpc") else [binary, "udhcpc"]
    proc = client.exec(*argv, "-i", client.ifname, "-f", "-q", "-n", "-t", "5", "-T", "2",
                       "-s", str(script), check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return dict(line.split("=", 1) for line in result.read_text().splitlines() if "=" in line)


def small_pool(tmp_path):
    """192.0.2.0/24 with a dynamic range of two addresses, .100 and .101."""
    return base_config(tmp_path, subnet_lab={
        "cidr": "192.0.2.0/24", "gateway": SERVER_ADDRESS, "dns": SERVER_ADDRESS,
        "domain": "lab.example", "lease_time": 3600, "interface": "br0",
        "range": "192.0.2.100 192.0.2.101"})


def lab_subnet_id(lab, token):
    status, body = api(lab, token, "GET", "/api/v1/subnets?name=lab")
    assert status == 200, body
    assert body["total"] == 1, body
    return body["items"][0]["id"]


def test_api_reservation_is_what_udhcpc_gets(lab, rackd_factory, tmp_path):
    rackd = rackd_factory(lab, small_pool(tmp_path))
    token = create_token(rackd)
    owner, other, third = lab.add_client(), lab.add_client(), lab.add_client()
    status, machine = api(lab, token, "POST", "/api/v1/machines",
                          {"hostname": "reserved-node", "mac": owner.mac})
    assert status == 201, machine
    # Reserve the first address of the dynamic pool for the owner's MAC.
    status, ip = api(lab, token, "POST", "/api/v1/ip-addresses",
                     {"address": "192.0.2.100", "kind": "sticky",
                      "interface_id": machine["interfaces"][0]["id"]})
    assert status == 201, ip
    # Other clients share what is left of the pool: .101 only.
    assert dora(other, other.mac) == "192.0.2.101"
    assert offered(third, third.mac) is None
    env = udhcpc(owner, tmp_path)
    assert env["ip"] == "192.0.2.100"
    acks = rackd.events(subsystem="dhcp", type="ACK", address="192.0.2.100")
    assert acks
    assert all(a["mac"] == owner.mac for a in acks)


def test_reservation_outside_the_pool(lab, rackd_factory, tmp_path):
    rackd = rackd_factory(lab, small_pool(tmp_path))
    token = create_token(rackd)
    client = lab.add_client()
    status, machine = api(lab, token, "POST", "/api/v1/machines", {"mac": client.mac})
    assert status == 201
    status, ip = api(lab, token, "POST",
                     f"/api/v1/subnets/{lab_subnet_id(lab, token)}/allocate",
                     {"interface_id": machine["interfaces"][0]["id"]})
    assert status == 201, ip
    # .0 is the network and .1 the gateway; .2 is the next free address.
    assert ip["address"] == "192.0.2.2"
    assert udhcpc(client, tmp_path)["ip"] == "192.0.2.2"


def test_deleted_lease_is_free_at_once(lab, rackd_factory, tmp_path):
    rackd = rackd_factory(lab, small_pool(tmp_path))
    token = create_token(rackd)
    a, b, c = lab.add_client(), lab.add_client(), lab.add_client()
    assert dora(a, a.mac) == "192.0.2.100"
    assert dora(b, b.mac) == "192.0.2.101"
    assert offered(c, c.mac) is None
    status, lease = api(lab, token, "GET", "/api/v1/leases/192.0.2.101")
    assert status == 200
    assert lease["mac"] == b.mac
    assert lease["active"] is True
    status, _ = api(lab, token, "DELETE", "/api/v1/leases/192.0.2.101")
    assert status == 204
    # The DHCP server's view follows the store: the address is free for c now.
    assert offered(c, c.mac) == "192.0.2.101"


def test_subnet_created_over_api_is_served(lab, rackd_factory, tmp_path):
    config = base_config(tmp_path, subnet_lab=None)
    rackd = rackd_factory(lab, config)
    token = create_token(rackd)
    client = lab.add_client()
    assert offered(client, client.mac) is None
    status, subnet = api(lab, token, "POST", "/api/v1/subnets", {
        "name": "live", "cidr": "192.0.2.0/24", "gateway": SERVER_ADDRESS,
        "interface": "br0", "lease_time": 600,
        "ranges": [{"first": "192.0.2.150", "last": "192.0.2.151"}]})
    assert status == 201, subnet
    env = udhcpc(client, tmp_path)
    assert env["ip"] == "192.0.2.150"
    assert int(env["lease"]) == 600
    # A range change is live too: the next client gets the new range.
    status, rng = api(lab, token, "PATCH", f"/api/v1/ranges/{subnet['ranges'][0]['id']}",
                      {"first": "192.0.2.160", "last": "192.0.2.161"})
    assert status == 200, rng
    other = lab.add_client()
    assert offered(other, other.mac) == "192.0.2.160"
