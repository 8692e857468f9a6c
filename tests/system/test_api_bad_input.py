# SPDX-License-Identifier: Apache-2.0
"""REST API: a table of bad requests per endpoint. Each must get the
expected 4xx status and the API's error shape, and none may get a 5xx or
change anything."""

import json

import pytest

from api_support import ApiServer, assert_error


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ApiServer(tmp_path_factory.mktemp("bad-input"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def ids(server):
    """Objects the PATCH and allocate cases point at."""
    api = server.client("admin")
    site = api.create("/api/v1/sites", {"name": "bad-site"})
    rack = api.create("/api/v1/racks", {"site_id": site["id"], "name": "bad-rack"})
    tag = api.create("/api/v1/tags", {"name": "bad-tag"})
    machine = api.create("/api/v1/machines", {"mac": "52:54:04:00:00:01"})
    subnet = api.create("/api/v1/subnets", {"name": "bad-net", "cidr": "10.90.0.0/24",
                                            "ranges": [{"first": "10.90.0.100",
                                                        "last": "10.90.0.110"}]})
    address = api.create("/api/v1/ip-addresses", {"address": "10.90.0.5"})
    token = api.create("/api/v1/tokens", {"name": "bad-token", "role": "reader"})
    out = {"site": site["id"], "rack": rack["id"], "tag": tag["id"],
           "machine": machine["id"], "interface": machine["interfaces"][0]["id"],
           "subnet": subnet["id"], "range": subnet["ranges"][0]["id"],
           "address": address["id"], "token": token["id"]}
    api.close()
    return out


LONG = "x" * 300
CTRL = "a\nb"

# (name, method, path, body, status, code, field); body is a dict (sent as
# JSON) or bytes (sent as they are). Paths may use {site}, {machine} etc.
CASES = [
    # Any body
    ("not json", "POST", "/api/v1/sites", b"{", 400, "invalid_json", None),
    ("json array", "POST", "/api/v1/sites", b"[]", 400, "invalid_json", None),
    ("json string", "POST", "/api/v1/sites", b'"site"', 400, "invalid_json", None),
    ("empty body", "POST", "/api/v1/sites", b"", 400, "invalid_json", None),
    ("duplicate keys", "POST", "/api/v1/sites", b'{"name":"a","name":"b"}', 400,
     "invalid_json", None),
    ("invalid utf-8", "POST", "/api/v1/sites", b'{"name":"\xff\xfe"}', 400, "invalid_json",
     None),
    ("nul in string", "POST", "/api/v1/sites", b'{"name":"a\\u0000b"}', 400, "invalid_json",
     None),
    ("deep nesting", "POST", "/api/v1/sites", b"[" * 5000 + b"]" * 5000, 400, "invalid_json",
     None),
    ("huge integer", "POST", "/api/v1/racks", b'{"site_id":1,"name":"r","height":'
     + b"9" * 40 + b"}", 400, "invalid_json", None),
    ("huge body", "POST", "/api/v1/sites",
     b'{"name":"big","description":"' + b"x" * (2 << 20) + b'"}', 413, "body_too_large", None),
    # Sites
    ("site no name", "POST", "/api/v1/sites", {}, 400, "missing_field", "name"),
    ("site null name", "POST", "/api/v1/sites", {"name": None}, 400, "missing_field", "name"),
    ("site empty name", "POST", "/api/v1/sites", {"name": ""}, 400, "invalid_field", "name"),
    ("site name number", "POST", "/api/v1/sites", {"name": 7}, 400, "invalid_type", "name"),
    ("site name unicode", "POST", "/api/v1/sites", {"name": "zürich"}, 400, "invalid_field",
     "name"),
    ("site name space", "POST", "/api/v1/sites", {"name": "a b"}, 400, "invalid_field", "name"),
    ("site name long", "POST", "/api/v1/sites", {"name": "a" * 64}, 400, "invalid_field",
     "name"),
    ("site description long", "POST", "/api/v1/sites", {"name": "ok1", "description": LONG},
     400, "invalid_field", "description"),
    ("site description control", "POST", "/api/v1/sites",
     {"name": "ok2", "description": CTRL}, 400, "invalid_field", "description"),
    ("site unknown field", "POST", "/api/v1/sites", {"name": "ok3", "colour": "red"}, 400,
     "unknown_field", "colour"),
    ("site id field", "PATCH", "/api/v1/sites/{site}", {"id": 9}, 400, "read_only_field",
     "id"),
    ("site patch array", "PATCH", "/api/v1/sites/{site}", b"[1]", 400, "invalid_json", None),
    # Racks
    ("rack site string", "POST", "/api/v1/racks", {"site_id": "1", "name": "r"}, 400,
     "invalid_type", "site_id"),
    ("rack site zero", "POST", "/api/v1/racks", {"site_id": 0, "name": "r"}, 400,
     "invalid_field", "site_id"),
    ("rack site negative", "POST", "/api/v1/racks", {"site_id": -4, "name": "r"}, 400,
     "invalid_field", "site_id"),
    ("rack height zero", "POST", "/api/v1/racks", {"site_id": 1, "name": "r", "height": 0},
     400, "invalid_field", "height"),
    ("rack height float", "POST", "/api/v1/racks",
     {"site_id": 1, "name": "r", "height": 4.5}, 400, "invalid_type", "height"),
    ("rack height huge", "PATCH", "/api/v1/racks/{rack}", {"height": 101}, 400,
     "invalid_field", "height"),
    ("rack missing site", "POST", "/api/v1/racks", {"name": "r"}, 400, "missing_field",
     "site_id"),
    # Tags
    ("tag slash", "POST", "/api/v1/tags", {"name": "a/b"}, 400, "invalid_field", "name"),
    ("tag machines field", "PATCH", "/api/v1/tags/{tag}", {"machines": 3}, 400,
     "read_only_field", "machines"),
    # Machines
    ("mac garbage", "POST", "/api/v1/machines", {"mac": "zz"}, 400, "invalid_mac", "mac"),
    ("mac short", "POST", "/api/v1/machines", {"mac": "52:54:00:ab:cd"}, 400, "invalid_mac",
     "mac"),
    ("mac mixed separators", "POST", "/api/v1/machines", {"mac": "52:54-00:ab:cd:ef"}, 400,
     "invalid_mac", "mac"),
    ("mac number", "POST", "/api/v1/machines", {"mac": 525400}, 400, "invalid_type", "mac"),
    ("mac empty", "POST", "/api/v1/machines", {"mac": ""}, 400, "invalid_field", "mac"),
    ("hostname upper", "POST", "/api/v1/machines", {"hostname": "Node1"}, 400,
     "invalid_field", "hostname"),
    ("hostname hyphen", "POST", "/api/v1/machines", {"hostname": "-node"}, 400,
     "invalid_field", "hostname"),
    ("hostname dot", "POST", "/api/v1/machines", {"hostname": "a.b"}, 400, "invalid_field",
     "hostname"),
    ("hostname unicode", "POST", "/api/v1/machines", {"hostname": "nöde"}, 400,
     "invalid_field", "hostname"),
    ("hostname emoji", "POST", "/api/v1/machines", {"hostname": "\U0001f680"}, 400,
     "invalid_field", "hostname"),
    ("hostname long", "POST", "/api/v1/machines", {"hostname": "a" * 64}, 400,
     "invalid_field", "hostname"),
    ("state unknown", "POST", "/api/v1/machines", {"state": "flying"}, 400, "invalid_field",
     "state"),
    ("state by patch", "PATCH", "/api/v1/machines/{machine}", {"state": "ready"}, 400,
     "read_only_field", "state"),
    ("state empty", "POST", "/api/v1/machines", {"state": ""}, 400, "invalid_field", "state"),
    ("arch unknown", "POST", "/api/v1/machines", {"arch": "sparc"}, 400, "invalid_field",
     "arch"),
    ("firmware unknown", "POST", "/api/v1/machines", {"firmware": "coreboot"}, 400,
     "invalid_field", "firmware"),
    ("uuid bad", "POST", "/api/v1/machines", {"uuid": "not-a-uuid"}, 400, "invalid_field",
     "uuid"),
    ("position zero", "POST", "/api/v1/machines", {"position": 0}, 400, "invalid_field",
     "position"),
    ("position string", "POST", "/api/v1/machines", {"position": "1"}, 400, "invalid_type",
     "position"),
    ("tags not array", "POST", "/api/v1/machines", {"tags": "gpu"}, 400, "invalid_field",
     "tags"),
    ("tags numbers", "POST", "/api/v1/machines", {"tags": [1]}, 400, "invalid_field", "tags"),
    ("tags twice", "POST", "/api/v1/machines", {"tags": ["a", "a"]}, 400, "invalid_field",
     "tags"),
    ("tags too many", "POST", "/api/v1/machines", {"tags": [f"t{i}" for i in range(33)]},
     400, "invalid_field", "tags"),
    ("site bool", "POST", "/api/v1/machines", {"site_id": True}, 400, "invalid_type",
     "site_id"),
    ("machine patch mac", "PATCH", "/api/v1/machines/{machine}", {"mac": "52:54:00:00:00:09"},
     400, "read_only_field", "mac"),
    ("machine patch cpus", "PATCH", "/api/v1/machines/{machine}", {"cpu_count": 64}, 400,
     "read_only_field", "cpu_count"),
    ("machine patch null body", "PATCH", "/api/v1/machines/{machine}", b"null", 400,
     "invalid_json", None),
    # Interfaces
    ("iface no machine", "POST", "/api/v1/interfaces", {"mac": "52:54:04:00:00:02"}, 400,
     "missing_field", "machine_id"),
    ("iface no mac", "POST", "/api/v1/interfaces", {"machine_id": 1}, 400, "missing_field",
     "mac"),
    ("iface pxe string", "POST", "/api/v1/interfaces",
     {"machine_id": 1, "mac": "52:54:04:00:00:02", "pxe": "yes"}, 400, "invalid_type", "pxe"),
    ("iface name space", "PATCH", "/api/v1/interfaces/{interface}", {"name": "eth 0"}, 400,
     "invalid_field", "name"),
    ("iface name long", "PATCH", "/api/v1/interfaces/{interface}", {"name": "e" * 16}, 400,
     "invalid_field", "name"),
    # Subnets
    ("cidr no length", "POST", "/api/v1/subnets", {"name": "s", "cidr": "10.1.0.0"}, 400,
     "invalid_cidr", "cidr"),
    ("cidr length 33", "POST", "/api/v1/subnets", {"name": "s", "cidr": "10.1.0.0/33"}, 400,
     "invalid_cidr", "cidr"),
    ("cidr length 129", "POST", "/api/v1/subnets", {"name": "s", "cidr": "2001:db8::/129"},
     400, "invalid_cidr", "cidr"),
    ("cidr banana", "POST", "/api/v1/subnets", {"name": "s", "cidr": "banana"}, 400,
     "invalid_cidr", "cidr"),
    ("cidr empty", "POST", "/api/v1/subnets", {"name": "s", "cidr": ""}, 400,
     "invalid_field", "cidr"),
    ("cidr two slashes", "POST", "/api/v1/subnets", {"name": "s", "cidr": "10.1.0.0/24/1"},
     400, "invalid_cidr", "cidr"),
    ("cidr v4 mapped", "POST", "/api/v1/subnets", {"name": "s", "cidr": "::ffff:10.1.0.0/120"},
     400, "invalid_cidr", "cidr"),
    ("cidr leading zero", "POST", "/api/v1/subnets", {"name": "s", "cidr": "010.1.0.0/24"},
     400, "invalid_cidr", "cidr"),
    ("cidr missing", "POST", "/api/v1/subnets", {"name": "s"}, 400, "missing_field", "cidr"),
    ("gateway bad", "POST", "/api/v1/subnets",
     {"name": "s", "cidr": "10.1.0.0/24", "gateway": "10.1.0"}, 400, "invalid_address",
     "gateway"),
    ("dns not array", "POST", "/api/v1/subnets",
     {"name": "s", "cidr": "10.1.0.0/24", "dns": "10.1.0.1"}, 400, "invalid_field", "dns"),
    ("dns five", "POST", "/api/v1/subnets",
     {"name": "s", "cidr": "10.1.0.0/24", "dns": ["10.1.0.1"] * 5}, 400, "invalid_field",
     "dns"),
    ("dns number", "POST", "/api/v1/subnets", {"name": "s", "cidr": "10.1.0.0/24", "dns": [1]},
     400, "invalid_address", "dns"),
    ("lease time short", "POST", "/api/v1/subnets",
     {"name": "s", "cidr": "10.1.0.0/24", "lease_time": 10}, 400, "invalid_field",
     "lease_time"),
    ("lease time string", "POST", "/api/v1/subnets",
     {"name": "s", "cidr": "10.1.0.0/24", "lease_time": "3600"}, 400, "invalid_type",
     "lease_time"),
    ("vlan zero", "POST", "/api/v1/subnets", {"name": "s", "cidr": "10.1.0.0/24", "vlan": 0},
     400, "invalid_field", "vlan"),
    ("vlan 4095", "PATCH", "/api/v1/subnets/{subnet}", {"vlan": 4095}, 400, "invalid_field",
     "vlan"),
    ("domain bad", "POST", "/api/v1/subnets",
     {"name": "s", "cidr": "10.1.0.0/24", "domain": "bad_domain!"}, 400, "invalid_field",
     "domain"),
    ("domain empty label", "POST", "/api/v1/subnets",
     {"name": "s", "cidr": "10.1.0.0/24", "domain": "a..b"}, 400, "invalid_field", "domain"),
    ("interface space", "POST", "/api/v1/subnets",
     {"name": "s", "cidr": "10.1.0.0/24", "interface": "br 0"}, 400, "invalid_field",
     "interface"),
    ("dhcp string", "POST", "/api/v1/subnets", {"name": "s", "cidr": "10.1.0.0/24",
                                                "dhcp": "yes"}, 400, "invalid_type", "dhcp"),
    ("inline range bad", "POST", "/api/v1/subnets",
     {"name": "s", "cidr": "10.1.0.0/24", "ranges": [{"first": "x", "last": "10.1.0.9"}]},
     400, "invalid_address", "ranges"),
    ("inline range outside", "POST", "/api/v1/subnets",
     {"name": "s", "cidr": "10.1.0.0/24", "ranges": [{"first": "10.2.0.1",
                                                     "last": "10.2.0.9"}]},
     422, "range_outside_subnet", "ranges"),
    ("inline range extra", "POST", "/api/v1/subnets",
     {"name": "s", "cidr": "10.1.0.0/24",
      "ranges": [{"first": "10.1.0.1", "last": "10.1.0.9", "size": 9}]},
     400, "unknown_field", "ranges"),
    ("subnet patch ranges", "PATCH", "/api/v1/subnets/{subnet}", {"ranges": []}, 400,
     "read_only_field", "ranges"),
    ("subnet patch family", "PATCH", "/api/v1/subnets/{subnet}", {"family": 6}, 400,
     "read_only_field", "family"),
    # Ranges
    ("range first bad", "POST", "/api/v1/ranges",
     {"subnet_id": 1, "first": "10.90.0.300", "last": "10.90.0.9"}, 400, "invalid_address",
     "first"),
    ("range kind bad", "POST", "/api/v1/ranges",
     {"subnet_id": 1, "first": "10.90.0.1", "last": "10.90.0.9", "kind": "static"}, 400,
     "invalid_field", "kind"),
    ("range no last", "POST", "/api/v1/ranges", {"subnet_id": 1, "first": "10.90.0.1"}, 400,
     "missing_field", "last"),
    ("range mixed family", "PATCH", "/api/v1/ranges/{range}", {"last": "2001:db8::1"}, 422,
     "invalid_range", "last"),
    # IP addresses
    ("address empty", "POST", "/api/v1/ip-addresses", {"address": ""}, 400, "invalid_field",
     "address"),
    ("address octet", "POST", "/api/v1/ip-addresses", {"address": "10.90.0.256"}, 400,
     "invalid_address", "address"),
    ("address leading zero", "POST", "/api/v1/ip-addresses", {"address": "10.90.0.05"}, 400,
     "invalid_address", "address"),
    ("address zone", "POST", "/api/v1/ip-addresses", {"address": "fe80::1%eth0"}, 400,
     "invalid_address", "address"),
    ("address v4 mapped", "POST", "/api/v1/ip-addresses", {"address": "::ffff:10.90.0.7"},
     400, "invalid_address", "address"),
    ("address cidr", "POST", "/api/v1/ip-addresses", {"address": "10.90.0.7/24"}, 400,
     "invalid_address", "address"),
    ("address kind bad", "POST", "/api/v1/ip-addresses",
     {"address": "10.90.0.7", "kind": "floating"}, 400, "invalid_field", "kind"),
    ("address iface string", "POST", "/api/v1/ip-addresses",
     {"address": "10.90.0.7", "interface_id": "x"}, 400, "invalid_type", "interface_id"),
    ("address dns name", "POST", "/api/v1/ip-addresses",
     {"address": "10.90.0.7", "dns_name": "a..b"}, 400, "invalid_field", "dns_name"),
    ("address patch subnet", "PATCH", "/api/v1/ip-addresses/{address}", {"subnet_id": 1},
     400, "read_only_field", "subnet_id"),
    ("allocate unknown field", "POST", "/api/v1/subnets/{subnet}/allocate", {"count": 2},
     400, "unknown_field", "count"),
    ("allocate kind bad", "POST", "/api/v1/ranges/{range}/allocate", {"kind": "x"}, 400,
     "invalid_field", "kind"),
    ("allocate not json", "POST", "/api/v1/subnets/{subnet}/allocate", b"{x", 400,
     "invalid_json", None),
    # Tokens
    ("token role bad", "POST", "/api/v1/tokens", {"name": "t", "role": "root"}, 400,
     "invalid_field", "role"),
    ("token no name", "POST", "/api/v1/tokens", {"role": "reader"}, 400, "missing_field",
     "name"),
    ("token secret field", "PATCH", "/api/v1/tokens/{token}", {"token": "x"}, 400,
     "read_only_field", "token"),
    # Query strings
    ("limit zero", "GET", "/api/v1/machines?limit=0", None, 400, "invalid_parameter", "limit"),
    ("limit big", "GET", "/api/v1/machines?limit=1001", None, 400, "invalid_parameter",
     "limit"),
    ("limit text", "GET", "/api/v1/machines?limit=ten", None, 400, "invalid_parameter",
     "limit"),
    ("limit sign", "GET", "/api/v1/machines?limit=+5", None, 400, "invalid_parameter",
     "limit"),
    ("offset negative", "GET", "/api/v1/machines?offset=-1", None, 400, "invalid_parameter",
     "offset"),
    ("after text", "GET", "/api/v1/sites?after=x", None, 400, "invalid_parameter", "after"),
    ("unknown parameter", "GET", "/api/v1/sites?nme=x", None, 400, "unknown_parameter", "nme"),
    ("parameter twice", "GET", "/api/v1/sites?limit=1&limit=2", None, 400,
     "invalid_parameter", "limit"),
    ("parameter long", "GET", "/api/v1/machines?hostname=" + "a" * 300, None, 400,
     "invalid_parameter", "hostname"),
    ("query on item", "GET", "/api/v1/sites/{site}?limit=1", None, 400, "unknown_parameter",
     "limit"),
    ("rack filter site text", "GET", "/api/v1/racks?site=ams", None, 400, "invalid_parameter",
     "site"),
    ("subnet family 5", "GET", "/api/v1/subnets?family=5", None, 400, "invalid_parameter",
     "family"),
    ("lease after v6", "GET", "/api/v1/leases?after=2001:db8::1", None, 400,
     "invalid_parameter", "after"),
    ("lease active maybe", "GET", "/api/v1/leases?active=maybe", None, 400,
     "invalid_parameter", "active"),
    ("interface pxe maybe", "GET", "/api/v1/interfaces?pxe=1", None, 400,
     "invalid_parameter", "pxe"),
    ("token role filter", "GET", "/api/v1/tokens?role=root", None, 400, "invalid_parameter",
     "role"),
    # Messages that quote bytes which are not UTF-8 keep the error shape.
    ("path not utf-8", "GET", "/api/v1/machines/%FF", None, 404, "not_found", None),
    ("route not utf-8", "GET", "/api/v1/nope%FF", None, 404, "not_found", None),
    ("filter not utf-8", "GET", "/api/v1/machines?state=%FF", None, 400, "invalid_parameter",
     "state"),
    ("parameter name not utf-8", "GET", "/api/v1/machines?st%FFate=1", None, 400,
     "unknown_parameter", None),
    ("message cut inside utf-8", "GET", "/api/v1/machines?mac=a" + "%C3%A9" * 100, None, 400,
     "invalid_parameter", "mac"),
    # BMC
    ("bmc password number", "PUT", "/api/v1/machines/{machine}/bmc",
     {"type": "ipmi", "address": "127.0.0.1", "password": 5}, 400, "invalid_type", "password"),
    ("bmc username list", "PUT", "/api/v1/machines/{machine}/bmc",
     {"type": "ipmi", "address": "127.0.0.1", "username": ["a"]}, 400, "invalid_type",
     "username"),
    ("bmc ipmi username long", "PUT", "/api/v1/machines/{machine}/bmc",
     {"type": "ipmi", "address": "127.0.0.1", "username": "u" * 17}, 400, "invalid_field",
     "username"),
    ("bmc ipmi password long", "PUT", "/api/v1/machines/{machine}/bmc",
     {"type": "ipmi", "address": "127.0.0.1", "password": "p" * 21}, 400, "invalid_field",
     "password"),
]


@pytest.mark.parametrize("name,method,path,body,status,code,field", CASES,
                         ids=[c[0] for c in CASES])
def test_bad_request(server, ids, name, method, path, body, status, code, field):
    api = server.client("admin")
    before = api.get("/api/v1/events?limit=1").body["total"]
    path = path.format(**ids)
    if isinstance(body, bytes):
        r = api.request(method, path, raw=body)
    else:
        r = api.request(method, path, body=body)
    assert_error(r, status, code, field)
    # A rejected request changes nothing.
    assert api.get("/api/v1/events?limit=1").body["total"] == before
    api.close()


def test_wrong_content_type_is_415(server):
    api = server.client("admin")
    r = api.request("POST", "/api/v1/sites", raw=b'{"name":"ct"}',
                    headers={"Content-Type": "text/plain"})
    assert_error(r, 415, "unsupported_media_type")


def test_bad_if_match(server, ids):
    api = server.client("admin")
    for value in ("abc", '"abc"', '"1", "2"', '"-1"', '"' + "9" * 30 + '"'):
        r = api.patch(f"/api/v1/sites/{ids['site']}", {"description": "d"},
                      headers={"If-Match": value})
        assert_error(r, 400, "invalid_header", "If-Match")


def test_oversized_header_rejected(server):
    api = server.client("admin")
    # libmicrohttpd answers these itself (its own body, not the API's error shape).
    r = api.get("/api/v1/machines", headers={"X-Padding": "p" * (128 << 10)})
    assert 400 <= r.status < 500
    r = api.get("/api/v1/machines?hostname=" + "h" * (128 << 10))
    assert 400 <= r.status < 500


def test_oversized_token_rejected(server):
    api = server.client(None)
    r = api.get("/api/v1/machines", headers={"Authorization": "Bearer " + "t" * 1000})
    assert_error(r, 401, "invalid_token")


def test_server_survives(server):
    r = server.client("reader").get("/api/v1/whoami")
    assert r.status == 200
    assert not server.log_events(level="error"), server.tail()
