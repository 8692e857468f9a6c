# SPDX-License-Identifier: Apache-2.0
"""REST API: IPv4 and IPv6 subnets, ranges, IP addresses, next-free
allocation rules, utilisation and leases, against rackd on loopback.

Leases are written into the store with Python's sqlite3 module while rackd
runs, as the DHCP server would write them (SQLite WAL allows a second
writer). test_api_dhcp.py covers leases made by a real DHCP client."""

import ipaddress
import sqlite3
import time

import pytest

from api_support import ApiServer, assert_error


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ApiServer(tmp_path_factory.mktemp("ipam"))
    yield srv
    srv.stop()


@pytest.fixture
def admin(server):
    c = server.client("admin")
    yield c
    c.close()


_n = iter(range(1, 1 << 16))


def new_mac():
    n = next(_n)
    return f"52:54:03:00:{n >> 8:02x}:{n & 0xff:02x}"


def put_lease(server, address, subnet_id, mac, expires_in=3600, state=1):
    """Writes a lease row as the DHCP server does (address as a host-order integer)."""
    db = sqlite3.connect(server.workdir / "data" / "rackd.db", timeout=10)
    now = int(time.time())
    client_id = bytes([1]) + bytes.fromhex(mac.replace(":", ""))
    with db:
        db.execute("INSERT OR REPLACE INTO leases (address, subnet_id, client_id, mac,"
                   " hostname, expires, updated, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (int(ipaddress.IPv4Address(address)), subnet_id, client_id, mac, "leased",
                    now + expires_in, now, state))
    db.close()


def allocate(api, path, body=None, status=201):
    r = api.post(path, body if body is not None else {})
    assert r.status == status, r
    return r.body


# Subnets


def test_subnet_v4_crud_and_filters(admin):
    s = admin.create("/api/v1/subnets", {
        "name": "crud4", "cidr": "10.10.0.0/24", "gateway": "10.10.0.1",
        "dns": ["10.10.0.53", "10.10.0.54"], "domain": "crud.example", "vlan": 100,
        "lease_time": 600, "interface": "br9", "dhcp": False,
        "ranges": [{"first": "10.10.0.100", "last": "10.10.0.150"},
                   {"first": "10.10.0.200", "last": "10.10.0.210", "kind": "reserved"}]})
    assert s["family"] == 4
    assert s["cidr"] == "10.10.0.0/24"
    assert s["dns"] == ["10.10.0.53", "10.10.0.54"]
    assert s["vlan"] == 100
    assert s["dhcp"] is False
    assert s["lease_time"] == 600
    assert [(r["first"], r["kind"]) for r in s["ranges"]] == [("10.10.0.100", "dynamic"),
                                                            ("10.10.0.200", "reserved")]
    # The gateway is the one address in use.
    assert s["utilisation"] == {"size": 254, "used": 1, "free": 253, "percent": 0.39}
    r = admin.get(f"/api/v1/subnets/{s['id']}")
    assert r.status == 200
    assert r.body == s
    names = lambda q: [x["name"] for x in admin.get("/api/v1/subnets?" + q).body["items"]]
    assert names("name=crud4") == ["crud4"]
    assert "crud4" in names("family=4")
    assert "crud4" not in names("family=6")
    assert names("vlan=100") == ["crud4"]
    assert names("address=10.10.0.77") == ["crud4"]
    assert names("address=10.11.0.77") == []
    r = admin.patch(f"/api/v1/subnets/{s['id']}", {"gateway": None, "vlan": None,
                                                     "dns": []})
    assert r.status == 200
    assert r.body["gateway"] is None
    assert r.body["vlan"] is None
    assert r.body["dns"] == []
    assert admin.delete(f"/api/v1/subnets/{s['id']}").status == 204
    assert_error(admin.get(f"/api/v1/subnets/{s['id']}"), 404)
    assert admin.get(f"/api/v1/ranges?subnet={s['id']}").body["total"] == 0


