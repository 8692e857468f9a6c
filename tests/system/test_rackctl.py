# SPDX-License-Identifier: Apache-2.0
"""rackctl against rackd on loopback: every resource and verb, table and
JSON output, server and token from flags, environment and config file,
exit statuses 0/1/2, --help everywhere, and the bash completion."""

import json
import os
import shutil
import subprocess
import time

import pytest

from api_support import RACKCTL, RACKD, REPO, ApiServer

COMPLETION = REPO / "contrib" / "bash-completion" / "rackctl"

RESOURCES = {
    "sites": ["list", "get", "create", "update", "delete"],
    "racks": ["list", "get", "create", "update", "delete"],
    "tags": ["list", "get", "create", "update", "delete"],
    "machines": ["list", "get", "create", "update", "delete"],
    "interfaces": ["list", "get", "create", "update", "delete"],
    "subnets": ["list", "get", "create", "update", "delete", "allocate"],
    "ranges": ["list", "get", "create", "update", "delete", "allocate"],
    "addresses": ["list", "get", "create", "update", "delete", "reserve"],
    "leases": ["list", "get", "delete"],
    "events": ["list", "get"],
    "tokens": ["list", "get", "create", "update", "delete"],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ApiServer(tmp_path_factory.mktemp("rackctl"))
    yield srv
    srv.stop()


@pytest.fixture
def ctl(server, tmp_path):
    """Runs rackctl with the admin token in the environment; returns CompletedProcess."""
    def run(*args, token="admin", env=None, input=None):
        e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
             "RACKD_URL": server.url}
        if token:
            e["RACKD_TOKEN"] = server.tokens[token]
        e.update(env or {})
        return subprocess.run([str(RACKCTL), *map(str, args)], capture_output=True, text=True,
                              env=e, input=input, timeout=60)
    return run


def ok(proc):
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def as_json(proc):
    return json.loads(ok(proc))


def test_help_everywhere(ctl):
    assert "Usage: rackctl" in ok(ctl("--help"))
    for resource, verbs in RESOURCES.items():
        out = ok(ctl(resource, "--help"))
        for verb in verbs:
            assert f"  {verb}" in out, (resource, verb)
            assert "Usage: rackctl" in ok(ctl(resource, verb, "--help")), (resource, verb)
    assert "Usage: rackctl dns records" in ok(ctl("dns", "records", "--help"))
    assert "Usage: rackctl dns records" in ok(ctl("dns", "--help"))
    assert "Usage: rackctl whoami" in ok(ctl("whoami", "--help"))
    assert "Usage: rackctl machine" in ok(ctl("machine", "--help"))
    for verb in ("set-bmc", "bmc", "power", "status", "commission", "deploy", "release",
                 "mark-broken", "mark-fixed", "retire"):
        assert "Usage: rackctl machine" in ok(ctl("machine", verb, "--help")), verb
        assert "Usage: rackctl machine" in ok(ctl("machine", verb, "1", "--help")), verb


def test_bad_usage_exits_2(ctl):
    for args in (["frobnicate", "list"], ["machines"], ["machines", "frob"],
                 ["machines", "list", "--bogus"], ["machines", "get"],
                 ["machines", "get", "abc"], ["machines", "list", "--limit", "0"],
                 ["machines", "update", "1"], ["subnets", "create"],
                 ["subnets", "create", "x", "--range", "nodash"],
                 ["interfaces", "create", "--pxe", "maybe"], ["sites", "list", "extra"],
                 ["addresses", "reserve", "10.0.0.1"], []):
        r = ctl(*args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)


def test_failed_requests_exit_1(ctl):
    assert ctl("machines", "get", "999999").returncode == 1
    r = ctl("machines", "list", token=None)
    assert r.returncode == 1
    assert "rackd token create" in r.stderr
    r = ctl("machines", "list", "--url", "http://127.0.0.1:1")
    assert r.returncode == 2  # --url is a global option: it goes before the command
    r = ctl("--url", "http://127.0.0.1:1", "machines", "list")
    assert r.returncode == 1


