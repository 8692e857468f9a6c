# SPDX-License-Identifier: Apache-2.0
"""Send one hand-made DHCP message with scapy and report the replies as JSON.

Runs inside a client namespace (`ip netns exec NS python3 dhcp_probe.py SPEC`),
because scapy's sockets belong to the namespace of the process. SPEC is a JSON
object:

    iface, mac      interface to send on; chaddr and Ethernet source
    type            DHCP message type number (option 53), or null for none
    options         [[code, "hex value"], ...] after option 53, in order
    xid, flags, ciaddr, giaddr, hops, sname, file   BOOTP header fields
    payload         hex of a whole UDP payload to send instead (malformed tests)
    src, dst        IPv4 source and destination (0.0.0.0 / 255.255.255.255)
    sport, dport    UDP ports (68 / 67)
    wait            seconds to listen for replies (default 3)
    expect          stop listening after this many replies (default 1)

Prints {"replies": [...]}, each reply with its IP/UDP addressing, the BOOTP
header fields and "options": {code: hex}, where repeated options are joined
and options carried in file/sname (option 52) are included.
"""

import ipaddress
import json
import struct
import sys
import time

from scapy.all import BOOTP, IP, UDP, AsyncSniffer, Ether, Raw, conf, sendp  # noqa: E402

MAGIC = b"\x63\x82\x53\x63"


def ip_bytes(text):
    return ipaddress.IPv4Address(text).packed


def build(spec):
    if spec.get("payload") is not None:
        return bytes.fromhex(spec["payload"])
    mac = bytes.fromhex(spec["mac"].replace(":", ""))
    header = struct.pack("!BBBBIHH4s4s4s4s", 1, 1, 6, spec.get("hops", 0), spec["xid"], 0,
                         spec.get("flags", 0), ip_bytes(spec.get("ciaddr", "0.0.0.0")),
                         bytes(4), bytes(4), ip_bytes(spec.get("giaddr", "0.0.0.0")))
    body = header + mac.ljust(16, b"\0")
    body += bytes.fromhex(spec.get("sname", "")).ljust(64, b"\0")
    body += bytes.fromhex(spec.get("file", "")).ljust(128, b"\0")
    body += MAGIC
    if spec.get("type") is not None:
        body += bytes([53, 1, spec["type"]])
    for code, value in spec.get("options", []):
        data = bytes.fromhex(value)
        body += bytes([code, len(data)]) + data
    body += b"\xff"
    return body.ljust(300, b"\0")


def walk(area, options):
    i = 0
    while i < len(area):
        code = area[i]
        if code == 0:
            i += 1
            continue
        if code == 255 or i + 1 >= len(area):
            break
        n = area[i + 1]
        options.setdefault(code, b"")
        options[code] += area[i + 2:i + 2 + n]
        i += 2 + n


def parse(payload):
    op, _, _, _, xid, _, flags = struct.unpack("!BBBBIHH", payload[:12])
    addrs = [str(ipaddress.IPv4Address(payload[o:o + 4])) for o in (12, 16, 20, 24)]
    sname, file = payload[44:108], payload[108:236]
    options = {}
    walk(payload[240:], options)
    overload = options.get(52, b"\0")[0]
    if overload & 1:
        walk(file, options)
        file = b""
    if overload & 2:
        walk(sname, options)
        sname = b""
    return {
        "op": op, "xid": xid, "flags": flags,
        "ciaddr": addrs[0], "yiaddr": addrs[1], "siaddr": addrs[2], "giaddr": addrs[3],
        "chaddr": payload[28:34].hex(":"),
        "sname": sname.split(b"\0")[0].decode(errors="replace"),
        "file": file.split(b"\0")[0].decode(errors="replace"),
        "options": {str(k): v.hex() for k, v in options.items()},
    }


def main():
    spec = json.loads(sys.argv[1])
    conf.verb = 0
    iface = spec["iface"]
    sport, dport = spec.get("sport", 68), spec.get("dport", 67)
    xid = spec.get("xid", 0)

    def is_reply(pkt):
        return (UDP in pkt and pkt[UDP].sport == dport and BOOTP in pkt
                and pkt[BOOTP].op == 2 and pkt[BOOTP].xid == xid)

    got = []
    sniffer = AsyncSniffer(iface=iface, lfilter=is_reply, prn=got.append, store=False)
    sniffer.start()
    time.sleep(0.3)
    frame = (Ether(src=spec.get("eth_src", spec.get("mac")), dst="ff:ff:ff:ff:ff:ff")
             / IP(src=spec.get("src", "0.0.0.0"), dst=spec.get("dst", "255.255.255.255"))
             / UDP(sport=sport, dport=dport) / Raw(build(spec)))
    sendp(frame, iface=iface)
    deadline = time.monotonic() + spec.get("wait", 3)
    while time.monotonic() < deadline:
        if len(got) >= spec.get("expect", 1):
            break
        time.sleep(0.05)
    sniffer.stop()
    replies = []
    for pkt in got:
        reply = parse(bytes(pkt[UDP].payload))
        reply.update({"src": pkt[IP].src, "dst": pkt[IP].dst, "dport": pkt[UDP].dport,
                      "eth_dst": pkt[Ether].dst})
        replies.append(reply)
    print(json.dumps({"replies": replies}))


if __name__ == "__main__":
    main()