def test_subnet_v6(admin):
    s = admin.create("/api/v1/subnets", {"name": "six", "cidr": "2001:DB8:10::/64",
                                         "gateway": "2001:db8:10::1",
                                         "dns": ["2001:db8:10::53"]})
    assert s["family"] == 6
    assert s["cidr"] == "2001:db8:10::/64"
    assert s["gateway"] == "2001:db8:10::1"
    # Counts above 2^53 are JSON numbers, exact only to double precision.
    assert s["utilisation"]["size"] == pytest.approx(2 ** 64 - 1)
    a = allocate(admin, f"/api/v1/subnets/{s['id']}/allocate")
    # ::0 is the Subnet-Router anycast address and ::1 the gateway.
    assert a["address"] == "2001:db8:10::2"
    assert a["family"] == 6
    rg = admin.create("/api/v1/ranges", {"subnet_id": s["id"], "first": "2001:db8:10::1000",
                                         "last": "2001:db8:10::10ff"})
    a = allocate(admin, f"/api/v1/ranges/{rg['id']}/allocate")
    assert a["address"] == "2001:db8:10::1000"
    assert_error(admin.post("/api/v1/subnets", {"name": "six2", "cidr": "2001:db8:10::/48"}),
                 409, "subnet_overlap", "cidr")
    # IPv4 and IPv6 never overlap each other, even ::ffff:0:0/96 style prefixes.
    admin.create("/api/v1/subnets", {"name": "six-zero", "cidr": "::/64"})


def test_subnet_overlap_names_the_other(admin):
    a = admin.create("/api/v1/subnets", {"name": "ov-a", "cidr": "10.20.0.0/16"})
    for cidr in ("10.20.5.0/24", "10.0.0.0/8", "10.20.0.0/16", "10.20.255.255/32"):
        err = assert_error(admin.post("/api/v1/subnets", {"name": "ov-b", "cidr": cidr}), 409,
                           "subnet_overlap", "cidr")
        assert f"subnet {a['id']}" in err["message"]
        assert "ov-a" in err["message"]
    b = admin.create("/api/v1/subnets", {"name": "ov-b", "cidr": "10.21.0.0/16"})
    err = assert_error(admin.patch(f"/api/v1/subnets/{b['id']}", {"cidr": "10.20.0.0/15"}),
                       409, "subnet_overlap")
    assert "ov-a" in err["message"]
    assert_error(admin.post("/api/v1/subnets", {"name": "ov-a", "cidr": "10.30.0.0/16"}), 409,
                 "name_taken", "name")


def test_subnet_rules(admin):
    assert_error(admin.post("/api/v1/subnets", {"name": "r1", "cidr": "10.40.0.5/24"}), 422,
                 "host_bits_set", "cidr")
    assert_error(admin.post("/api/v1/subnets", {"name": "r1", "cidr": "10.40.0.0/24",
                                                "gateway": "10.41.0.1"}), 422,
                 "gateway_outside_subnet", "gateway")
    assert_error(admin.post("/api/v1/subnets", {"name": "r1", "cidr": "10.40.0.0/24",
                                                "gateway": "10.40.0.0"}), 422,
                 "invalid_gateway", "gateway")
    assert_error(admin.post("/api/v1/subnets", {"name": "r1", "cidr": "10.40.0.0/24",
                                                "dns": ["2001:db8::53"]}), 422,
                 "dns_family_mismatch", "dns")
    s = admin.create("/api/v1/subnets", {"name": "r1", "cidr": "10.40.0.0/24"})
    assert_error(admin.patch(f"/api/v1/subnets/{s['id']}", {"cidr": "2001:db8:40::/64"}), 422,
                 "family_change", "cidr")
    allocate(admin, f"/api/v1/subnets/{s['id']}/allocate")
    assert_error(admin.patch(f"/api/v1/subnets/{s['id']}", {"cidr": "10.40.0.128/25"}), 409,
                 "subnet_in_use", "cidr")
    r = admin.patch(f"/api/v1/subnets/{s['id']}", {"cidr": "10.40.0.0/23"})
    assert r.status == 200
    assert r.body["cidr"] == "10.40.0.0/23"
    assert_error(admin.delete(f"/api/v1/subnets/{s['id']}"), 409, "subnet_in_use")


# Ranges


