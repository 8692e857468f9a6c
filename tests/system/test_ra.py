# SPDX-License-Identifier: Apache-2.0
"""Router Advertisements from the real rackd: rackd advertises on br0 of a lab
namespace (conftest.py), and ra_probe.py captures them in a client namespace
bridged to br0 and sends Router Solicitations. Needs root and iproute2; scapy
(Debian package python3-scapy) decodes the advertisements independently.
"""

import ipaddress
import json
import time
import sys
from pathlib import Path

import pytest

from conftest import BRIDGE, base_config

PROBE = Path(__file__).resolve().parent / "ra_probe.py"


def start_advertising(lab, rackd_factory, tmp_path):
    """Starts rackd sending advertisements on br0 every 30 min, logging at debug."""
    config = base_config(
        tmp_path,
        server={"data_dir": tmp_path / "data", "boot_dir": tmp_path / "boot",
                "log_level": "debug", "log_format": "json"},
        dhcp={"enabled": False},
        ra={"enabled": True, "interfaces": BRIDGE, "interval": 1800},
    )
    return rackd_factory(lab, config)


def capture(client, count, solicit):
    """Runs the probe on the client's eth0; returns the advertisements it saw."""
    args = [sys.executable, str(PROBE), client.ifname, str(count), "20"]
    if solicit:
        args.append("solicit")
    res = client.exec(*args, check=False, timeout=60)
    ads = [json.loads(line) for line in res.stdout.splitlines() if line.strip()]
    assert len(ads) == count, f"probe saw {len(ads)} advertisements: {res.stderr}"
    return ads


def bridge_info(lab):
    out = json.loads(lab.exec("ip", "-j", "addr", "show", "dev", BRIDGE).stdout)[0]
    lladdrs = [a["local"] for a in out.get("addr_info", [])
               if a["family"] == "inet6" and a.get("scope") == "link"]
    return out["address"], lladdrs


def test_advert_fields(lab, rackd_factory, tmp_path):
    client = lab.add_client()
    rackd = start_advertising(lab, rackd_factory, tmp_path)
    first = capture(client, 1, solicit=False)[0]
    mac, lladdrs = bridge_info(lab)

    assert first["hop_limit"] == 255
    # The client's kernel solicits at link-up, so the first one may be the unicast reply.
    dst = ipaddress.IPv6Address(first["dst"])
    assert dst == ipaddress.IPv6Address("ff02::1") or dst.is_link_local
    assert ipaddress.IPv6Address(first["src"]).is_link_local
    assert first["src"] in lladdrs

    icmp = bytes.fromhex(first["icmp"])
    assert len(icmp) == 24
    assert icmp[0] == 134           # Router Advertisement
    assert icmp[1] == 0             # code
    assert icmp[4] == 0             # cur hop limit: unspecified
    assert icmp[5] == 0             # M and O flags clear: no DHCPv6
    assert icmp[6:8] == b"\0\0"     # router lifetime 0: not a default router
    assert icmp[8:16] == bytes(8)   # reachable time and retrans timer unspecified

    inet6 = pytest.importorskip("scapy.layers.inet6", reason="needs python3-scapy")
    ra = inet6.ICMPv6ND_RA(icmp)
    assert ra.routerlifetime == 0
    assert ra.M == 0
    assert ra.O == 0
    assert ra.haslayer(inet6.ICMPv6NDOptSrcLLAddr)
    assert ra[inet6.ICMPv6NDOptSrcLLAddr].lladdr == mac
    assert not ra.haslayer(inet6.ICMPv6NDOptPrefixInfo)
    rackd.wait_event(lambda e: e.get("subsystem") == "ra"
                     and "advertisement sent on br0" in e.get("message", ""))


def test_solicitations(lab, rackd_factory, tmp_path):
    """The probe sends two invalid solicitations and a valid one after the
    first advertisement. The interval is 30 min, so the next advertisement
    within 20 s is the reply. The probe solicits from its link-local
    address, so the reply is unicast to it (RFC 4861 §6.2.6)."""
    client = lab.add_client()
    rackd = start_advertising(lab, rackd_factory, tmp_path)
    # While duplicate address detection runs the solicitation would come from
    # ::, and the reply would be multicast instead.
    deadline = time.monotonic() + 10
    while "tentative" in client.exec("ip", "-6", "addr", "show", "dev", "eth0").stdout:
        assert time.monotonic() < deadline, "eth0 link-local address stayed tentative"
        time.sleep(0.1)
    ads = capture(client, 2, solicit=True)

    assert bytes.fromhex(ads[1]["icmp"])[0] == 134
    # One of the initial unsolicited advertisements may arrive before the reply.
    for ad in ads[1:]:
        dst = ipaddress.IPv6Address(ad["dst"])
        assert dst == ipaddress.IPv6Address("ff02::1") or dst.is_link_local
    rackd.wait_event(lambda e: e.get("subsystem") == "ra"
                     and "solicited=yes unicast=yes" in e.get("message", ""))
    rackd.wait_event(lambda e: e.get("subsystem") == "ra"
                     and e.get("message", "").startswith("solicitation from fe80:"))
    dropped = [e for e in rackd.events(subsystem="ra")
               if "dropped: invalid" in e.get("message", "")]
    assert len(dropped) == 2, dropped