def test_token_sources_and_precedence(server, ctl, tmp_path):
    reader, admin = server.tokens["reader"], server.tokens["admin"]
    assert "role reader" in ok(ctl("--token", reader, "whoami", token=None))
    assert "role admin" in ok(ctl("whoami"))
    # A flag wins over the environment.
    assert "role reader" in ok(ctl("--token", reader, "whoami"))
    conf = tmp_path / "rackctl.conf"
    conf.write_text(f"# rackctl settings\nurl = {server.url}\ntoken = {reader}\n")
    conf.chmod(0o600)
    r = ctl("--config", conf, "whoami", token=None, env={"RACKD_URL": "http://127.0.0.1:1"})
    # The environment wins over the file for the URL, so this one fails to connect.
    assert r.returncode == 1
    r = ctl("--config", conf, "whoami", token=None, env={"RACKD_URL": ""})
    assert "role reader" in ok(r)
    assert r.stderr == ""
    # The default place is ~/.config/rackctl.conf.
    (tmp_path / ".config").mkdir()
    shutil.copy(conf, tmp_path / ".config" / "rackctl.conf")
    (tmp_path / ".config" / "rackctl.conf").chmod(0o600)
    assert "role reader" in ok(ctl("whoami", token=None, env={"RACKD_URL": ""}))
    assert "role admin" in ok(ctl("whoami", env={"RACKD_URL": ""}))
    conf.chmod(0o644)
    r = ctl("--config", conf, "whoami", token=None)
    assert r.returncode == 0
    assert "chmod 600" in r.stderr
    conf.write_text("colour = red\n")
    assert ctl("--config", conf, "whoami", token=None).returncode == 2
    assert ctl("--config", tmp_path / "missing.conf", "whoami").returncode == 2
    del admin


def test_first_session(ctl, server):
    """The README's first session: subnet, range, machines, reservation, leases."""
    out = ok(ctl("subnets", "create", "lab2", "--cidr", "198.51.100.0/24", "--gateway",
                 "198.51.100.1", "--dns", "198.51.100.1", "--domain", "lab.example",
                 "--range", "198.51.100.100-198.51.100.199"))
    assert "subnet" in out
    assert "created" in out
    subnet = as_json(ctl("subnets", "list", "--name", "lab2", "--json"))[0]
    assert subnet["ranges"][0]["first"] == "198.51.100.100"
    rng = as_json(ctl("ranges", "create", "--subnet", subnet["id"], "--first",
                      "198.51.100.200", "--last", "198.51.100.220", "--kind", "reserved",
                      "--json"))
    assert rng["kind"] == "reserved"
    m = as_json(ctl("machines", "create", "--hostname", "node1", "--mac",
                    "5254.0000.0a01", "--json"))
    table = ok(ctl("machines", "list"))
    assert table.splitlines()[0].split()[:3] == ["ID", "HOSTNAME", "MAC"]
    assert "node1" in table
    assert "52:54:00:00:0a:01" in table
    listed = as_json(ctl("machines", "list", "--json"))
    assert isinstance(listed, list)
    assert any(x["id"] == m["id"] for x in listed)
    a = as_json(ctl("addresses", "reserve", "198.51.100.50", "--mac", "52:54:00:00:0a:01",
                    "--json"))
    assert a["machine_id"] == m["id"]
    assert a["address"] == "198.51.100.50"
    b = as_json(ctl("addresses", "reserve", "--subnet", subnet["id"], "--mac",
                    "52:54:00:00:0a:01", "--kind", "sticky", "--json"))
    assert b["address"] == "198.51.100.2"
    assert b["kind"] == "sticky"
    c = as_json(ctl("ranges", "allocate", rng["id"], "--json"))
    assert c["address"] == "198.51.100.200"
    assert "198.51.100.50" in ok(ctl("addresses", "list", "--machine", m["id"]))
    assert ok(ctl("leases", "list")).startswith("ADDRESS")
    r = ctl("addresses", "reserve", "198.51.100.51", "--mac", "52:54:00:ff:ff:ff")
    assert r.returncode == 1
    assert "machines create --mac" in r.stderr