def test_ranges(admin):
    s = admin.create("/api/v1/subnets", {"name": "rg", "cidr": "10.50.0.0/24"})
    r1 = admin.create("/api/v1/ranges", {"subnet_id": s["id"], "first": "10.50.0.10",
                                         "last": "10.50.0.19"})
    assert r1["kind"] == "dynamic"
    assert r1["utilisation"] == {"size": 10, "used": 0, "free": 10, "percent": 0.0}
    err = assert_error(admin.post("/api/v1/ranges", {"subnet_id": s["id"],
                                                      "first": "10.50.0.15",
                                                      "last": "10.50.0.30"}), 409,
                       "range_overlap")
    assert f"range {r1['id']}" in err["message"]
    assert "10.50.0.10-10.50.0.19" in err["message"]
    assert_error(admin.post("/api/v1/ranges", {"subnet_id": s["id"], "first": "10.50.0.250",
                                               "last": "10.50.1.5"}), 422,
                 "range_outside_subnet")
    assert_error(admin.post("/api/v1/ranges", {"subnet_id": s["id"], "first": "10.50.0.30",
                                               "last": "10.50.0.20"}), 422, "invalid_range")
    assert_error(admin.post("/api/v1/ranges", {"subnet_id": 999999, "first": "10.50.0.30",
                                               "last": "10.50.0.40"}), 422,
                 "invalid_reference", "subnet_id")
    r2 = admin.create("/api/v1/ranges", {"subnet_id": s["id"], "first": "10.50.0.20",
                                         "last": "10.50.0.29", "kind": "reserved"})
    kinds = lambda q: [x["id"] for x in admin.get(f"/api/v1/ranges?subnet={s['id']}&" + q)
                       .body["items"]]
    assert kinds("kind=reserved") == [r2["id"]]
    assert kinds("kind=dynamic") == [r1["id"]]
    r = admin.patch(f"/api/v1/ranges/{r2['id']}", {"last": "10.50.0.39"})
    assert r.status == 200
    assert r.body["last"] == "10.50.0.39"
    assert_error(admin.patch(f"/api/v1/ranges/{r2['id']}", {"subnet_id": 1}), 400,
                 "read_only_field", "subnet_id")
    assert admin.delete(f"/api/v1/ranges/{r2['id']}").status == 204


# Allocation


def test_next_free_skips_network_gateway_ranges_and_used(admin):
    s = admin.create("/api/v1/subnets", {
        "name": "alloc", "cidr": "10.60.0.0/24", "gateway": "10.60.0.1",
        "ranges": [{"first": "10.60.0.3", "last": "10.60.0.4"},
                   {"first": "10.60.0.6", "last": "10.60.0.6", "kind": "reserved"}]})
    admin.create("/api/v1/ip-addresses", {"address": "10.60.0.2"})
    got = [allocate(admin, f"/api/v1/subnets/{s['id']}/allocate")["address"]
           for _ in range(3)]
    # .0 network, .1 gateway, .2 taken, .3-.4 dynamic, .6 reserved.
    assert got == ["10.60.0.5", "10.60.0.7", "10.60.0.8"]


def test_allocation_in_a_range(admin):
    s = admin.create("/api/v1/subnets", {"name": "alloc-r", "cidr": "10.61.0.0/24",
                                         "ranges": [{"first": "10.61.0.250",
                                                     "last": "10.61.0.255",
                                                     "kind": "reserved"}]})
    rid = s["ranges"][0]["id"]
    got = [allocate(admin, f"/api/v1/ranges/{rid}/allocate")["address"] for _ in range(5)]
    # The broadcast address stays out even though the range includes it.
    assert got == [f"10.61.0.{i}" for i in range(250, 255)]
    assert_error(admin.post(f"/api/v1/ranges/{rid}/allocate", {}), 409, "no_free_address")
    u = admin.get(f"/api/v1/ranges/{rid}").body["utilisation"]
    assert u["used"] == 5
    assert u["size"] == 6


def test_small_prefixes(admin):
    p31 = admin.create("/api/v1/subnets", {"name": "p31", "cidr": "10.62.0.0/31"})
    got = {allocate(admin, f"/api/v1/subnets/{p31['id']}/allocate")["address"]
           for _ in range(2)}
    assert got == {"10.62.0.0", "10.62.0.1"}
    assert_error(admin.post(f"/api/v1/subnets/{p31['id']}/allocate", {}), 409,
                 "no_free_address")
    p32 = admin.create("/api/v1/subnets", {"name": "p32", "cidr": "10.62.1.7/32"})
    assert allocate(admin, f"/api/v1/subnets/{p32['id']}/allocate")["address"] == "10.62.1.7"
    assert_error(admin.post(f"/api/v1/subnets/{p32['id']}/allocate", {}), 409,
                 "no_free_address")
    p30 = admin.create("/api/v1/subnets", {"name": "p30", "cidr": "10.62.2.0/30"})
    got = [allocate(admin, f"/api/v1/subnets/{p30['id']}/allocate")["address"]
           for _ in range(2)]
    assert got == ["10.62.2.1", "10.62.2.2"]
    assert_error(admin.post(f"/api/v1/subnets/{p30['id']}/allocate", {}), 409,
                 "no_free_address")
    assert admin.get(f"/api/v1/subnets/{p30['id']}").body["utilisation"] == {
        "size": 2, "used": 2, "free": 0, "percent": 100.0}


