# SPDX-License-Identifier: Apache-2.0
"""Checks for DHCP crash runs: the ACKs a client-side capture saw against the store.

Used by tests/system/test_dhcp_crash.py and bench/dhcp-crash. Standard
library only: the pcap records are parsed here, and the store is read with
Python's own sqlite3 module.
"""

import ipaddress
import sqlite3
import struct
from collections import defaultdict, namedtuple

# One DHCPACK seen on the wire: time is the capture's Unix time in seconds.
Ack = namedtuple("Ack", "mac address xid time lease_time")
# One row of the leases table.
Lease = namedtuple("Lease", "mac state expires")

DHCP_ACK = 5


def options(payload):
    """{code: bytes} of the options of a BOOTP payload (no overload handling)."""
    found = {}
    i = 240
    while i + 1 < len(payload):
        code = payload[i]
        if code == 255:
            break
        if code == 0:
            i += 1
            continue
        found[code] = payload[i + 2:i + 2 + payload[i + 1]]
        i += 2 + payload[i + 1]
    return found


class AckCapture:
    """Reads the DHCPACKs of server from a pcap file that tcpdump is still writing.

    Each read_new() returns the ACKs appended since the last call as
    [Ack], skipping ACKs without a yiaddr (replies to DHCPINFORM). A record
    tcpdump has not finished writing is read next time.
    """

    def __init__(self, pcap_path, server):
        self.path = pcap_path
        self.server = bytes(ipaddress.IPv4Address(server).packed)
        self.offset = 0
        self.endian = None

    def read_new(self):
        with open(self.path, "rb") as f:
            data = f.read()
        if self.endian is None:
            if len(data) < 24:
                return []
            magic = data[:4]
            if magic not in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4"):
                raise ValueError(f"{self.path}: not a pcap file")
            self.endian = "<" if magic == b"\xd4\xc3\xb2\xa1" else ">"
            linktype = struct.unpack(self.endian + "I", data[20:24])[0]
            if linktype != 1:
                raise ValueError(f"{self.path}: link type {linktype}, expected Ethernet")
            self.offset = 24
        acks = []
        while self.offset + 16 <= len(data):
            seconds, micros, caplen = struct.unpack(self.endian + "III",
                                                    data[self.offset:self.offset + 12])
            end = self.offset + 16 + caplen
            if end > len(data):
                break
            ack = self._ack(data[self.offset + 16:end], seconds + micros / 1e6)
            if ack is not None:
                acks.append(ack)
            self.offset = end
        return acks

    def _ack(self, frame, time):
        """An Ack when frame is an Ethernet/IPv4/UDP DHCPACK from the server, else None."""
        if len(frame) < 14 + 20 + 8 + 240 or frame[12:14] != b"\x08\x00":
            return None
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 17 or ip[12:16] != self.server:
            return None
        payload = ip[ihl + 8:]
        if len(payload) < 240 or payload[0] != 2:
            return None
        found = options(payload)
        if found.get(53) != bytes([DHCP_ACK]) or len(found.get(51, b"")) != 4:
            return None
        address = str(ipaddress.IPv4Address(payload[16:20]))
        return Ack(mac=payload[28:34].hex(":"), address=address,
                   xid=struct.unpack("!I", payload[4:8])[0], time=time,
                   lease_time=struct.unpack("!I", found[51])[0])


def stored_leases(db_path):
    """{address: Lease} of every lease row in rackd's store."""
    db = sqlite3.connect(str(db_path), timeout=30)
    try:
        rows = db.execute("SELECT address, mac, state, expires FROM leases").fetchall()
    finally:
        db.close()
    return {str(ipaddress.IPv4Address(a)): Lease(mac, state, expires)
            for a, mac, state, expires in rows}


def find_problems(acks, leases):
    """Returns a list of texts, one per broken promise; empty when all ACKs are durable.

    Promises: every ACKed address is stored as a bound lease (state 1) of the
    MAC it was ACKed to, expiring no earlier than that ACK stated (the server
    stamps whole seconds, hence one second of slack); no address was ever
    ACKed to two MACs; no MAC was ACKed two addresses (which would mean the
    server forgot its lease).
    """
    problems = []
    macs_of = defaultdict(set)
    addresses_of = defaultdict(set)
    for ack in acks:
        macs_of[ack.address].add(ack.mac)
        addresses_of[ack.mac].add(ack.address)
    for address, macs in sorted(macs_of.items()):
        if len(macs) > 1:
            problems.append(f"{address} was ACKed to {len(macs)} clients: {sorted(macs)}")
    for mac, addresses in sorted(addresses_of.items()):
        if len(addresses) > 1:
            problems.append(f"{mac} was ACKed {len(addresses)} addresses: {sorted(addresses)}")
    for ack in acks:
        row = leases.get(ack.address)
        if row is None:
            problems.append(f"{ack.address} was ACKed to {ack.mac} but is not in the store")
        elif row.state != 1 or row.mac != ack.mac:
            problems.append(f"{ack.address} was ACKed to {ack.mac} but the store has {row}")
        elif row.expires < int(ack.time) + ack.lease_time - 1:
            problems.append(f"{ack.address} was ACKed to {ack.mac} at {ack.time:.3f} for"
                            f" {ack.lease_time} s but the store has it expire at {row.expires}")
    return problems
