# SPDX-License-Identifier: Apache-2.0
"""The iPXE script, and the agent token in it, go only to the host that holds
the MAC's DHCP lease.

A client namespace takes a lease with a scapy DORA, puts the leased address
on its interface and fetches /boot/ipxe with curl. Its own MAC gets the
script. Another machine's MAC, an address without a lease, and the same
request after a RELEASE get 403. With `[http] netboot_requires_lease =
false` any peer gets the script.
"""

import json

from conftest import SERVER_ADDRESS, base_config
from dhcp_support import ACK, DISCOVER, OFFER, RELEASE, REQUEST, flood, ip_hex, of_type

SCRIPT_URL = f"http://{SERVER_ADDRESS}:8080/boot/ipxe?arch=x86_64&firmware=bios&mac="


def lease(client, mac):
    """Runs a DORA for mac from client's namespace and returns the ACKed address."""
    offers = of_type(flood(client, [{"mac": mac, "type": DISCOVER}]), OFFER)
    assert len(offers) == 1, offers
    address = offers[0]["yiaddr"]
    request = {"mac": mac, "type": REQUEST,
               "options": [[54, ip_hex(SERVER_ADDRESS)], [50, ip_hex(address)]]}
    acks = of_type(flood(client, [request]), ACK)
    assert [a["yiaddr"] for a in acks] == [address]
    return address


def fetch_script(client, mac):
    """GETs the boot script for mac from client's namespace: (status, body)."""
    out = client.exec("curl", "-sS", "--noproxy", "*", "-o", "-", "-w", "\n%{http_code}",
                      SCRIPT_URL + mac, timeout=30)
    body, code = out.stdout.rsplit("\n", 1)
    return int(code), body


def test_script_only_for_lease_holder(lab, rackd_factory, tmp_path):
    rackd = rackd_factory(lab, base_config(tmp_path))
    holder, stranger = lab.add_client(), lab.add_client()
    address = lease(holder, holder.mac)
    holder.exec("ip", "addr", "add", f"{address}/24", "dev", holder.ifname)
    other_mac = "52:54:00:dd:00:07"
    lease(holder, other_mac)

    status, body = fetch_script(holder, holder.mac)
    assert status == 200, body
    assert body.startswith("#!ipxe")
    assert "rackd.token=" in body

    # The lease of other_mac is at another address, so its script is not ours.
    status, body = fetch_script(holder, other_mac)
    assert status == 403, body
    error = json.loads(body)["error"]
    assert error["code"] == "not_leased"
    assert error["field"] == "mac"
    assert address in error["message"]
    assert "netboot_requires_lease" in error["message"]

    # A host with no lease at all gets nothing either, not even an enrolment.
    stranger.exec("ip", "addr", "add", "192.0.2.250/24", "dev", stranger.ifname)
    status, body = fetch_script(stranger, stranger.mac)
    assert status == 403, body
    enrolled = {e.get("mac") for e in rackd.events(subsystem="inventory")
                if e["message"].endswith(" enrolled")}
    assert holder.mac in enrolled
    assert stranger.mac not in enrolled
    assert [e for e in rackd.events(subsystem="http", level="warning")
            if "has no DHCP lease" in e["message"]]

    # Once released, the lease no longer opens the script.
    flood(holder, [{"mac": holder.mac, "type": RELEASE, "ciaddr": address,
                   "options": [[54, ip_hex(SERVER_ADDRESS)]]}], wait=1)
    status, body = fetch_script(holder, holder.mac)
    assert status == 403, body


def test_lease_check_turned_off(lab, rackd_factory, tmp_path):
    config = base_config(tmp_path)
    config["http"]["netboot_requires_lease"] = "false"
    rackd_factory(lab, config)
    client = lab.add_client()
    client.exec("ip", "addr", "add", "192.0.2.251/24", "dev", client.ifname)
    status, body = fetch_script(client, client.mac)
    assert status == 200, body
    assert body.startswith("#!ipxe")