def test_allocation_binds_interface(admin):
    s = admin.create("/api/v1/subnets", {"name": "bind", "cidr": "10.63.0.0/24"})
    mac = new_mac()
    m = admin.create("/api/v1/machines", {"mac": mac})
    iface = m["interfaces"][0]["id"]
    a = allocate(admin, f"/api/v1/subnets/{s['id']}/allocate",
                 {"interface_id": iface, "kind": "sticky", "dns_name": "bind1.lab.example",
                  "description": "first"})
    assert a["interface_id"] == iface
    assert a["machine_id"] == m["id"]
    assert a["mac"] == mac
    assert a["kind"] == "sticky"
    assert a["dns_name"] == "bind1.lab.example"
    assert_error(admin.post(f"/api/v1/subnets/{s['id']}/allocate", {"interface_id": 999999}),
                 422, "invalid_reference", "interface_id")
    assert_error(admin.post("/api/v1/subnets/999999/allocate", {}), 404, "not_found")
    assert_error(admin.post("/api/v1/ranges/999999/allocate", {}), 404, "not_found")


def test_leased_address_is_not_allocated(server, admin):
    s = admin.create("/api/v1/subnets", {"name": "leased", "cidr": "10.64.0.0/24"})
    put_lease(server, "10.64.0.1", s["id"], new_mac())
    put_lease(server, "10.64.0.2", s["id"], new_mac(), expires_in=-10)
    got = [allocate(admin, f"/api/v1/subnets/{s['id']}/allocate")["address"]
           for _ in range(2)]
    # .1 holds an unexpired lease, .2 an expired one.
    assert got == ["10.64.0.2", "10.64.0.3"]
    u = admin.get(f"/api/v1/subnets/{s['id']}").body["utilisation"]
    assert u["used"] == 3
    assert u["free"] == 251


# IP addresses


def test_ip_address_crud_and_filters(admin):
    s = admin.create("/api/v1/subnets", {"name": "ips", "cidr": "10.70.0.0/24",
                                         "ranges": [{"first": "10.70.0.100",
                                                     "last": "10.70.0.199"}]})
    mac = new_mac()
    m = admin.create("/api/v1/machines", {"mac": mac})
    iface = m["interfaces"][0]["id"]
    a = admin.create("/api/v1/ip-addresses", {"address": "10.70.0.150", "interface_id": iface,
                                              "description": "pinned"})
    assert a["subnet_id"] == s["id"]
    assert a["kind"] == "static"
    assert a["mac"] == mac
    b = admin.create("/api/v1/ip-addresses", {"address": "10.70.0.20", "kind": "dhcp"})
    assert_error(admin.post("/api/v1/ip-addresses", {"address": "10.70.0.150"}), 409,
                 "address_taken", "address")
    assert_error(admin.post("/api/v1/ip-addresses", {"address": "10.71.0.1"}), 422,
                 "no_subnet", "address")
    assert_error(admin.post("/api/v1/ip-addresses", {"address": "10.70.0.255"}), 422,
                 "not_a_host_address", "address")
    assert_error(admin.post("/api/v1/ip-addresses", {"address": "10.70.0.0"}), 422,
                 "not_a_host_address", "address")

    def ids(q):
        r = admin.get("/api/v1/ip-addresses?" + q)
        assert r.status == 200, r
        return sorted(x["id"] for x in r.body["items"])

    assert ids(f"subnet={s['id']}") == sorted([a["id"], b["id"]])
    assert ids(f"range={s['ranges'][0]['id']}") == [a["id"]]
    assert ids("address=10.70.0.150") == [a["id"]]
    assert ids(f"kind=dhcp&subnet={s['id']}") == [b["id"]]
    assert ids(f"interface={iface}") == [a["id"]]
    assert ids(f"machine={m['id']}") == [a["id"]]
    assert ids(f"mac={mac.replace(':', '').upper()}") == [a["id"]]
    assert a["id"] not in ids("family=6")
    r = admin.patch(f"/api/v1/ip-addresses/{a['id']}", {"interface_id": None,
                                                        "kind": "sticky"})
    assert r.status == 200
    assert r.body["interface_id"] is None
    assert r.body["mac"] is None
    assert_error(admin.patch(f"/api/v1/ip-addresses/{a['id']}", {"address": "10.70.0.151"}),
                 400, "read_only_field", "address")
    assert admin.delete(f"/api/v1/ip-addresses/{a['id']}").status == 204
    assert admin.delete(f"/api/v1/ip-addresses/{b['id']}").status == 204
    assert admin.delete(f"/api/v1/subnets/{s['id']}").status == 204