def test_crud_every_resource(ctl):
    site = as_json(ctl("sites", "create", "par1", "--description", "Paris", "--json"))
    rack = as_json(ctl("racks", "create", "r9", "--site", site["id"], "--height", "20",
                       "--json"))
    tag = as_json(ctl("tags", "create", "storage", "--json"))
    m = as_json(ctl("machines", "create", "--rack", rack["id"], "--position", "3",
                    "--tag", "storage", "--json"))
    assert m["site_id"] == site["id"]
    assert m["tags"] == ["storage"]
    i = as_json(ctl("interfaces", "create", "--machine", m["id"], "--mac",
                    "52:54:00:00:0b:01", "--name", "eth1", "--json"))
    s = as_json(ctl("subnets", "create", "six", "--cidr", "2001:db8:77::/64", "--json"))
    t = as_json(ctl("tokens", "create", "ci", "--role", "operator", "--json"))
    assert t["token"].startswith("rackd_")
    assert ok(ctl("tokens", "create", "ci2", "--role", "reader")).startswith("rackd_")
    for resource, obj in (("sites", site), ("racks", rack), ("tags", tag), ("machines", m),
                          ("interfaces", i), ("subnets", s), ("tokens", t)):
        got = as_json(ctl(resource, "get", obj["id"], "--json"))
        assert got["id"] == obj["id"]
        assert f"{obj['id']}" in ok(ctl(resource, "list"))
    assert as_json(ctl("machines", "update", m["id"], "--arch", "arm64", "--position", "none",
                       "--json"))["position"] is None
    assert as_json(ctl("sites", "update", site["id"], "--description", "Paris 2",
                       "--json"))["description"] == "Paris 2"
    assert as_json(ctl("subnets", "update", s["id"], "--vlan", "12", "--json"))["vlan"] == 12
    assert as_json(ctl("tokens", "update", t["id"], "--role", "reader", "--json"))["role"] \
        == "reader"
    assert as_json(ctl("interfaces", "update", i["id"], "--pxe", "true", "--json"))["pxe"]
    assert "machine" in ok(ctl("machines", "get", m["id"]))
    for resource, obj in (("interfaces", i), ("machines", m), ("tags", tag), ("racks", rack),
                          ("sites", site), ("subnets", s), ("tokens", t)):
        assert "deleted" in ok(ctl(resource, "delete", obj["id"]))
        assert ctl(resource, "get", obj["id"]).returncode == 1
    events = as_json(ctl("events", "list", "--kind", "site.deleted", "--json"))
    assert events
    assert events[-1]["object"] == f"site/{site['id']}"
    assert as_json(ctl("events", "get", events[-1]["id"], "--json"))["kind"] == "site.deleted"


def test_token_expiry_from_both_clis(server, ctl):
    """rackd token and rackctl tokens set, show and clear a token's expiry."""
    def rackd_token(*args):
        return subprocess.run([str(RACKD), "--config", str(server.config), "token", *args],
                              capture_output=True, text=True, timeout=30)

    r = rackd_token("create", "--role", "reader", "--name", "weekly", "--expires-in", "7")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("rackd_")
    listing = rackd_token("list").stdout
    assert "EXPIRES" in listing
    row = next(line for line in listing.splitlines() if " weekly " in line)
    expires = int(row.split()[4])
    assert abs(expires - (time.time() + 7 * 86400)) < 60
    r = rackd_token("create", "--role", "reader", "--name", "never", "--expires-in", "0")
    assert r.returncode == 2
    assert '--expires-in "0"' in r.stderr
    assert rackd_token("delete", "weekly").returncode == 0

    t = as_json(ctl("tokens", "create", "monthly", "--role", "reader", "--expires-in", "30",
                    "--json"))
    assert abs(t["expires"] - (time.time() + 30 * 86400)) < 60
    assert "EXPIRES" in ok(ctl("tokens", "list"))
    t = as_json(ctl("tokens", "update", t["id"], "--expires-in", "none", "--json"))
    assert t["expires"] is None
    r = ctl("tokens", "update", t["id"], "--expires-in", "soon")
    assert r.returncode == 2
    assert '--expires-in "soon"' in r.stderr
    ok(ctl("tokens", "delete", t["id"]))


