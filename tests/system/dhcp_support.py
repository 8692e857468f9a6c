# SPDX-License-Identifier: Apache-2.0
"""DHCP helpers shared by the system tests: message types, option values and
scapy floods sent from a client namespace (dhcp_flood.py does the sending)."""

import ipaddress
import json
import tempfile
from pathlib import Path

FLOOD = Path(__file__).with_name("dhcp_flood.py")
PYTHON = "/usr/bin/python3"  # Debian's interpreter, which has scapy
DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE = 1, 2, 3, 4, 5, 6, 7


def ip_hex(text):
    """Returns an IPv4 address as the hex of its four bytes, an option value."""
    return ipaddress.IPv4Address(text).packed.hex()


def flood(client, messages, wait=2):
    """Sends messages from client's namespace and returns the replies seen."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as spec:
        json.dump({"iface": client.ifname, "messages": messages, "wait": wait}, spec)
        spec.flush()
        out = client.exec(PYTHON, str(FLOOD), spec.name, timeout=300)
    return json.loads(out.stdout)["replies"]


def of_type(replies, msg_type):
    """Returns the replies of one DHCP message type."""
    return [r for r in replies if r["type"] == msg_type]