def test_address_leased_to_another_mac_cannot_be_reserved(server, admin):
    s = admin.create("/api/v1/subnets", {"name": "lease-own", "cidr": "10.72.0.0/24"})
    owner, stranger = new_mac(), new_mac()
    put_lease(server, "10.72.0.10", s["id"], owner)
    m_owner = admin.create("/api/v1/machines", {"mac": owner})
    m_other = admin.create("/api/v1/machines", {"mac": stranger})
    err = assert_error(admin.post("/api/v1/ip-addresses", {
        "address": "10.72.0.10", "interface_id": m_other["interfaces"][0]["id"]}), 409,
        "address_leased", "address")
    assert owner in err["message"]
    # The lease holder itself may have its address made static.
    a = admin.create("/api/v1/ip-addresses", {"address": "10.72.0.10",
                                              "interface_id": m_owner["interfaces"][0]["id"]})
    assert a["mac"] == owner


# Leases


def test_leases_read_filter_and_expire(server, admin):
    s = admin.create("/api/v1/subnets", {"name": "leases", "cidr": "10.80.0.0/24"})
    macs = [new_mac() for _ in range(3)]
    put_lease(server, "10.80.0.10", s["id"], macs[0])
    put_lease(server, "10.80.0.11", s["id"], macs[1], expires_in=-5)
    put_lease(server, "10.80.0.12", s["id"], macs[2], state=2)
    r = admin.get(f"/api/v1/leases?subnet={s['id']}")
    assert r.status == 200
    assert r.body["total"] == 3
    first = r.body["items"][0]
    assert first["address"] == "10.80.0.10"
    assert first["mac"] == macs[0]
    assert first["state"] == "bound"
    assert first["active"] is True
    assert first["client_id"] == "01" + macs[0].replace(":", "")

    def addrs(q):
        r = admin.get(f"/api/v1/leases?subnet={s['id']}&" + q)
        assert r.status == 200, r
        return [x["address"] for x in r.body["items"]]

    assert addrs(f"mac={macs[1].upper()}") == ["10.80.0.11"]
    assert addrs("active=true") == ["10.80.0.10"]
    assert addrs("active=false") == ["10.80.0.11", "10.80.0.12"]
    assert addrs("state=released") == ["10.80.0.12"]
    assert addrs("address=10.80.0.11") == ["10.80.0.11"]
    assert addrs("hostname=leased") == ["10.80.0.10", "10.80.0.11", "10.80.0.12"]
    page = admin.get(f"/api/v1/leases?subnet={s['id']}&limit=2").body
    assert page["next_after"] == "10.80.0.11"
    rest = admin.get(f"/api/v1/leases?subnet={s['id']}&limit=2&after=10.80.0.11").body
    assert [x["address"] for x in rest["items"]] == ["10.80.0.12"]
    assert admin.get("/api/v1/leases/10.80.0.10").body["mac"] == macs[0]
    assert admin.delete("/api/v1/leases/10.80.0.10").status == 204
    assert_error(admin.get("/api/v1/leases/10.80.0.10"), 404, "not_found")
    assert_error(admin.delete("/api/v1/leases/10.80.0.10"), 404, "not_found")
    assert_error(admin.get("/api/v1/leases/not-an-ip"), 404, "not_found")
    ev = admin.get("/api/v1/events?object=lease/10.80.0.10").body["items"]
    assert [e["kind"] for e in ev] == ["lease.expired"]
    assert ev[0]["before"]["mac"] == macs[0]
    assert_error(server.client("operator").delete("/api/v1/leases/10.80.0.11"), 403)
