# SPDX-License-Identifier: Apache-2.0
"""REST API: authentication and roles, sites, racks, tags, machines,
interfaces, events, ETags and If-Match, netboot names and reported addresses,
against rackd on loopback."""

import re
import sqlite3
import time

import pytest

from api_support import Api, ApiServer, assert_error


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ApiServer(tmp_path_factory.mktemp("inventory"))
    yield srv
    srv.stop()


@pytest.fixture
def admin(server):
    c = server.client("admin")
    yield c
    c.close()


@pytest.fixture
def operator(server):
    c = server.client("operator")
    yield c
    c.close()


@pytest.fixture
def reader(server):
    c = server.client("reader")
    yield c
    c.close()


_mac_counter = iter(range(1, 1 << 20))


def new_mac():
    n = next(_mac_counter)
    return f"52:54:02:{n >> 16 & 0xff:02x}:{n >> 8 & 0xff:02x}:{n & 0xff:02x}"


# Authentication and roles


def test_missing_token_is_401(server):
    api = server.client(None)
    r = api.get("/api/v1/machines")
    assert_error(r, 401, "unauthorized")
    assert r.headers["www-authenticate"].startswith("Bearer")


def test_unknown_token_is_401(server):
    api = server.client(None)
    r = api.get("/api/v1/machines",
                headers={"Authorization": "Bearer rackd_" + "0" * 64})
    assert_error(r, 401, "invalid_token")
    r = api.get("/api/v1/machines", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert_error(r, 401, "unauthorized")


def test_whoami_per_role(server):
    for role in ("admin", "operator", "reader"):
        r = server.client(role).get("/api/v1/whoami")
        assert r.status == 200
        assert r.body["role"] == role
        assert r.body["name"] == f"test-{role}"


def test_reader_reads_but_cannot_write(reader):
    assert reader.get("/api/v1/machines").status == 200
    assert reader.get("/api/v1/subnets").status == 200
    assert reader.get("/api/v1/events").status == 200
    assert_error(reader.post("/api/v1/machines", {"mac": new_mac()}), 403, "forbidden")
    assert_error(reader.post("/api/v1/sites", {"name": "r-site"}), 403, "forbidden")
    assert_error(reader.get("/api/v1/tokens"), 403, "forbidden")


def test_operator_changes_machines_only(operator, admin):
    m = operator.create("/api/v1/machines", {"mac": new_mac(), "hostname": "op-node"})
    r = operator.patch(f"/api/v1/machines/{m['id']}", {"hostname": "op-node2"})
    assert r.status == 200
    assert r.body["hostname"] == "op-node2"
    i = operator.create("/api/v1/interfaces", {"machine_id": m["id"], "mac": new_mac()})
    assert operator.delete(f"/api/v1/interfaces/{i['id']}").status == 204
    assert_error(operator.post("/api/v1/sites", {"name": "op-site"}), 403, "forbidden")
    assert_error(operator.post("/api/v1/subnets", {"name": "op", "cidr": "198.51.100.0/24"}),
                 403, "forbidden")
    assert_error(operator.get("/api/v1/tokens"), 403, "forbidden")
    assert operator.delete(f"/api/v1/machines/{m['id']}").status == 204


def test_token_created_over_api_works_and_revokes(server, admin):
    t = admin.create("/api/v1/tokens", {"name": "api-made", "role": "reader"})
    assert t["token"].startswith("rackd_")
    assert t["role"] == "reader"
    from api_support import Api
    api = Api(server.port, t["token"])
    assert api.get("/api/v1/whoami").body["name"] == "api-made"
    # The secret is shown once: neither GET nor the audit log repeat it.
    assert "token" not in admin.get(f"/api/v1/tokens/{t['id']}").body
    events = admin.get(f"/api/v1/events?object=token/{t['id']}").body["items"]
    assert events
    assert t["token"] not in str(events)
    assert admin.delete(f"/api/v1/tokens/{t['id']}").status == 204
    assert_error(api.get("/api/v1/whoami"), 401, "invalid_token")


def test_token_expiry_and_last_use(server, admin):
    """A token is rejected from its expires on; its last use is recorded without a new ETag."""
    soon = int(time.time()) + 3
    t = admin.create("/api/v1/tokens", {"name": "short-lived", "role": "reader",
                                        "expires": soon})
    assert t["expires"] == soon
    assert t["last_used"] is None
    etag = admin.get(f"/api/v1/tokens/{t['id']}").headers["etag"]
    api = Api(server.port, t["token"])
    assert api.get("/api/v1/whoami").status == 200
    used = admin.get(f"/api/v1/tokens/{t['id']}")
    assert used.body["last_used"] is not None
    assert abs(used.body["last_used"] - time.time()) < 60
    assert used.headers["etag"] == etag

    while time.time() < soon + 0.2:
        time.sleep(0.2)
    err = assert_error(api.get("/api/v1/whoami"), 401, "token_expired")
    assert "short-lived" in err["message"]
    assert str(soon) in err["message"]
    assert t["token"] not in err["message"]
    warnings = [e for e in server.log_events(level="warning")
                if "API token short-lived rejected: expired" in e["message"]]
    assert warnings, server.tail()

    # An admin can move the expiry; a time in the past is rejected, null removes it.
    err = assert_error(admin.patch(f"/api/v1/tokens/{t['id']}", {"expires": 1000}), 400,
                       "invalid_field", "expires")
    assert "1000" in err["message"]
    assert_error(admin.patch(f"/api/v1/tokens/{t['id']}", {"expires": "tomorrow"}), 400,
                 "invalid_type", "expires")
    r = admin.patch(f"/api/v1/tokens/{t['id']}", {"expires": None})
    assert r.status == 200, r
    assert r.body["expires"] is None
    assert r.headers["etag"] != etag
    assert api.get("/api/v1/whoami").status == 200
    assert_error(admin.post("/api/v1/tokens", {"name": "born-expired", "role": "reader",
                                               "expires": int(time.time()) - 1}),
                 400, "invalid_field", "expires")
    assert_error(admin.post("/api/v1/tokens", {"name": "read-only-use", "role": "reader",
                                               "last_used": 5}),
                 400, "read_only_field", "last_used")


def test_token_names_unique(admin):
    admin.create("/api/v1/tokens", {"name": "dup-token", "role": "reader"})
    assert_error(admin.post("/api/v1/tokens", {"name": "dup-token", "role": "admin"}), 409,
                 "name_taken", "name")
    r = admin.get("/api/v1/tokens?role=admin")
    assert all(t["role"] == "admin" for t in r.body["items"])


# Sites, racks, tags


def test_site_crud(admin):
    s = admin.create("/api/v1/sites", {"name": "fra1", "description": "Frankfurt – hall 3"})
    assert s["description"] == "Frankfurt – hall 3"
    r = admin.get(f"/api/v1/sites/{s['id']}")
    assert r.status == 200
    assert r.body == s
    assert r.headers["etag"] == f'"{s["version"]}"'
    assert [x["id"] for x in admin.get("/api/v1/sites?name=fra1").body["items"]] == [s["id"]]
    r = admin.patch(f"/api/v1/sites/{s['id']}", {"description": "moved"})
    assert r.status == 200
    assert r.body["description"] == "moved"
    assert_error(admin.post("/api/v1/sites", {"name": "fra1"}), 409, "name_taken", "name")
    assert admin.delete(f"/api/v1/sites/{s['id']}").status == 204
    assert_error(admin.get(f"/api/v1/sites/{s['id']}"), 404, "not_found")


def test_rack_needs_site_and_keeps_machines(admin):
    site = admin.create("/api/v1/sites", {"name": "ams1"})
    assert_error(admin.post("/api/v1/racks", {"site_id": 999999, "name": "r1"}), 422,
                 "invalid_reference", "site_id")
    rack = admin.create("/api/v1/racks", {"site_id": site["id"], "name": "r1", "height": 10})
    assert rack["height"] == 10
    assert_error(admin.post("/api/v1/racks", {"site_id": site["id"], "name": "r1"}), 409,
                 "name_taken")
    m = admin.create("/api/v1/machines", {"mac": new_mac(), "rack_id": rack["id"],
                                          "position": 8})
    # The rack sets the machine's site.
    assert m["site_id"] == site["id"]
    assert_error(admin.patch(f"/api/v1/racks/{rack['id']}", {"height": 4}), 409,
                 "rack_too_small", "height")
    assert_error(admin.delete(f"/api/v1/sites/{site['id']}"), 409, "in_use")
    assert admin.delete(f"/api/v1/racks/{rack['id']}").status == 204
    m2 = admin.get(f"/api/v1/machines/{m['id']}").body
    assert m2["rack_id"] is None
    assert m2["position"] is None
    assert m2["site_id"] == site["id"]
    assert admin.delete(f"/api/v1/sites/{site['id']}").status == 204
    assert admin.get(f"/api/v1/machines/{m['id']}").body["site_id"] is None


def test_tags_count_machines_and_rename(admin):
    m = admin.create("/api/v1/machines", {"mac": new_mac(), "tags": ["gpu", "h100"]})
    assert m["tags"] == ["gpu", "h100"]
    tags = {t["name"]: t for t in admin.get("/api/v1/tags?limit=1000").body["items"]}
    assert tags["gpu"]["machines"] >= 1
    before = admin.get(f"/api/v1/machines/{m['id']}").headers["etag"]
    r = admin.patch(f"/api/v1/tags/{tags['h100']['id']}", {"name": "h100-sxm"})
    assert r.status == 200
    after = admin.get(f"/api/v1/machines/{m['id']}")
    assert after.body["tags"] == ["gpu", "h100-sxm"]
    assert after.headers["etag"] != before
    assert admin.delete(f"/api/v1/tags/{tags['gpu']['id']}").status == 204
    assert admin.get(f"/api/v1/machines/{m['id']}").body["tags"] == ["h100-sxm"]


# Machines


def test_machine_create_get_patch_delete(admin):
    mac = new_mac()
    m = admin.create("/api/v1/machines", {
        "hostname": "node-a1", "mac": mac.upper().replace(":", "-"), "arch": "arm64",
        "firmware": "uefi", "uuid": "8F1C7A52-0D3E-4B6A-9C1E-000000000001",
        "tags": ["rack-a"]})
    assert m["mac"] == mac
    assert m["uuid"] == "8f1c7a52-0d3e-4b6a-9c1e-000000000001"
    assert m["state"] == "new"
    assert [i["mac"] for i in m["interfaces"]] == [mac]
    assert m["interfaces"][0]["pxe"] is True
    assert m["facts"] == {}
    r = admin.patch(f"/api/v1/machines/{m['id']}", {"hostname": "node-a2", "arch": "x86_64"})
    assert r.status == 200
    assert r.body["arch"] == "x86_64"
    assert r.body["hostname"] == "node-a2"
    assert r.body["version"] > m["version"]
    # After creation the state belongs to the lifecycle actions.
    err = assert_error(admin.patch(f"/api/v1/machines/{m['id']}", {"state": "ready"}), 400,
                       "read_only_field", "state")
    assert "lifecycle" in err["message"]
    assert admin.delete(f"/api/v1/machines/{m['id']}").status == 204
    assert_error(admin.get(f"/api/v1/machines/{m['id']}"), 404, "not_found")
    assert admin.get(f"/api/v1/interfaces?mac={mac}").body["total"] == 0


def test_machine_conflicts(admin):
    site = admin.create("/api/v1/sites", {"name": "conf-site"})
    other = admin.create("/api/v1/sites", {"name": "conf-other"})
    rack = admin.create("/api/v1/racks", {"site_id": site["id"], "name": "cr", "height": 42})
    mac = new_mac()
    a = admin.create("/api/v1/machines", {"hostname": "conf-a", "mac": mac,
                                          "rack_id": rack["id"], "position": 1})
    assert_error(admin.post("/api/v1/machines", {"hostname": "conf-a"}), 409,
                 "hostname_taken", "hostname")
    assert_error(admin.post("/api/v1/machines", {"mac": mac.replace(":", "")}), 409,
                 "mac_taken", "mac")
    assert_error(admin.post("/api/v1/machines", {"rack_id": rack["id"], "position": 1}), 409,
                 "position_taken", "position")
    assert_error(admin.post("/api/v1/machines", {"rack_id": rack["id"], "position": 43}), 422,
                 "invalid_position", "position")
    assert_error(admin.post("/api/v1/machines", {"position": 3}), 422,
                 "position_without_rack", "position")
    assert_error(admin.post("/api/v1/machines", {"rack_id": rack["id"],
                                                 "site_id": other["id"]}), 422,
                 "rack_site_mismatch", "rack_id")
    assert_error(admin.post("/api/v1/machines", {"rack_id": 987654}), 422,
                 "invalid_reference", "rack_id")
    assert admin.delete(f"/api/v1/machines/{a['id']}").status == 204


def test_machine_filters(admin):
    site = admin.create("/api/v1/sites", {"name": "filter-site"})
    rack = admin.create("/api/v1/racks", {"site_id": site["id"], "name": "filter-rack"})
    subnet = admin.create("/api/v1/subnets", {"name": "filter-net", "cidr": "198.18.0.0/24"})
    mac = "52:54:00:ab:cd:ef"
    m = admin.create("/api/v1/machines", {"hostname": "filter-node", "mac": mac,
                                          "state": "deployed", "tags": ["filter-tag"],
                                          "rack_id": rack["id"], "position": 5})
    plain = admin.create("/api/v1/machines", {"mac": new_mac()})
    iface = m["interfaces"][0]["id"]
    addr = admin.create(f"/api/v1/subnets/{subnet['id']}/allocate", {"interface_id": iface})

    def ids(query):
        r = admin.get("/api/v1/machines?" + query)
        assert r.status == 200, r
        assert r.body["total"] == len(r.body["items"])
        return [x["id"] for x in r.body["items"]]

    for notation in ("52:54:00:ab:cd:ef", "52-54-00-AB-CD-EF", "5254.00ab.cdef",
                     "525400abcdef", "52:54:00:AB:CD:EF"):
        assert ids(f"mac={notation}") == [m["id"]], notation
    assert ids("hostname=filter-node") == [m["id"]]
    assert m["id"] in ids("state=deployed")
    assert plain["id"] not in ids("state=deployed")
    assert ids("tag=filter-tag") == [m["id"]]
    assert ids(f"site={site['id']}") == [m["id"]]
    assert ids("site=filter-site") == [m["id"]]
    assert ids(f"rack={rack['id']}") == [m["id"]]
    assert ids("rack=filter-rack") == [m["id"]]
    assert ids(f"subnet={subnet['id']}") == [m["id"]]
    assert ids(f"address={addr['address']}") == [m["id"]]
    assert ids(f"hostname=filter-node&state=deployed&tag=filter-tag") == [m["id"]]
    assert ids("hostname=filter-node&state=new") == []
    assert ids("tag=no-such-tag") == []
    assert_error(admin.get("/api/v1/machines?mac=52:54:00:zz:cd:ef"), 400,
                 "invalid_parameter", "mac")
    assert_error(admin.get("/api/v1/machines?state=flying"), 400, "invalid_parameter", "state")
    assert_error(admin.get("/api/v1/machines?address=10.0.0.300"), 400, "invalid_parameter",
                 "address")
    assert_error(admin.get("/api/v1/machines?subnet=abc"), 400, "invalid_parameter", "subnet")
    assert_error(admin.get("/api/v1/machines?colour=red"), 400, "unknown_parameter", "colour")


def test_interfaces_and_pxe_flag(admin):
    m = admin.create("/api/v1/machines", {"mac": new_mac()})
    first = m["interfaces"][0]
    second = admin.create("/api/v1/interfaces", {"machine_id": m["id"], "name": "eth1",
                                                 "mac": new_mac(), "pxe": True})
    # At most one boot interface: the new one takes the flag and the machine's MAC.
    assert admin.get(f"/api/v1/interfaces/{first['id']}").body["pxe"] is False
    assert admin.get(f"/api/v1/machines/{m['id']}").body["mac"] == second["mac"]
    listed = admin.get(f"/api/v1/interfaces?machine={m['id']}&pxe=true").body["items"]
    assert [i["id"] for i in listed] == [second["id"]]
    assert admin.get(f"/api/v1/interfaces?name=eth1&machine={m['id']}").body["total"] == 1
    assert_error(admin.post("/api/v1/interfaces", {"machine_id": m["id"],
                                                   "mac": first["mac"]}), 409, "mac_taken")
    assert_error(admin.post("/api/v1/interfaces", {"machine_id": 999999,
                                                   "mac": new_mac()}), 422,
                 "invalid_reference", "machine_id")
    r = admin.patch(f"/api/v1/interfaces/{second['id']}", {"name": "enp1s0"})
    assert r.status == 200
    assert r.body["name"] == "enp1s0"


# ETags and If-Match


def test_etag_if_match(admin):
    m = admin.create("/api/v1/machines", {"mac": new_mac()})
    path = f"/api/v1/machines/{m['id']}"
    etag = admin.get(path).headers["etag"]
    r = admin.patch(path, {"hostname": "etag-1"}, headers={"If-Match": etag})
    assert r.status == 200
    new_etag = r.headers["etag"]
    assert new_etag != etag
    # A second writer holding the old ETag loses.
    assert_error(admin.patch(path, {"hostname": "etag-2"}, headers={"If-Match": etag}), 412,
                 "precondition_failed")
    assert admin.get(path).body["hostname"] == "etag-1"
    assert_error(admin.delete(path, headers={"If-Match": etag}), 412, "precondition_failed")
    assert_error(admin.patch(path, {"hostname": "etag-3"}, headers={"If-Match": "W/" + new_etag}),
                 412, "precondition_failed")
    assert_error(admin.patch(path, {"hostname": "etag-3"}, headers={"If-Match": "3"}), 400,
                 "invalid_header")
    assert admin.patch(path, {"hostname": "etag-3"}, headers={"If-Match": "*"}).status == 200
    cur = admin.get(path).headers["etag"]
    assert admin.delete(path, headers={"If-Match": cur}).status == 204


def test_interface_change_moves_machine_etag(admin):
    # The machine's representation lists its interfaces, so its ETag moves too.
    m = admin.create("/api/v1/machines", {"mac": new_mac()})
    path = f"/api/v1/machines/{m['id']}"
    etag = admin.get(path).headers["etag"]
    admin.create("/api/v1/interfaces", {"machine_id": m["id"], "mac": new_mac()})
    assert admin.get(path).headers["etag"] != etag


def test_unchanged_patch_keeps_version_and_logs_nothing(admin):
    s = admin.create("/api/v1/sites", {"name": "same-site", "description": "x"})
    n_events = admin.get("/api/v1/events?limit=1").body["total"]
    r = admin.patch(f"/api/v1/sites/{s['id']}", {"description": "x"})
    assert r.status == 200
    assert r.body["version"] == s["version"]
    assert admin.get("/api/v1/events?limit=1").body["total"] == n_events


# Events


def test_every_change_writes_an_event(admin, operator):
    m = operator.create("/api/v1/machines", {"mac": new_mac(), "hostname": "ev-node"})
    operator.patch(f"/api/v1/machines/{m['id']}", {"hostname": "ev-node2"})
    operator.delete(f"/api/v1/machines/{m['id']}")
    r = admin.get(f"/api/v1/events?object=machine/{m['id']}")
    assert r.status == 200
    kinds = [e["kind"] for e in r.body["items"]]
    assert kinds == ["machine.created", "machine.updated", "machine.deleted"]
    created, updated, deleted = r.body["items"]
    assert all(e["actor"] == "token:test-operator" for e in r.body["items"])
    assert created["before"] is None
    assert created["after"]["hostname"] == "ev-node"
    assert updated["before"]["hostname"] == "ev-node"
    assert updated["after"]["hostname"] == "ev-node2"
    assert deleted["before"]["hostname"] == "ev-node2"
    assert deleted["after"] is None
    one = admin.get(f"/api/v1/events/{updated['id']}")
    assert one.status == 200
    assert one.body == updated
    assert admin.get("/api/v1/events?kind=machine.deleted&actor=token:test-operator").body[
        "total"] >= 1
    assert_error(admin.post("/api/v1/events", {}), 405, "method_not_allowed")
    assert_error(admin.get("/api/v1/events?since=yesterday"), 400, "invalid_parameter", "since")


# Routing


def test_unknown_routes_and_methods(admin):
    assert_error(admin.get("/api/v1/nothing"), 404, "not_found")
    assert_error(admin.get("/api/v1/machines/abc"), 404, "not_found")
    assert_error(admin.get("/api/v1/machines/0"), 404, "not_found")
    assert_error(admin.get("/api/v1/machines/1/2/3/4"), 404, "not_found")
    r = admin.request("PUT", "/api/v1/machines/1", body={})
    assert_error(r, 405, "method_not_allowed")
    assert "PATCH" in r.headers["allow"]
    r = admin.request("DELETE", "/api/v1/machines")
    assert_error(r, 405, "method_not_allowed")
    assert r.headers["allow"] == "GET, HEAD, POST"
    assert_error(admin.get("/api/v1/machines/1/allocate"), 404, "not_found")


def test_netboot_sees_api_changes_at_once(server, admin):
    mac = new_mac()
    m = admin.create("/api/v1/machines", {"mac": mac, "hostname": "boot-node",
                                          "state": "ready"})
    plain = server.client(None)
    r = plain.get(f"/boot/ipxe?mac={mac.replace(':', '-')}&arch=x86_64&firmware=bios")
    assert r.status == 200
    # The script names the machine made over the API; netboot did not enrol a new one.
    assert f"machine {m['id']} ({mac}) is ready" in r.body
    assert admin.get(f"/api/v1/machines?mac={mac}").body["total"] == 1
    # A MAC added over the API boots as the same machine at once.
    other = new_mac()
    admin.create("/api/v1/interfaces", {"machine_id": m["id"], "mac": other, "pxe": True})
    r = plain.get(f"/boot/ipxe?mac={other}&arch=x86_64&firmware=bios")
    assert f"machine {m['id']} ({other})" in r.body


def test_netboot_name_and_reported_address(tmp_path):
    """A netboot machine is named m-<MAC>; its report's source address is recorded once."""
    server = ApiServer(tmp_path)
    try:
        admin = server.client("admin")
        anonymous = Api(server.port, None)
        # The API server listens on loopback, so reports come from 127.0.0.1.
        subnet = admin.create("/api/v1/subnets", {"name": "loopback", "cidr": "127.0.0.0/8"})

        machines = {}
        for mac in ("52:54:00:aa:00:01", "52:54:00:aa:00:02"):
            script = anonymous.get(f"/boot/ipxe?mac={mac}&arch=x86_64&firmware=bios")
            assert script.status == 200, script.body
            machine_id = int(re.search(r"rackd\.machine=(\d+)", script.body).group(1))
            token = re.search(r"rackd\.token=([0-9a-f]{64})", script.body).group(1)
            machines[mac] = (machine_id, token)
            body = admin.get(f"/api/v1/machines/{machine_id}").body
            assert body["hostname"] == "m-" + mac.replace(":", ""), body

        first_id, first_token = machines["52:54:00:aa:00:01"]
        report = {"machine_id": first_id, "cpu_count": 1, "memory_bytes": 1 << 20,
                  "macs": ["52:54:00:aa:00:01"]}
        assert Api(server.port, first_token).post("/api/v1/agent/report", body=report).status == 200
        recorded = admin.list_all("/api/v1/ip-addresses?address=127.0.0.1")
        assert len(recorded) == 1, recorded
        assert recorded[0]["kind"] == "dhcp", recorded
        assert recorded[0]["machine_id"] == first_id, recorded
        assert recorded[0]["mac"] == "52:54:00:aa:00:01", recorded
        assert recorded[0]["subnet_id"] == subnet["id"], recorded

        # A second report of the same machine adds nothing.
        assert Api(server.port, first_token).post("/api/v1/agent/report", body=report).status == 200
        assert admin.list_all("/api/v1/ip-addresses?address=127.0.0.1") == recorded

        # Another machine reporting from the recorded address leaves the row to the first.
        second_id, second_token = machines["52:54:00:aa:00:02"]
        report = {"machine_id": second_id, "cpu_count": 1, "memory_bytes": 1 << 20,
                  "macs": ["52:54:00:aa:00:02"]}
        assert Api(server.port, second_token).post("/api/v1/agent/report", body=report).status == 200
        after = admin.list_all("/api/v1/ip-addresses?address=127.0.0.1")
        assert len(after) == 1, after
        assert after[0]["machine_id"] == first_id, after
        warnings = [e for e in server.log_events(subsystem="inventory", level="warning")
                    if "127.0.0.1" in str(e.get("message", ""))]
        assert len(warnings) == 1, server.tail()
    finally:
        server.stop()


def test_old_events_pruned(tmp_path):
    """Audit events older than [server] event_retention_days (90 by default) are deleted."""
    now = int(time.time())

    def seed(db):
        with sqlite3.connect(db) as conn:
            for days in (400, 100, 31, 29, 1):
                conn.execute("INSERT INTO events (time, actor, kind, object)"
                             " VALUES (?, 'test', 'site.created', ?)",
                             (now - days * 86400, f"site/{days}"))

    def objects(admin):
        return {e["object"] for e in admin.list_all("/api/v1/events?actor=test")}

    def wait_for_objects(admin, want):
        deadline = time.monotonic() + 20
        while objects(admin) != want and time.monotonic() < deadline:
            time.sleep(0.1)
        assert objects(admin) == want

    server = ApiServer(tmp_path, seed=seed)
    try:
        admin = server.client("admin")
        wait_for_objects(admin, {"site/31", "site/29", "site/1"})
        # The events of the tokens created a moment ago stay.
        assert admin.get("/api/v1/events?kind=token.created").body["total"] == 3
        assert server.log_events(message="audit log: 2 events older than 90 days deleted")
        server.stop()

        with open(server.config, "a") as f:
            f.write("[server]\nevent_retention_days = 30\n")
        server.start()
        admin = server.client("admin")
        wait_for_objects(admin, {"site/29", "site/1"})
        assert server.log_events(message="audit log: 1 events older than 30 days deleted")
    finally:
        server.stop()


def test_event_backlog_pruned_in_one_run(tmp_path):
    """A backlog larger than one transaction goes one batch at a time, logged once at the end."""
    now = int(time.time())

    def seed(db):
        with sqlite3.connect(db) as conn:
            conn.executemany("INSERT INTO events (time, actor, kind, object)"
                             " VALUES (?, 'backlog', 'site.created', 'site/1')",
                             ((now - 400 * 86400 + k,) for k in range(25000)))
            conn.execute("INSERT INTO events (time, actor, kind, object)"
                         " VALUES (?, 'backlog', 'site.created', 'site/2')", (now - 86400,))

    server = ApiServer(tmp_path, seed=seed)
    try:
        reader = server.client("reader")
        deadline = time.monotonic() + 30
        while not server.log_events(subsystem="rackd", level="notice",
                                    message="audit log: 25000 events older than 90 days deleted"):
            assert time.monotonic() < deadline, server.tail()
            # Requests are served while the backlog is worked through.
            assert reader.get("/api/v1/sites").status == 200
            time.sleep(0.05)
        left = reader.get("/api/v1/events?actor=backlog").body
        assert [e["object"] for e in left["items"]] == ["site/2"]
        deleted = [e for e in server.log_events(subsystem="rackd")
                   if e["message"].startswith("audit log:")]
        assert len(deleted) == 1, deleted
    finally:
        server.stop()
