# SPDX-License-Identifier: Apache-2.0
"""DHCPv4 served by the real rackd on a bridge in a network namespace.

Hand-made messages go out with scapy (tests/system/dhcp_probe.py, run in a
client namespace); real clients are busybox udhcpc (Debian package udhcpc)
and ISC dhclient (isc-dhcp-client). Each test starts its own lab and rackd.
Environment: RACKD_BUILD (directory holding rackd, default <repo>/build).
"""

import ipaddress
import json
import time
import random
import shutil
from pathlib import Path

import pytest

from conftest import SERVER_ADDRESS, base_config

PROBE = Path(__file__).with_name("dhcp_probe.py")
CAPTURED = Path(__file__).resolve().parents[1] / "fuzz" / "corpus" / "dhcp"
PYTHON = "/usr/bin/python3"  # Debian's interpreter, which has scapy

DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE, INFORM = range(1, 9)
BROADCAST = 0x8000
POOL = [str(ipaddress.IPv4Address("192.0.2.100") + i) for i in range(100)]

UUID = bytes(range(0x10, 0x20))
QEMU_ROM = [  # what QEMU's BIOS NIC ROM (iPXE) sends
    (57, "05c0"), (93, "0000"), (94, "010201"),
    (60, b"PXEClient:Arch:00000:UNDI:002001".hex()), (77, b"iPXE".hex()),
    (55, bytes([1, 3, 6, 7, 12, 15, 17, 26, 43, 60, 66, 67, 119, 128, 175, 203]).hex()),
    (175, bytes([0xb1, 5, 1, 0x10, 0xec, 0x81, 0x39, 0x13, 1, 1, 0x11, 1, 1, 0x19, 1, 1,
                 0x21, 1, 1, 0x27, 1, 1, 0x15, 1, 1]).hex()),
    (97, "00" + UUID.hex()),
]
OVMF_PXE = [  # what OVMF's own PXE client sends
    (57, "05c0"), (55, bytes([1, 2, 3, 4, 5, 6, 12, 13, 15, 17, 18, 22, 23, 28, 40, 41, 42,
                             43, 50, 51, 54, 58, 59, 60, 66, 67, 97, 128]).hex()),
    (97, "00" + UUID.hex()), (94, "010300"), (93, "0007"),
    (60, b"PXEClient:Arch:00007:UNDI:003000".hex()),
]
HTTP_BOOT = [(93, "0010"), (60, b"HTTPClient:Arch:00016:UNDI:003000".hex()),
             (55, bytes([1, 3, 6, 15, 43, 60, 67]).hex())]


def ip_hex(text):
    return ipaddress.IPv4Address(text).packed.hex()


def mac_of(k):
    return f"52:54:00:bb:00:{k:02x}"


def probe(client, mac=None, msg_type=DISCOVER, options=(), wait=3, expect=1, **fields):
    """Send one message from client (chaddr mac) and return the replies with its xid."""
    spec = {"iface": client.ifname, "mac": mac or client.mac, "type": msg_type,
            "options": [[code, value] for code, value in options],
            "xid": random.getrandbits(32), "wait": wait, "expect": expect}
    spec.update(fields)
    out = client.exec(PYTHON, str(PROBE), json.dumps(spec), timeout=60)
    return json.loads(out.stdout)["replies"]


def one_reply(replies, msg_type):
    assert len(replies) == 1, f"expected one reply, got {replies}"
    reply = replies[0]
    assert int(reply["options"]["53"], 16) == msg_type, reply
    return reply


def option_text(reply, code):
    return bytes.fromhex(reply["options"][str(code)]).decode()


def option_ip(reply, code):
    return str(ipaddress.IPv4Address(bytes.fromhex(reply["options"][str(code)])))


def option_u32(reply, code):
    return int(reply["options"][str(code)], 16)


def dora(client, mac=None, options=()):
    """DISCOVER, OFFER, REQUEST, ACK with the broadcast flag; returns (address, ack)."""
    offer = one_reply(probe(client, mac, DISCOVER, options, flags=BROADCAST), OFFER)
    server_id = option_ip(offer, 54)
    ack = one_reply(probe(client, mac, REQUEST,
                          [(54, ip_hex(server_id)), (50, ip_hex(offer["yiaddr"])), *options],
                          flags=BROADCAST), ACK)
    assert ack["yiaddr"] == offer["yiaddr"]
    return offer["yiaddr"], ack


