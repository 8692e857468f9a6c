# SPDX-License-Identifier: Apache-2.0
"""Send many DHCP messages from one client namespace and report the replies as JSON.

Runs inside a client namespace (`ip netns exec NS python3 dhcp_flood.py FILE`),
where FILE contains SPEC, a JSON object:

    iface           interface to send on
    messages        [{"mac": "52:54:..", "type": 1, "options": [[code, "hex"], ...],
                      "ciaddr": "192.0.2.x", "giaddr": "192.0.2.y" (both optional)}, ...]
                    sent in order, each with its own xid and the broadcast flag
    wait            seconds to keep listening after the last message (default 2)

Prints {"replies": [{"mac", "type", "yiaddr", "xid"}, ...]} with one entry per
DHCP reply seen, whatever its destination.
"""

import json
import random
import struct
import sys
import time

from scapy.all import BOOTP, IP, UDP, AsyncSniffer, Ether, Raw, conf, sendp  # noqa: E402

MAGIC = b"\x63\x82\x53\x63"


def packed(address):
    return bytes(int(b) for b in address.split(".")) if address else bytes(4)


def build(mac, msg_type, options, xid, ciaddr=None, giaddr=None):
    chaddr = bytes.fromhex(mac.replace(":", ""))
    body = struct.pack("!BBBBIHH4s4s4s4s", 1, 1, 6, 0, xid, 0, 0x8000, packed(ciaddr), bytes(4),
                       bytes(4), packed(giaddr))
    body += chaddr.ljust(16, b"\0") + bytes(64) + bytes(128) + MAGIC
    body += bytes([53, 1, msg_type])
    for code, value in options:
        data = bytes.fromhex(value)
        body += bytes([code, len(data)]) + data
    body += b"\xff"
    return body.ljust(300, b"\0")


def reply_fields(payload):
    xid = struct.unpack("!I", payload[4:8])[0]
    yiaddr = ".".join(str(b) for b in payload[16:20])
    mac = payload[28:34].hex(":")
    msg_type = None
    i = 240
    while i + 1 < len(payload) and payload[i] != 255:
        if payload[i] == 0:
            i += 1
            continue
        if payload[i] == 53:
            msg_type = payload[i + 2]
        i += 2 + payload[i + 1]
    return {"mac": mac, "type": msg_type, "yiaddr": yiaddr, "xid": xid}


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    conf.verb = 0
    iface = spec["iface"]
    got = []

    def is_reply(pkt):
        return UDP in pkt and pkt[UDP].sport == 67 and BOOTP in pkt and pkt[BOOTP].op == 2

    sniffer = AsyncSniffer(iface=iface, lfilter=is_reply,
                           prn=lambda p: got.append(bytes(p[UDP].payload)), store=False)
    sniffer.start()
    time.sleep(0.3)
    frames = []
    for m in spec["messages"]:
        xid = random.getrandbits(32)
        frames.append(Ether(src=m["mac"], dst="ff:ff:ff:ff:ff:ff")
                      / IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67)
                      / Raw(build(m["mac"], m["type"], m.get("options", []), xid,
                               m.get("ciaddr"), m.get("giaddr"))))
    sendp(frames, iface=iface)
    time.sleep(spec.get("wait", 2))
    sniffer.stop()
    print(json.dumps({"replies": [reply_fields(p) for p in got]}))


if __name__ == "__main__":
    main()
