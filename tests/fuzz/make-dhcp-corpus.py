#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Write the seed corpus of the DHCP fuzz target into tests/fuzz/corpus/dhcp/.

The option sets approximate what each client sends (QEMU's iPXE ROM, OVMF's
PXE client, iPXE snponly.efi, busybox udhcpc 1.35, ISC dhclient 4.4), plus
relayed, overloaded, concatenated and truncated messages.

The captured-* seeds beside them are real messages recorded with tcpdump on a
lab bridge: udhcpc 1.35.0, dhclient 4.4.3, QEMU 7.2's BIOS iPXE ROM, OVMF's
PXE and HTTP boot clients, and Debian's snponly.efi. This script does not
write those.
"""
import os
import struct
import sys

MAGIC = b"\x63\x82\x53\x63"
MAC = bytes.fromhex("525400123456")
UUID = bytes(range(0x10, 0x20))


def header(op=1, flags=0, ciaddr=0, giaddr=0, hops=0, xid=0x1234ABCD, sname=b"", file=b""):
    return (struct.pack("!BBBBIHHIIII", op, 1, 6, hops, xid, 0, flags, ciaddr, 0, 0, giaddr)
            + MAC + bytes(10) + sname.ljust(64, b"\0") + file.ljust(128, b"\0") + MAGIC)


def opt(code, data):
    return bytes([code, len(data)]) + data


def u16(v):
    return struct.pack("!H", v)


def ip(text):
    return bytes(int(x) for x in text.split("."))


def msg(mtype, *options, end=True, **kw):
    body = opt(53, bytes([mtype])) + b"".join(options)
    return header(**kw) + body + (b"\xff" if end else b"")


IPXE_PRL = bytes([1, 3, 6, 7, 12, 15, 17, 26, 43, 60, 66, 67, 119, 128, 129, 130, 131,
                  132, 133, 134, 135, 175, 203])
EDK2_PRL = bytes([1, 2, 3, 4, 5, 6, 12, 13, 15, 17, 18, 22, 23, 28, 40, 41, 42, 43, 50, 51,
                  54, 58, 59, 60, 66, 67, 97, 128, 129, 130, 131, 132, 133, 134, 135])
IPXE_175 = bytes([0xb1, 5, 1, 0x10, 0xec, 0x81, 0x39, 0x13, 1, 1, 0x11, 1, 1, 0x19, 1, 1,
                  0x21, 1, 1, 0x27, 1, 1, 0x15, 1, 1])

SEEDS = {
    "qemu-ipxe-bios-discover": msg(
        1, opt(57, u16(1472)), opt(93, u16(0)), opt(94, b"\x01\x02\x01"),
        opt(60, b"PXEClient:Arch:00000:UNDI:002001"), opt(77, b"iPXE"),
        opt(55, IPXE_PRL), opt(175, IPXE_175), opt(61, b"\x01" + MAC),
        opt(97, b"\x00" + UUID)),
    "ovmf-pxe-discover": msg(
        1, opt(57, u16(1472)), opt(55, EDK2_PRL), opt(97, b"\x00" + UUID),
        opt(94, b"\x01\x03\x00"), opt(93, u16(7)),
        opt(60, b"PXEClient:Arch:00007:UNDI:003000"), flags=0x8000),
    "ovmf-pxe-request": msg(
        3, opt(54, ip("192.0.2.1")), opt(50, ip("192.0.2.100")), opt(57, u16(1472)),
        opt(55, EDK2_PRL), opt(97, b"\x00" + UUID), opt(93, u16(7)),
        opt(60, b"PXEClient:Arch:00007:UNDI:003000"), flags=0x8000),
    "snponly-discover": msg(
        1, opt(57, u16(1472)), opt(93, u16(7)), opt(94, b"\x01\x03\x10"),
        opt(60, b"PXEClient:Arch:00007:UNDI:003010"), opt(77, b"iPXE"),
        opt(55, IPXE_PRL), opt(175, IPXE_175), opt(61, b"\x01" + MAC),
        opt(97, b"\x00" + UUID)),
    "http-boot-discover": msg(
        1, opt(93, u16(16)), opt(60, b"HTTPClient:Arch:00016:UNDI:003000"),
        opt(55, EDK2_PRL), flags=0x8000),
    "udhcpc-discover": msg(
        1, opt(61, b"\x01" + MAC), opt(57, u16(576)), opt(60, b"udhcp 1.35.0"),
        opt(12, b"node1"), opt(55, bytes([1, 3, 6, 12, 15, 28, 42]))),
    "udhcpc-request": msg(
        3, opt(61, b"\x01" + MAC), opt(50, ip("192.0.2.100")), opt(54, ip("192.0.2.1")),
        opt(57, u16(576)), opt(60, b"udhcp 1.35.0"), opt(12, b"node1"),
        opt(55, bytes([1, 3, 6, 12, 15, 28, 42]))),
    "udhcpc-renew": msg(
        3, opt(61, b"\x01" + MAC), opt(57, u16(576)), opt(60, b"udhcp 1.35.0"),
        opt(55, bytes([1, 3, 6, 12, 15, 28, 42])), ciaddr=0xC0000264),
    "dhclient-discover": msg(
        1, opt(50, ip("192.0.2.100")), opt(12, b"node2"),
        opt(55, bytes([1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42]))),
    "dhclient-init-reboot": msg(
        3, opt(50, ip("192.0.2.100")), opt(12, b"node2"),
        opt(55, bytes([1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42]))),
    "relayed-discover": msg(
        1, opt(61, b"\x01" + MAC), opt(82, opt(1, b"eth0/1") + opt(2, b"sw1")),
        giaddr=0xC6336401, hops=1),
    "decline": msg(4, opt(50, ip("192.0.2.100")), opt(54, ip("192.0.2.1"))),
    "release": msg(7, opt(54, ip("192.0.2.1")), ciaddr=0xC0000264),
    "inform": msg(8, opt(55, bytes([1, 3, 6, 15])), ciaddr=0xC0000264),
    "overload-both": msg(
        3, opt(52, b"\x03"), opt(12, b"x-"),
        file=opt(12, b"ab") + opt(50, ip("192.0.2.9")) + b"\xff",
        sname=opt(12, b"cd") + b"\xff"),
    "concatenated": msg(
        1, opt(12, b"rack1-"), opt(55, b"\x01\x03"), opt(12, b"node7"), opt(55, b"\x06")),
    "truncated-option": msg(1, opt(12, b"node1"), end=False)[:-3],
    "truncated-header": msg(1)[:200],
    "bootp-no-type": header() + b"\xff",
    "bad-overload": msg(1, opt(52, b"\x07")),
    "bad-client-id": msg(1, opt(61, b"\x01")),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus", "dhcp")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