def pool_config(tmp_path, first, last):
    return base_config(tmp_path, subnet_lab={
        "cidr": "192.0.2.0/24", "gateway": SERVER_ADDRESS, "dns": SERVER_ADDRESS,
        "domain": "lab.example", "lease_time": 3600, "interface": "br0",
        "range": f"{first} {last}"})


@pytest.fixture
def served(lab, rackd_factory, tmp_path):
    """A lab with rackd serving 192.0.2.100-199 on br0, and one client namespace."""
    rackd = rackd_factory(lab, base_config(tmp_path))
    return lab, rackd, lab.add_client()


def dhcp_events(rackd, **match):
    return rackd.events(subsystem="dhcp", **match)


def test_dora_with_scapy(served):
    lab, rackd, client = served
    offer = one_reply(probe(client, msg_type=DISCOVER, flags=BROADCAST,
                            options=[(12, b"node1".hex()), (55, "0103060f0c")]), OFFER)
    assert offer["yiaddr"] in POOL
    assert offer["dst"] == "255.255.255.255"
    assert option_ip(offer, 54) == SERVER_ADDRESS
    assert option_ip(offer, 1) == "255.255.255.0"
    assert option_ip(offer, 3) == SERVER_ADDRESS
    assert option_ip(offer, 6) == SERVER_ADDRESS
    assert option_text(offer, 15) == "lab.example"
    assert option_u32(offer, 51) == 3600
    assert option_u32(offer, 58) == 1800
    assert option_u32(offer, 59) == 3150
    assert "67" not in offer["options"]
    assert "175" not in offer["options"]

    xid = random.getrandbits(32)
    ack = one_reply(probe(client, msg_type=REQUEST, flags=BROADCAST, xid=xid,
                          options=[(54, ip_hex(SERVER_ADDRESS)), (50, ip_hex(offer["yiaddr"])),
                                   (12, b"node1".hex()), (55, "0103060f0c")]), ACK)
    assert ack["yiaddr"] == offer["yiaddr"]
    assert option_text(ack, 12) == "node1"

    acks = dhcp_events(rackd, type="ACK", address=offer["yiaddr"])
    assert len(acks) == 1
    assert acks[0]["iface"] == "br0"
    assert acks[0]["mac"] == client.mac
    assert acks[0]["hostname"] == "node1"
    assert acks[0]["xid"] == f"0x{xid:08x}"
    assert acks[0]["message"] == f"ack {offer['yiaddr']} to {client.mac}"
    for kind in ("DISCOVER", "OFFER", "REQUEST"):
        assert dhcp_events(rackd, type=kind, mac=client.mac), kind


@pytest.mark.parametrize("sent, recorded", [
    (b"web 01", "web-01"),
    (b"-rack\xc3\xa9.", "rack"),
    (b"..--", None),
])
def test_client_hostname_sanitized(served, sent, recorded):
    lab, rackd, client = served
    offer = one_reply(probe(client, msg_type=DISCOVER, flags=BROADCAST), OFFER)
    ack = one_reply(probe(client, msg_type=REQUEST, flags=BROADCAST,
                          options=[(54, ip_hex(SERVER_ADDRESS)), (50, ip_hex(offer["yiaddr"])),
                                   (12, sent.hex()), (55, "010c")]), ACK)
    acks = dhcp_events(rackd, type="ACK", address=offer["yiaddr"])
    assert len(acks) == 1
    assert acks[0].get("hostname") == recorded
    if recorded:
        assert option_text(ack, 12) == recorded
    else:
        assert "12" not in ack["options"]


def test_unicast_offer_without_broadcast_flag(served):
    lab, rackd, client = served
    offer = one_reply(probe(client, msg_type=DISCOVER), OFFER)
    # RFC 2131 §4.1: unicast to yiaddr and chaddr when the client can receive it.
    assert offer["dst"] == offer["yiaddr"]
    assert offer["eth_dst"] == client.mac


