# SPDX-License-Identifier: Apache-2.0
"""Router Advertisement probe for test_ra.py, run inside the test's network
namespace: captures advertisements on one interface with a raw ICMPv6 socket
and sends Router Solicitations. Prints one JSON object per captured
advertisement: {"src", "dst", "hop_limit", "icmp" (hex)}.

Usage: ra_probe.py IFACE COUNT TIMEOUT [solicit]
With "solicit", it sends two invalid solicitations (IP hop limit 64, and
ICMPv6 code 1) and one valid one after the first advertisement.
"""

import json
import socket
import struct
import sys
import time

ND_ROUTER_SOLICIT = 133
ND_ROUTER_ADVERT = 134
# struct icmp6_filter is 8 32-bit words; a set bit blocks that ICMPv6 type.
ICMP6_FILTER = 1
IPV6_RECVPKTINFO = 49
IPV6_PKTINFO = 50
IPV6_RECVHOPLIMIT = 51
IPV6_HOPLIMIT = 52


def open_socket(iface):
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    words = [0xFFFFFFFF] * 8
    words[ND_ROUTER_ADVERT >> 5] &= ~(1 << (ND_ROUTER_ADVERT & 31))
    s.setsockopt(socket.IPPROTO_ICMPV6, ICMP6_FILTER, struct.pack("8I", *words))
    s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1)
    s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)
    return s


def solicit(iface, hop_limit, code):
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, hop_limit)
    ifindex = socket.if_nametoindex(iface)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
    packet = struct.pack("!BBHI", ND_ROUTER_SOLICIT, code, 0, 0)
    s.sendto(packet, ("ff02::2", 0, 0, ifindex))
    s.close()


def receive(sock, deadline):
    sock.settimeout(max(0.01, deadline - time.monotonic()))
    data, ancillary, _, addr = sock.recvmsg(2048, 256)
    out = {"src": addr[0].split("%")[0], "icmp": data.hex(), "hop_limit": None, "dst": None}
    for level, kind, value in ancillary:
        if level == socket.IPPROTO_IPV6 and kind == IPV6_HOPLIMIT:
            out["hop_limit"] = struct.unpack("i", value[:4])[0]
        elif level == socket.IPPROTO_IPV6 and kind == IPV6_PKTINFO:
            out["dst"] = socket.inet_ntop(socket.AF_INET6, value[:16])
    return out


def main():
    iface, count, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    send_solicits = len(sys.argv) > 4 and sys.argv[4] == "solicit"
    sock = open_socket(iface)
    deadline = time.monotonic() + timeout
    seen = 0
    while seen < count and time.monotonic() < deadline:
        try:
            print(json.dumps(receive(sock, deadline)), flush=True)
        except socket.timeout:
            break
        seen += 1
        if send_solicits and seen == 1:
            solicit(iface, 64, 0)
            solicit(iface, 255, 1)
            solicit(iface, 255, 0)
    return 0 if seen == count else 1


if __name__ == "__main__":
    sys.exit(main())
