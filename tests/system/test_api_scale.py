# SPDX-License-Identifier: Apache-2.0
"""REST API at scale: pagination over 10,000 machines, and 8 clients
allocating from one /22 at once.

The 10,000 machines are written into the store with Python's sqlite3
module before rackd starts (one transaction), because creating them one
request at a time costs one disk flush each; the pages are then read
through the API."""

import ipaddress
import sqlite3
import threading
import time

import pytest

from api_support import ApiServer, assert_error

MACHINES = 10_000


def seed_machines(db_path):
    db = sqlite3.connect(db_path)
    now = int(time.time())
    with db:
        for i in range(MACHINES):
            state = "ready" if i % 2 else "new"
            cur = db.execute("INSERT INTO machines (hostname, state, arch, firmware, first_seen)"
                             " VALUES (?, ?, 'x86_64', 'bios', ?)", (f"node-{i:05d}", state, now))
            mac = f"52:54:05:{i >> 16 & 0xff:02x}:{i >> 8 & 0xff:02x}:{i & 0xff:02x}"
            db.execute("INSERT INTO interfaces (machine_id, mac, pxe) VALUES (?, ?, 1)",
                       (cur.lastrowid, mac))
    db.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ApiServer(tmp_path_factory.mktemp("scale"), seed=seed_machines)
    yield srv
    srv.stop()


def test_keyset_pages_cover_every_machine_once(server):
    api = server.client("reader")
    seen, after, pages = [], None, 0
    while True:
        q = "/api/v1/machines?limit=1000" + (f"&after={after}" if after else "")
        r = api.get(q)
        assert r.status == 200
        assert r.body["total"] == MACHINES
        seen += [m["id"] for m in r.body["items"]]
        pages += 1
        after = r.body["next_after"]
        if after is None:
            break
    assert pages == 11  # ten full pages, then an empty one ends the walk
    assert len(seen) == MACHINES
    assert seen == sorted(seen)
    assert len(set(seen)) == MACHINES


def test_offset_pages(server):
    api = server.client("reader")
    r = api.get("/api/v1/machines")
    assert r.body["limit"] == 100
    assert len(r.body["items"]) == 100
    r = api.get("/api/v1/machines?offset=9990&limit=100")
    assert [m["hostname"] for m in r.body["items"]] == [f"node-{i:05d}"
                                                       for i in range(9990, 10000)]
    assert r.body["next_after"] is None
    r = api.get("/api/v1/machines?offset=20000")
    assert r.body["items"] == []
    assert r.body["total"] == MACHINES
    # Offset pages are stable: the same request gives the same page.
    a = api.get("/api/v1/machines?offset=4321&limit=50").body["items"]
    b = api.get("/api/v1/machines?offset=4321&limit=50").body["items"]
    assert a == b
    assert [m["hostname"] for m in a][0] == "node-04321"


def test_filtered_pages(server):
    api = server.client("reader")
    ready = api.list_all("/api/v1/machines?state=ready")
    assert len(ready) == MACHINES // 2
    assert all(m["state"] == "ready" for m in ready)
    r = api.get("/api/v1/machines?state=ready&limit=10")
    assert r.body["total"] == MACHINES // 2
    r = api.get("/api/v1/machines?mac=5254.0500.1234")
    assert [m["hostname"] for m in r.body["items"]] == [f"node-{0x1234:05d}"]


def test_pages_stable_while_machines_are_added(server):
    api, writer = server.client("reader"), server.client("operator")
    first = api.get("/api/v1/machines?limit=1000").body
    added = writer.create("/api/v1/machines", {"hostname": "late-node"})
    rest = api.list_all("/api/v1/machines", after=first["next_after"])
    ids = [m["id"] for m in first["items"]] + [m["id"] for m in rest]
    assert len(ids) == len(set(ids)) == MACHINES + 1
    assert ids[-1] == added["id"]
    assert writer.delete(f"/api/v1/machines/{added['id']}").status == 204


def test_concurrent_allocation_from_a_22(server):
    admin = server.client("admin")
    subnet = admin.create("/api/v1/subnets", {"name": "conc", "cidr": "10.100.0.0/22",
                                              "gateway": "10.100.0.1"})
    net = ipaddress.ip_network("10.100.0.0/22")
    expected = net.num_addresses - 3  # network, broadcast and gateway
    results = [[] for _ in range(8)]
    errors = []
    barrier = threading.Barrier(8)

    def worker(k):
        api = server.client("admin")
        barrier.wait()
        try:
            while True:
                r = api.post(f"/api/v1/subnets/{subnet['id']}/allocate", {})
                if r.status == 409:
                    assert r.body["error"]["code"] == "no_free_address"
                    return
                assert r.status == 201, r
                results[k].append(r.body["address"])
        except Exception as e:  # reported after join
            errors.append(e)
        finally:
            api.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors, errors
    everything = [a for r in results for a in r]
    assert len(everything) == expected
    assert len(set(everything)) == expected
    # Every client got some: the calls really ran side by side.
    assert all(results), [len(r) for r in results]
    hosts = {str(h) for h in net.hosts()} - {"10.100.0.1"}
    assert set(everything) == hosts
    u = admin.get(f"/api/v1/subnets/{subnet['id']}").body["utilisation"]
    # The gateway counts as used too.
    assert u["used"] == expected + 1
    assert u["free"] == 0
    assert u["percent"] == 100.0
    listed = admin.list_all(f"/api/v1/ip-addresses?subnet={subnet['id']}")
    assert len(listed) == expected
    assert_error(admin.post(f"/api/v1/subnets/{subnet['id']}/allocate", {}), 409,
                 "no_free_address")