def test_udhcpc_gets_lease(served, tmp_path):
    lab, rackd, client = served
    udhcpc = shutil.which("udhcpc") or shutil.which("busybox")
    if udhcpc is None:
        pytest.skip("udhcpc is not installed (Debian package udhcpc)")
    script = tmp_path / "udhcpc.sh"
    result = tmp_path / "udhcpc.env"
    # The script records what udhcpc received and leaves the system untouched.
    script.write_text(f"#!/bin/sh\n[ \"$1\" = bound ] && env > {result}\nexit 0\n")
    script.chmod(0o755)
    argv = [udhcpc] if udhcpc.endswith("udhcpc") else [udhcpc, "udhcpc"]
    proc = client.exec(*argv, "-i", "eth0", "-f", "-q", "-n", "-t", "5", "-T", "2",
                       "-s", str(script), "-x", "hostname:rack-u1", check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr
    env = dict(line.split("=", 1) for line in result.read_text().splitlines() if "=" in line)
    assert env["ip"] in POOL
    assert env["subnet"] == "255.255.255.0"
    assert env["router"].split()[0] == SERVER_ADDRESS
    assert env["domain"] == "lab.example"
    assert int(env["lease"]) == 3600
    ack = dhcp_events(rackd, type="ACK", address=env["ip"])
    assert len(ack) == 1
    assert ack[0]["mac"] == client.mac
    assert ack[0]["hostname"] == "rack-u1"


def test_dhclient_gets_lease(served, tmp_path):
    lab, rackd, client = served
    dhclient = shutil.which("dhclient")
    if dhclient is None:
        pytest.skip("dhclient is not installed (Debian package isc-dhcp-client)")
    script = tmp_path / "dhclient.sh"
    result = tmp_path / "dhclient.env"
    script.write_text(f"#!/bin/sh\ncase \"$reason\" in BOUND) env > {result};; esac\nexit 0\n")
    script.chmod(0o755)
    proc = client.exec(dhclient, "-1", "-v", "-sf", str(script), "-lf",
                       str(tmp_path / "dhclient.leases"), "-pf", str(tmp_path / "dhclient.pid"),
                       "-cf", "/dev/null", "eth0", check=False, timeout=90)
    assert proc.returncode == 0, proc.stderr
    env = dict(line.split("=", 1) for line in result.read_text().splitlines() if "=" in line)
    assert env["new_ip_address"] in POOL
    assert env["new_subnet_mask"] == "255.255.255.0"
    assert env["new_dhcp_server_identifier"] == SERVER_ADDRESS
    assert dhcp_events(rackd, type="ACK", address=env["new_ip_address"])
    # dhclient stays in the background after -1; the lab teardown ends it.


def test_nak_for_request_from_wrong_subnet(served):
    lab, rackd, client = served
    # INIT-REBOOT: the client asks for the address it had on another network.
    nak = one_reply(probe(client, msg_type=REQUEST, options=[(50, ip_hex("198.51.100.7"))]),
                    NAK)
    assert nak["yiaddr"] == "0.0.0.0"
    assert nak["dst"] == "255.255.255.255"
    assert option_ip(nak, 54) == SERVER_ADDRESS
    assert "51" not in nak["options"]
    assert "subnet" in option_text(nak, 56)
    naks = dhcp_events(rackd, type="NAK", address="198.51.100.7")
    assert len(naks) == 1
    assert naks[0]["mac"] == client.mac


def test_request_for_other_server_ignored(served):
    lab, rackd, client = served
    offer = one_reply(probe(client, msg_type=DISCOVER, flags=BROADCAST), OFFER)
    replies = probe(client, msg_type=REQUEST, flags=BROADCAST, wait=2,
                    options=[(54, ip_hex("192.0.2.254")), (50, ip_hex(offer["yiaddr"]))])
    assert replies == []
    ignored = [e for e in dhcp_events(rackd, type="REQUEST") if "ignored" in e["message"]]
    assert len(ignored) == 1
    assert "192.0.2.254" in ignored[0]["message"]
    assert not dhcp_events(rackd, type="ACK")


def test_release_frees_address(lab, rackd_factory, tmp_path):
    rackd = rackd_factory(lab, pool_config(tmp_path, "192.0.2.100", "192.0.2.100"))
    client = lab.add_client()
    address, _ = dora(client, mac_of(1))
    assert address == "192.0.2.100"
    assert probe(client, mac_of(2), DISCOVER, flags=BROADCAST, wait=2) == []

    replies = probe(client, mac_of(1), RELEASE, ciaddr=address, src=address,
                    dst=SERVER_ADDRESS, options=[(54, ip_hex(SERVER_ADDRESS))], wait=1)
    assert replies == []  # RFC 2131: no reply to RELEASE
    rackd.wait_event(lambda e: e.get("type") == "RELEASE" and e.get("address") == address)
    offer = one_reply(probe(client, mac_of(2), DISCOVER, flags=BROADCAST), OFFER)
    assert offer["yiaddr"] == address


def test_decline_quarantines_address(lab, rackd_factory, tmp_path):
    rackd = rackd_factory(lab, pool_config(tmp_path, "192.0.2.100", "192.0.2.101"))
    client = lab.add_client()
    address, _ = dora(client, mac_of(1))
    assert probe(client, mac_of(1), DECLINE, wait=1,
                 options=[(54, ip_hex(SERVER_ADDRESS)), (50, ip_hex(address))]) == []
    event = rackd.wait_event(lambda e: e.get("type") == "DECLINE" and
                             "quarantined" in e.get("message", ""))
    assert event["level"] == "notice"
    assert event["address"] == address

    # The declining client gets the other address, and no client gets the quarantined one.
    offer = one_reply(probe(client, mac_of(1), DISCOVER, flags=BROADCAST), OFFER)
    assert offer["yiaddr"] != address
    assert probe(client, mac_of(2), DISCOVER, flags=BROADCAST, wait=2) == []
    nak = one_reply(probe(client, mac_of(2), REQUEST, flags=BROADCAST,
                          options=[(50, ip_hex(address))], ciaddr=address), NAK)
    assert nak["yiaddr"] == "0.0.0.0"


def test_inform_gets_configuration_without_lease(lab, rackd_factory, tmp_path):
    rackd = rackd_factory(lab, pool_config(tmp_path, "192.0.2.100", "192.0.2.100"))
    client = lab.add_client()
    client.exec("ip", "addr", "add", "192.0.2.50/24", "dev", "eth0")
    ack = one_reply(probe(client, msg_type=INFORM, ciaddr="192.0.2.50", src="192.0.2.50",
                          options=[(55, "0103060f")]), ACK)
    # RFC 2131 §4.3.5: unicast to ciaddr, no yiaddr, no lease time.
    assert ack["dst"] == "192.0.2.50"
    assert ack["yiaddr"] == "0.0.0.0"
    assert "51" not in ack["options"]
    assert option_ip(ack, 1) == "255.255.255.0"
    assert option_text(ack, 15) == "lab.example"
    assert dhcp_events(rackd, type="INFORM", address="192.0.2.50")
    # The pool's only address was not taken by the INFORM.
    offer = one_reply(probe(client, mac_of(7), DISCOVER, flags=BROADCAST), OFFER)
    assert offer["yiaddr"] == "192.0.2.100"


def test_option_61_wins_over_chaddr(served):
    lab, rackd, client = served
    client_id = [(61, "ff00000001000400112233")]
    address, ack = dora(client, mac_of(1), client_id)
    assert ack["options"]["61"] == client_id[0][1]  # RFC 6842 echo
    # Same client id on another NIC: same client, same address.
    offer = one_reply(probe(client, mac_of(2), DISCOVER, client_id, flags=BROADCAST), OFFER)
    assert offer["yiaddr"] == address
    # Same chaddr without the client id: another client.
    offer = one_reply(probe(client, mac_of(1), DISCOVER, flags=BROADCAST), OFFER)
    assert offer["yiaddr"] != address


def test_returning_client_gets_same_address(served):
    lab, rackd, client = served
    first, _ = dora(client, mac_of(1))
    second, _ = dora(client, mac_of(2))
    assert first != second
    offer = one_reply(probe(client, mac_of(1), DISCOVER, flags=BROADCAST), OFFER)
    assert offer["yiaddr"] == first


def test_full_pool_sends_no_offer_and_logs(lab, rackd_factory, tmp_path):
    rackd = rackd_factory(lab, pool_config(tmp_path, "192.0.2.100", "192.0.2.100"))
    client = lab.add_client()
    one_reply(probe(client, mac_of(1), DISCOVER, flags=BROADCAST), OFFER)
    assert probe(client, mac_of(2), DISCOVER, flags=BROADCAST, wait=2) == []
    event = rackd.wait_event(lambda e: e.get("subsystem") == "dhcp" and
                             "exhausted" in e.get("message", ""))
    assert event["level"] == "warning"
    assert event["mac"] == mac_of(2)
    assert "lab" in event["message"]


def test_malformed_packets_dropped_and_counted(served):
    lab, rackd, client = served
    good = bytes.fromhex("0101060000000001" + "00" * 228) + bytes.fromhex("63825363")
    bad = {
        "truncated header": good[:100],
        "bad cookie": good[:236] + b"\x00\x00\x00\x00" + bytes([53, 1, 1, 255]),
        "option overrun": good + bytes([53, 1, 1, 12, 200, 0x41]),
        "invalid message type": good + bytes([53, 1, 42, 255]),
        "zero chaddr": good + bytes([53, 1, 1, 255]),
        "broadcast chaddr": good[:28] + b"\xff" * 6 + good[34:] + bytes([53, 1, 1, 255]),
    }
    for payload in bad.values():
        assert probe(client, payload=payload.hex(), wait=0.5) == []
    deadline = time.monotonic() + 10
    while True:
        dropped = [e for e in dhcp_events(rackd)
                   if e["message"].startswith("malformed packet")]
        if len(dropped) >= len(bad) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(dropped) == len(bad)
    assert all(e["level"] == "warning" for e in dropped)
    assert all(e["iface"] == "br0" for e in dropped)
    assert all(e["peer"] == "0.0.0.0:68" for e in dropped)
    # The server keeps serving after them.
    one_reply(probe(client, msg_type=DISCOVER, flags=BROADCAST), OFFER)


def test_lease_survives_restart(served):
    lab, rackd, client = served
    address, _ = dora(client, mac_of(1))
    rackd.restart()
    # INIT-REBOOT after the restart: the lease came back from disk.
    ack = one_reply(probe(client, mac_of(1), REQUEST, flags=BROADCAST,
                          options=[(50, ip_hex(address))]), ACK)
    assert ack["yiaddr"] == address
    offer = one_reply(probe(client, mac_of(2), DISCOVER, flags=BROADCAST), OFFER)
    assert offer["yiaddr"] != address
    offer = one_reply(probe(client, mac_of(1), DISCOVER, flags=BROADCAST), OFFER)
    assert offer["yiaddr"] == address


def test_ipxe_gets_script_url(served):
    lab, rackd, client = served
    offer = one_reply(probe(client, msg_type=DISCOVER, options=QEMU_ROM), OFFER)
    # The first three GUID fields arrive little-endian (EFI layout).
    uuid = "13121110-1514-1716-1819-1a1b1c1d1e1f"
    assert option_text(offer, 67) == (
        f"http://{SERVER_ADDRESS}:8080/boot/ipxe?mac={client.mac}&arch=x86_64"
        f"&firmware=bios&uuid={uuid}")
    assert offer["options"]["175"] == "b00101"  # 176 = 1: no ProxyDHCP wait
    assert offer["siaddr"] == "0.0.0.0"
    assert offer["file"] == ""
    assert "66" not in offer["options"]


def test_uefi_pxe_gets_ipxe_over_tftp(served):
    lab, rackd, client = served
    offer = one_reply(probe(client, msg_type=DISCOVER, options=OVMF_PXE, flags=BROADCAST),
                      OFFER)
    assert offer["siaddr"] == SERVER_ADDRESS
    assert offer["file"] == "ipxe/snponly.efi"
    assert option_text(offer, 67) == "ipxe/snponly.efi"
    assert option_text(offer, 66) == SERVER_ADDRESS
    assert "175" not in offer["options"]
    ack = one_reply(probe(client, msg_type=REQUEST, flags=BROADCAST,
                          options=[(54, ip_hex(SERVER_ADDRESS)), (50, ip_hex(offer["yiaddr"])),
                                   *OVMF_PXE]), ACK)
    assert ack["file"] == "ipxe/snponly.efi"


def test_http_boot_gets_url_and_vendor_echo(served):
    lab, rackd, client = served
    offer = one_reply(probe(client, msg_type=DISCOVER, options=HTTP_BOOT, flags=BROADCAST),
                      OFFER)
    assert option_text(offer, 60) == "HTTPClient"
    assert option_text(offer, 67) == f"http://{SERVER_ADDRESS}:8080/boot/assets/ipxe/ipxe.efi"


def test_plain_client_gets_no_boot_options(served):
    lab, rackd, client = served
    offer = one_reply(probe(client, msg_type=DISCOVER, flags=BROADCAST,
                            options=[(60, b"udhcp 1.35.0".hex())]), OFFER)
    for code in ("60", "66", "67", "175"):
        assert code not in offer["options"]
    assert offer["siaddr"] == "0.0.0.0"
    assert offer["file"] == ""


def test_relayed_discover_uses_giaddr_subnet(lab, rackd_factory, tmp_path):
    config = base_config(tmp_path)
    config["subnet remote"] = {"cidr": "198.51.100.0/24", "gateway": "198.51.100.1",
                               "lease_time": 600, "range": "198.51.100.50 198.51.100.59"}
    rackd = rackd_factory(lab, config)
    relay = lab.add_client()
    relay.exec("ip", "addr", "add", "192.0.2.2/24", "dev", "eth0")
    lab.exec("ip", "route", "add", "198.51.100.0/24", "via", "192.0.2.2")
    offer = one_reply(probe(relay, mac_of(9), DISCOVER, giaddr="198.51.100.1", hops=1,
                            src="192.0.2.2", dst=SERVER_ADDRESS, sport=67,
                            eth_src=relay.mac), OFFER)
    assert offer["dst"] == "198.51.100.1"
    assert offer["dport"] == 67
    assert offer["giaddr"] == "198.51.100.1"
    assert offer["yiaddr"].startswith("198.51.100.5")
    assert option_ip(offer, 3) == "198.51.100.1"
    assert option_u32(offer, 51) == 600
    assert dhcp_events(rackd, type="OFFER", address=offer["yiaddr"])


def test_unconfigured_interface_not_served(served):
    lab, rackd, client = served
    # A second bridge in the same namespace that the config does not name.
    lab.exec("ip", "link", "add", "br1", "type", "bridge", "stp_state", "0", "forward_delay", "0")
    lab.exec("ip", "addr", "add", "203.0.113.1/24", "dev", "br1")
    lab.exec("ip", "link", "set", "br1", "up")
    other = lab.add_client()
    lab.exec("ip", "link", "set", "vc1", "nomaster")
    lab.exec("ip", "link", "set", "vc1", "master", "br1", "up")
    assert probe(other, msg_type=DISCOVER, flags=BROADCAST, wait=2) == []
    assert not dhcp_events(rackd, type="DISCOVER", mac=other.mac)


@pytest.mark.parametrize("capture, boot_file", [
    ("captured-qemu-ipxe-bios-discover",
     "/boot/ipxe?mac=52:54:00:00:00:01&arch=x86_64&firmware=bios"),
    ("captured-ovmf-pxe-discover", "ipxe/snponly.efi"),
    ("captured-snponly-discover", "/boot/ipxe?mac=52:54:00:00:00:02&arch=x86_64&firmware=uefi"),
    ("captured-ovmf-http-discover", "/boot/assets/ipxe/ipxe.efi"),
    ("captured-udhcpc-discover", None),
    ("captured-dhclient-discover", None),
])
def test_captured_client_discovers(served, capture, boot_file):
    """Replays DISCOVERs recorded from real firmware and clients (see make-dhcp-corpus.py)."""
    lab, rackd, client = served
    payload = (CAPTURED / capture).read_bytes()
    xid = int.from_bytes(payload[4:8], "big")
    chaddr = payload[28:34].hex(":")
    offer = one_reply(probe(client, chaddr, payload=payload.hex(), xid=xid), OFFER)
    assert offer["yiaddr"] in POOL
    if boot_file is None:
        assert "67" not in offer["options"]
        assert "175" not in offer["options"]
        return
    assert boot_file in option_text(offer, 67)
    if "/boot/ipxe?" in boot_file:
        assert offer["options"]["175"] == "b00101"
    if boot_file == "ipxe/snponly.efi":
        assert offer["file"] == boot_file
        assert offer["siaddr"] == SERVER_ADDRESS
    if "HTTPClient" in payload.decode("latin-1"):
        assert option_text(offer, 60) == "HTTPClient"