def test_if_match(ctl):
    site = as_json(ctl("sites", "create", "etag-site", "--json"))
    stale = f'"{site["version"]}"'
    ok(ctl("sites", "update", site["id"], "--description", "one", "--if-match", stale))
    r = ctl("sites", "update", site["id"], "--description", "two", "--if-match", stale)
    assert r.returncode == 1
    assert "precondition_failed" in r.stderr
    r = ctl("sites", "delete", site["id"], "--if-match", stale)
    assert r.returncode == 1


def test_roles_enforced(ctl):
    r = ctl("sites", "create", "nope", token="reader")
    assert r.returncode == 1
    assert "forbidden" in r.stderr
    assert ctl("machines", "create", "--hostname", "op-made", token="operator").returncode == 0


def test_list_pages_and_limit(ctl):
    for k in range(5):
        ok(ctl("tags", "create", f"page-{k}"))
    assert len(as_json(ctl("tags", "list", "--limit", "2", "--json"))) == 2
    names = [t["name"] for t in as_json(ctl("tags", "list", "--json"))]
    assert all(f"page-{k}" in names for k in range(5))


def test_list_newest_first(ctl):
    for k in range(3):
        ok(ctl("tags", "create", f"newest-{k}"))
    newest = as_json(ctl("events", "list", "--newest", "--limit", "2", "--json"))
    ids = [e["id"] for e in newest]
    assert len(ids) == 2
    assert ids[0] > ids[1]
    everything = [e["id"] for e in as_json(ctl("events", "list", "--json"))]
    assert ids == sorted(everything, reverse=True)[:2]
    # Every page of a descending list, with the keyset cursor going down.
    all_desc = [e["id"] for e in as_json(ctl("events", "list", "--newest", "--json"))]
    assert all_desc == sorted(everything, reverse=True)


def test_api_order_desc_pages(server):
    admin = server.client("admin")
    first = admin.get("/api/v1/events?order=desc&limit=2").body
    ids = [e["id"] for e in first["items"]]
    assert ids == sorted(ids, reverse=True)
    assert first["next_after"] == ids[-1]
    second = admin.get(f"/api/v1/events?order=desc&limit=2&after={ids[-1]}").body
    assert all(e["id"] < ids[-1] for e in second["items"])
    assert second["total"] == first["total"]
    r = admin.get("/api/v1/events?order=newest")
    assert r.status == 400
    assert r.body["error"]["field"] == "order"
    assert "expected asc or desc" in r.body["error"]["message"]


def test_lease_expire(server, ctl):
    import sqlite3
    import time
    s = as_json(ctl("subnets", "create", "lz", "--cidr", "10.55.0.0/24", "--json"))
    db = sqlite3.connect(server.workdir / "data" / "rackd.db", timeout=10)
    with db:
        db.execute("INSERT INTO leases (address, subnet_id, client_id, mac, hostname, expires,"
                   " updated, state) VALUES (?, ?, x'01525400000c01', '52:54:00:00:0c:01',"
                   " 'lz1', ?, ?, 1)", (0x0A370009, s["id"], int(time.time()) + 600,
                                         int(time.time())))
    db.close()
    assert "52:54:00:00:0c:01" in ok(ctl("leases", "list", "--subnet", s["id"]))
    assert as_json(ctl("leases", "get", "10.55.0.9", "--json"))["hostname"] == "lz1"
    assert "expired" in ok(ctl("leases", "expire", "10.55.0.9"))
    assert ctl("leases", "get", "10.55.0.9").returncode == 1


def test_completion(tmp_path):
    words = lambda *a: subprocess.run([str(RACKCTL), "__complete", *a], capture_output=True,
                                      text=True, check=True).stdout.split()
    assert set(RESOURCES) <= set(words())
    assert words("subnets") [:6] == RESOURCES["subnets"]
    assert "--mac" in words("machines", "list")
    assert "--cidr" in words("subnets", "create")
    script = (f"source {COMPLETION}; COMP_WORDS=(rackctl --url x subn); COMP_CWORD=3; "
              "_rackctl; echo ${COMPREPLY[@]}; COMP_WORDS=(rackctl leases l); COMP_CWORD=2; "
              "_rackctl; echo ${COMPREPLY[@]}")
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                         env={"PATH": f"{RACKCTL.parent}:/usr/bin:/bin"}).stdout.splitlines()
    assert out == ["subnets", "list"]
