# SPDX-License-Identifier: Apache-2.0
"""docs/openapi.yaml stays true. A scenario calls every documented
operation and draws out every status code it documents, except 500 and 503
(see UNTESTABLE). Every response must be documented for its operation and
match the documented schema and headers. The collections the router serves
(src/http/http-api.c) and the machine actions (src/http/http-lifecycle.c)
must all be documented.

The lifecycle runs on a machine created over the API, with the agent token
from its /boot/ipxe script. BMC calls go to a Redfish responder on
127.0.0.1 (bmc_support.py) and, for 504, to an IPMI address on 127.0.0.1
where nothing listens. DNS serves on a free loopback port.

Needs Debian's python3-yaml and python3-jsonschema."""

import ipaddress
import re
import sqlite3
import time

import pytest

from api_support import REPO, Api, ApiServer, free_port
from bmc_support import RedfishService

yaml = pytest.importorskip("yaml", reason="needs python3-yaml")
jsonschema = pytest.importorskip("jsonschema", reason="needs python3-jsonschema")

SPEC = yaml.safe_load((REPO / "docs" / "openapi.yaml").read_text())
METHODS = ("get", "post", "put", "patch", "delete")
# 503: store failures, a stopped lifecycle service, all BMC sessions taken.
# 500: a boot script, template or metrics text above its fixed buffer.
UNTESTABLE = {"500", "503"}
MISSING = 999999
# The generic loop skips these routes because they take the per-machine agent token.
NOT_BEARER = ("/api/v1/agent/",)
SHA256 = "ab" * 32
ZONE = "oa.example"


def operations():
    for path, item in SPEC["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method


def template_regex(path):
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")


TEMPLATES = [(template_regex(p), p) for p in SPEC["paths"]]


def match_template(path):
    path = path.split("?", 1)[0]
    # Literal paths win over templated ones (/subnets/1/allocate vs /subnets/{id}).
    hits = [p for rx, p in TEMPLATES if rx.match(path)]
    hits.sort(key=lambda p: p.count("{"))
    return hits[0] if hits else None


def resolve(obj):
    while isinstance(obj, dict) and "$ref" in obj:
        node = SPEC
        for part in obj["$ref"].lstrip("#/").split("/"):
            node = node[part]
        obj = node
    return obj


class Recorder(Api):
    """An Api client that keeps every exchange for checking afterwards."""

    log = []

    def request(self, method, path, body=None, headers=None, raw=None):
        r = super().request(method, path, body=body, headers=headers, raw=raw)
        Recorder.log.append((method.lower(), path, r))
        return r


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("openapi")
    extra = (f"[bmc]\ntimeout = 2\nretries = 1\n"
             f"[dns]\nenabled = true\nlisten = 127.0.0.1:{free_port()}\ndomain = {ZONE}\n"
             f"ns = ns1.{ZONE}\nsoa_contact = hostmaster@{ZONE}\n")
    srv = ApiServer(workdir, extra_config=extra)
    boot = srv.workdir / "boot"
    (boot / "hello.txt").write_text("hello\n")
    (boot / "outside").symlink_to(srv.workdir / "rackd.conf")
    images = srv.workdir / "data" / "images"
    images.mkdir(exist_ok=True)
    (images / "oa.img").write_bytes(b"\0" * 4096)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def redfish():
    svc = RedfishService()
    yield svc
    svc.stop()


def put_lease(server, address, subnet_id, mac):
    db = sqlite3.connect(server.workdir / "data" / "rackd.db", timeout=10)
    now = int(time.time())
    with db:
        db.execute("INSERT OR REPLACE INTO leases (address, subnet_id, client_id, mac, hostname,"
                   " expires, updated, state) VALUES (?, ?, ?, ?, 'h', ?, ?, 1)",
                   (int(ipaddress.IPv4Address(address)), subnet_id,
                    b"\x01" + bytes.fromhex(mac.replace(":", "")), mac, now + 3600, now))
    db.close()


def scenario(server, redfish):
    """Calls every operation so that each documented status comes up."""
    admin, reader = Recorder(server.port, server.tokens["admin"]), Recorder(
        server.port, server.tokens["reader"])
    anon = Recorder(server.port, None)
    c = lambda path, body: admin.post(path, body).body

    site = c("/api/v1/sites", {"name": "oa-site"})
    site2 = c("/api/v1/sites", {"name": "oa-site2"})
    rack = c("/api/v1/racks", {"site_id": site["id"], "name": "oa-rack", "height": 10})
    c("/api/v1/racks", {"site_id": site["id"], "name": "oa-rack2"})
    tag = c("/api/v1/tags", {"name": "oa-tag"})
    c("/api/v1/tags", {"name": "oa-tag2"})
    m = c("/api/v1/machines", {"hostname": "oa-m", "mac": "52:54:06:00:00:01",
                               "rack_id": rack["id"], "position": 9, "tags": ["oa-tag"]})
    m2 = c("/api/v1/machines", {"hostname": "oa-m2", "mac": "52:54:06:00:00:02"})
    iface = m["interfaces"][0]
    iface2 = m2["interfaces"][0]
    subnet = c("/api/v1/subnets", {"name": "oa-net", "cidr": "10.200.0.0/24",
                                   "gateway": "10.200.0.1",
                                   "ranges": [{"first": "10.200.0.100",
                                               "last": "10.200.0.110"}]})
    subnet6 = c("/api/v1/subnets", {"name": "oa-net6", "cidr": "2001:db8:200::/64"})
    tiny = c("/api/v1/subnets", {"name": "oa-tiny", "cidr": "10.201.0.7/32"})
    rng = subnet["ranges"][0]
    rng2 = c("/api/v1/ranges", {"subnet_id": subnet["id"], "first": "10.200.0.120",
                                "last": "10.200.0.120", "kind": "reserved"})
    addr = admin.post(f"/api/v1/subnets/{subnet['id']}/allocate", {}).body
    admin.post(f"/api/v1/ranges/{rng['id']}/allocate", {"interface_id": iface["id"]})
    admin.post(f"/api/v1/subnets/{subnet6['id']}/allocate")
    admin.post(f"/api/v1/subnets/{tiny['id']}/allocate", {})
    admin.post(f"/api/v1/ranges/{rng2['id']}/allocate", {})
    ip = c("/api/v1/ip-addresses", {"address": "10.200.0.50", "interface_id": iface["id"]})
    put_lease(server, "10.200.0.105", subnet["id"], "52:54:06:00:00:09")
    token = c("/api/v1/tokens", {"name": "oa-token", "role": "reader"})
    c("/api/v1/tokens", {"name": "oa-token2", "role": "reader"})
    # lm runs the lifecycle, bm has a Redfish BMC, and nm stays new without a BMC.
    lm = c("/api/v1/machines", {"hostname": "oa-life", "mac": "52:54:06:00:00:30"})
    bm = c("/api/v1/machines", {"hostname": "oa-bmc", "mac": "52:54:06:00:00:31"})
    nm = c("/api/v1/machines", {"hostname": "oa-new", "mac": "52:54:06:00:00:32"})
    admin.request("PUT", f"/api/v1/machines/{bm['id']}/bmc",
                  body={"type": "redfish", "address": redfish.url, "username": redfish.user,
                        "password": redfish.password})
    record = c("/api/v1/dns/records", {"name": f"www.{ZONE}", "type": "A", "data": "192.0.2.5"})

    items = {
        "/api/v1/sites/{id}": site["id"], "/api/v1/racks/{id}": rack["id"],
        "/api/v1/tags/{id}": tag["id"], "/api/v1/machines/{id}": m["id"],
        "/api/v1/interfaces/{id}": iface["id"], "/api/v1/subnets/{id}": subnet["id"],
        "/api/v1/ranges/{id}": rng["id"], "/api/v1/ip-addresses/{id}": ip["id"],
        "/api/v1/tokens/{id}": token["id"], "/api/v1/events/{id}": 1,
        "/api/v1/leases/{address}": "10.200.0.105",
        "/api/v1/subnets/{id}/allocate": subnet["id"],
        "/api/v1/ranges/{id}/allocate": rng["id"],
        "/api/v1/dns/records/{id}": record["id"],
        "/api/v1/machines/{id}/power": bm["id"],
        "/api/v1/machines/{id}/bmc": bm["id"],
    }
    for action in LIFECYCLE_ACTIONS:
        items[f"/api/v1/machines/{{id}}/{action}"] = lm["id"]

    def concrete(template, value=None):
        for key, v in items.items():
            if key == template:
                return re.sub(r"\{[^}]+\}", str(value if value is not None else v), template)
        return template

    # Reads, and the generic error responses of every operation.
    for template, method in operations():
        if not template.startswith("/api/v1/") or template.startswith(NOT_BEARER):
            continue
        path = concrete(template)
        missing = concrete(template, "10.255.255.254" if "leases" in template else MISSING)
        responses = SPEC["paths"][template][method]["responses"]
        body = {} if method in ("post", "put", "patch") else None
        if method == "get":
            admin.get(path)
            reader.get(path)
        if "401" in responses:
            anon.request(method.upper(), path, body=body)
        if "403" in responses:
            reader.request(method.upper(), path, body=body)
        if "404" in responses:
            admin.request(method.upper(), missing, body=body)
        if "400" in responses:
            if method == "get":
                admin.get(path + "?bogus=1")
            else:
                admin.request(method.upper(), path, raw=b"{")
        if "412" in responses:
            admin.request(method.upper(), path, body=body, headers={"If-Match": '"999999"'})

    # Changes that succeed.
    admin.get("/api/v1/whoami")
    admin.patch(f"/api/v1/sites/{site['id']}", {"description": "changed"})
    admin.patch(f"/api/v1/racks/{rack['id']}", {"description": "changed"})
    admin.patch(f"/api/v1/tags/{tag['id']}", {"description": "changed"})
    admin.patch(f"/api/v1/machines/{m['id']}", {"arch": "arm64"})
    admin.patch(f"/api/v1/interfaces/{iface['id']}", {"name": "eth0"})
    admin.post("/api/v1/interfaces", {"machine_id": m2["id"], "mac": "52:54:06:00:00:03"})
    admin.patch(f"/api/v1/subnets/{subnet['id']}", {"vlan": 7})
    admin.patch(f"/api/v1/ranges/{rng['id']}", {"last": "10.200.0.111"})
    admin.patch(f"/api/v1/ip-addresses/{ip['id']}", {"description": "changed"})
    admin.patch(f"/api/v1/tokens/{token['id']}", {"role": "operator"})
    admin.get("/api/v1/leases?limit=1")

    # 409
    admin.post("/api/v1/sites", {"name": "oa-site"})
    admin.patch(f"/api/v1/sites/{site2['id']}", {"name": "oa-site"})
    admin.delete(f"/api/v1/sites/{site['id']}")
    admin.post("/api/v1/racks", {"site_id": site["id"], "name": "oa-rack"})
    admin.patch(f"/api/v1/racks/{rack['id']}", {"height": 5})
    admin.post("/api/v1/tags", {"name": "oa-tag"})
    admin.patch(f"/api/v1/tags/{tag['id']}", {"name": "oa-tag2"})
    admin.post("/api/v1/machines", {"hostname": "oa-m"})
    admin.patch(f"/api/v1/machines/{m2['id']}", {"hostname": "oa-m"})
    admin.post("/api/v1/interfaces", {"machine_id": m["id"], "mac": iface2["mac"]})
    admin.patch(f"/api/v1/interfaces/{iface['id']}", {"mac": iface2["mac"]})
    admin.post("/api/v1/subnets", {"name": "oa-over", "cidr": "10.200.0.0/16"})
    admin.patch(f"/api/v1/subnets/{tiny['id']}", {"cidr": "10.200.0.5/32"})
    admin.delete(f"/api/v1/subnets/{subnet['id']}")
    admin.post(f"/api/v1/subnets/{tiny['id']}/allocate", {})
    admin.post("/api/v1/ranges", {"subnet_id": subnet["id"], "first": "10.200.0.105",
                                  "last": "10.200.0.130"})
    admin.patch(f"/api/v1/ranges/{rng2['id']}", {"first": "10.200.0.110"})
    admin.post(f"/api/v1/ranges/{rng2['id']}/allocate", {})
    admin.post("/api/v1/ip-addresses", {"address": "10.200.0.50"})
    admin.patch(f"/api/v1/ip-addresses/{ip['id']}", {"interface_id": iface2["id"]})
    admin.post("/api/v1/ip-addresses", {"address": "10.200.0.105",
                                        "interface_id": iface2["id"]})
    admin.patch(f"/api/v1/ip-addresses/{addr['id']}", {"interface_id": None})
    # Binding addr to iface2 while the lease of .105 stays with another MAC is fine;
    # rebinding the address the lease holds is not.
    leased = c("/api/v1/ip-addresses", {"address": "10.200.0.106"})
    put_lease(server, "10.200.0.106", subnet["id"], "52:54:06:00:00:0a")
    admin.patch(f"/api/v1/ip-addresses/{leased['id']}", {"interface_id": iface2["id"]})
    admin.post("/api/v1/tokens", {"name": "oa-token", "role": "admin"})
    admin.patch(f"/api/v1/tokens/{token['id']}", {"name": "oa-token2"})

    # 422
    admin.post("/api/v1/racks", {"site_id": MISSING, "name": "x"})
    admin.patch(f"/api/v1/racks/{rack['id']}", {"site_id": MISSING})
    admin.post("/api/v1/machines", {"rack_id": MISSING})
    admin.patch(f"/api/v1/machines/{m['id']}", {"rack_id": MISSING})
    admin.post("/api/v1/interfaces", {"machine_id": MISSING, "mac": "52:54:06:00:00:99"})
    admin.patch(f"/api/v1/interfaces/{iface['id']}", {"machine_id": MISSING})
    admin.post("/api/v1/subnets", {"name": "oa-gw", "cidr": "10.202.0.0/24",
                                   "gateway": "10.203.0.1"})
    admin.patch(f"/api/v1/subnets/{subnet['id']}", {"gateway": "10.203.0.1"})
    admin.post(f"/api/v1/subnets/{subnet['id']}/allocate", {"interface_id": MISSING})
    admin.post("/api/v1/ranges", {"subnet_id": subnet["id"], "first": "10.201.0.1",
                                  "last": "10.201.0.2"})
    admin.patch(f"/api/v1/ranges/{rng['id']}", {"last": "10.201.0.2"})
    admin.post(f"/api/v1/ranges/{rng['id']}/allocate", {"interface_id": MISSING})
    admin.post("/api/v1/ip-addresses", {"address": "10.250.0.1"})
    admin.patch(f"/api/v1/ip-addresses/{ip['id']}", {"interface_id": MISSING})

    # 413 and 415
    admin.post("/api/v1/sites", raw=b'{"name":"' + b"x" * (2 << 20) + b'"}')
    admin.request("POST", "/api/v1/sites", raw=b'{"name":"ct"}',
                  headers={"Content-Type": "text/plain"})

    # Netboot and the agent report.
    script = anon.get("/boot/ipxe?mac=52:54:06:00:00:20&arch=x86_64&firmware=bios").body
    anon.get("/boot/ipxe?arch=x86_64")
    anon.get("/boot/assets/hello.txt")
    anon.get("/boot/assets/missing.bin")
    anon.get("/healthz")
    machine_id = int(re.search(r"rackd\.machine=(\d+)", script).group(1))
    agent_token = re.search(r"rackd\.token=([0-9a-f]+)", script).group(1)
    agent = Recorder(server.port, agent_token)
    agent.post("/api/v1/agent/report", {"machine_id": machine_id, "cpu_count": 4,
                                        "memory_bytes": 1 << 30,
                                        "macs": ["52:54:06:00:00:20"]})
    agent.post("/api/v1/agent/report", {"machine_id": "x"})
    anon.post("/api/v1/agent/report", {"machine_id": machine_id})

    lifecycle_scenario(server, admin, reader, anon, lm, nm)
    bmc_scenario(admin, redfish, bm, nm)
    dns_scenario(admin, record)
    anon.get("/metrics")
    anon.get("/boot/assets/outside")
    # 429: new MACs from one address beyond the enrolment burst.
    for k in range(40):
        anon.get(f"/boot/ipxe?mac=52:54:06:00:01:{k:02x}&arch=x86_64")
    # 403: with the lease check on, 127.0.0.1 holds no DHCP lease for any MAC.
    strict = ApiServer(server.workdir / "strict",
                       extra_config="[http]\nnetboot_requires_lease = true\n")
    try:
        Recorder(strict.port, None).get("/boot/ipxe?mac=52:54:06:00:00:40&arch=x86_64")
        owner = Recorder(strict.port, strict.tokens["admin"])
        sid = owner.post("/api/v1/machines", {"mac": "52:54:06:00:00:41"}).body["id"]
        owner.post(f"/api/v1/machines/{sid}/mark-broken", {"reason": "test"})
        owner.post(f"/api/v1/machines/{sid}/mark-fixed", {})
        owner.post(f"/api/v1/machines/{sid}/deploy", {"installer": "debian",
                                                       "kernel": "hello.txt",
                                                       "initrd": "hello.txt"})
        Recorder(strict.port, None).get(f"/cloud-init/{sid}/user-data")
    finally:
        strict.stop()

    # Deletions last.
    admin.delete(f"/api/v1/ip-addresses/{ip['id']}")
    admin.delete(f"/api/v1/leases/10.200.0.105")
    admin.delete(f"/api/v1/ranges/{rng2['id']}")
    admin.delete(f"/api/v1/interfaces/{iface2['id']}")
    admin.delete(f"/api/v1/machines/{m2['id']}")
    admin.delete(f"/api/v1/tags/{tag['id']}")
    admin.delete(f"/api/v1/racks/{rack['id']}")
    admin.delete(f"/api/v1/sites/{site2['id']}")
    admin.delete(f"/api/v1/tokens/{token['id']}")
    for s in (subnet6, tiny):
        for a in admin.list_all(f"/api/v1/ip-addresses?subnet={s['id']}"):
            admin.delete(f"/api/v1/ip-addresses/{a['id']}")
        admin.delete(f"/api/v1/subnets/{s['id']}")


LIFECYCLE_ACTIONS = ("lifecycle", "commission", "deploy", "release", "mark-broken",
                     "mark-fixed", "retire")


def lifecycle_scenario(server, admin, reader, anon, lm, nm):
    """Walks lm through new, commissioning, ready, deploying, deployed, releasing,
    broken, ready and retired, with the agent routes and what a deploy serves."""
    mid = lm["id"]
    base = f"/api/v1/machines/{mid}"
    script = anon.get("/boot/ipxe?mac=52:54:06:00:00:30").body
    assert f"rackd.machine={mid}" in script, script
    token = re.search(r"rackd\.token=([0-9a-f]+)", script).group(1)
    agent = Recorder(server.port, token)
    wrong = Recorder(server.port, "0" * 64)

    def progress(action, status, **kw):
        return agent.post("/api/v1/agent/progress",
                          {"machine_id": mid, "action": action, "status": status, **kw})

    # new
    agent.get(f"/api/v1/agent/task?machine_id={mid}")
    agent.get("/api/v1/agent/task")
    wrong.get(f"/api/v1/agent/task?machine_id={mid}")
    progress("deploy", "running")  # 409: no deploy runs
    agent.post("/api/v1/agent/progress", {"machine_id": mid})
    wrong.post("/api/v1/agent/progress", {"machine_id": mid, "action": "deploy",
                                          "status": "running"})
    admin.get(f"/cloud-init/{mid}/meta-data")  # 404: not deploying
    for action in LIFECYCLE_ACTIONS[1:]:
        admin.request("POST", f"{base}/{action}", raw=b"{}",
                      headers={"Content-Type": "text/plain"})
    admin.post(f"{base}/mark-broken", {})  # 400: no reason
    admin.post(f"/api/v1/machines/{MISSING}/deploy", {"image": "oa.img", "sha256": SHA256})
    admin.post(f"/api/v1/machines/{MISSING}/mark-broken", {"reason": "x"})
    admin.post(f"/api/v1/machines/{nm['id']}/deploy",
               {"image": "http://127.0.0.1:9/x.img", "sha256": SHA256})  # 409 from new
    admin.post(f"/api/v1/machines/{nm['id']}/release", {})  # 409 from new
    admin.post(f"/api/v1/machines/{nm['id']}/mark-fixed", {})  # 409 from new

    assert admin.post(f"{base}/commission", {"reason": "oa"}).status == 202
    agent.post("/api/v1/agent/report", {"machine_id": mid, "cpu_count": 2,
                                        "memory_bytes": 1 << 30})
    assert admin.get(f"{base}/lifecycle").body["state"] == "ready"

    admin.post(f"{base}/deploy", {"image": "missing.img", "sha256": SHA256})  # 422
    r = admin.post(f"{base}/deploy", {"image": "oa.img", "sha256": SHA256, "disk": "vda",
                                      "hostname": "oa-life", "ssh_keys": ["ssh-ed25519 AAAA oa"],
                                      "user_data": "#cloud-config\n"})
    assert r.status == 202, r
    admin.post(f"{base}/retire", {})  # 409 from deploying
    admin.post(f"{base}/commission", {})  # 409 from deploying
    agent.get(f"/api/v1/agent/task?machine_id={mid}")
    anon.get("/images/oa.img")
    anon.get("/images/missing.img")
    for name in ("meta-data", "user-data", "vendor-data", "other"):
        anon.get(f"/cloud-init/{mid}/{name}")
    for name in ("preseed.cfg", "kickstart.cfg", "user-data", "meta-data", "other"):
        anon.get(f"/install/{mid}/{token}/{name}")
    anon.get(f"/install/{mid}/{'0' * 64}/preseed.cfg")
    progress("deploy", "running", percent=50, message="writing")
    progress("deploy", "done", percent=100)
    assert admin.get(f"{base}/lifecycle").body["state"] == "deployed"

    assert admin.post(f"{base}/release", {"erase": "quick"}).status == 202
    assert admin.post(f"{base}/mark-broken", {"reason": "oa"}).status == 202
    admin.post(f"{base}/mark-broken", {"reason": "again"})  # 409 from broken
    assert admin.post(f"{base}/mark-fixed", {}).status == 202
    assert admin.post(f"{base}/retire", {}).status == 202
    admin.post(f"{base}/retire", {})  # 409 from retired


def bmc_scenario(admin, redfish, bm, nm):
    """BMC set, read and removed; power through Redfish, a wrong password (502)
    and an IPMI port on 127.0.0.1 where nothing listens (504)."""
    power = f"/api/v1/machines/{bm['id']}/power"
    admin.post(power, {"action": "on", "boot": "pxe"})
    admin.post(power, {"action": "explode"})
    admin.request("POST", power, raw=b'{"action":"on"}', headers={"Content-Type": "text/plain"})
    admin.request("PUT", f"/api/v1/machines/{bm['id']}/bmc", raw=b"{}",
                  headers={"Content-Type": "text/plain"})
    admin.request("PUT", f"/api/v1/machines/{MISSING}/bmc",
                  body={"type": "ipmi", "address": "127.0.0.1"})
    admin.get(f"/api/v1/machines/{nm['id']}/power")  # 409: no BMC
    admin.post(f"/api/v1/machines/{nm['id']}/power", {"action": "on"})
    admin.get(f"/api/v1/machines/{nm['id']}/bmc")  # 404: no BMC

    bad = admin.post("/api/v1/machines", {"hostname": "oa-badbmc",
                                          "mac": "52:54:06:00:00:33"}).body
    bad_bmc = f"/api/v1/machines/{bad['id']}/bmc"
    admin.request("PUT", bad_bmc, body={"type": "redfish", "address": redfish.url,
                                        "username": redfish.user, "password": "wrong"})
    admin.get(f"/api/v1/machines/{bad['id']}/power")  # 502
    admin.post(f"/api/v1/machines/{bad['id']}/power", {"action": "off"})
    admin.request("PUT", bad_bmc, body={"type": "ipmi", "address": f"127.0.0.1:{free_port()}",
                                        "username": "admin", "password": "x"})
    admin.get(f"/api/v1/machines/{bad['id']}/power")  # 504
    admin.post(f"/api/v1/machines/{bad['id']}/power", {"action": "off"})
    admin.delete(bad_bmc)
    admin.delete(bad_bmc)  # 404: gone


def dns_scenario(admin, record):
    """DNS records: the changes that succeed and the ones the zone rules reject."""
    rid = record["id"]
    admin.post("/api/v1/dns/records", {"name": f"www.{ZONE}", "type": "A", "data": "192.0.2.5"})  # 409
    admin.post("/api/v1/dns/records", {"name": "www.elsewhere.test", "type": "A",
                                       "data": "192.0.2.6"})  # 422
    admin.post("/api/v1/dns/records", {"name": f"www.{ZONE}", "type": "A"})  # 400
    admin.get("/api/v1/dns/records?limit=0")  # 400
    admin.patch(f"/api/v1/dns/records/{rid}", {"ttl": 600})
    admin.patch(f"/api/v1/dns/records/{rid}", {"data": "not-an-address"})  # 400
    admin.patch(f"/api/v1/dns/records/{rid}", {"name": "www.elsewhere.test"})  # 422
    alias = admin.post("/api/v1/dns/records", {"name": f"alias.{ZONE}", "type": "CNAME",
                                               "data": f"www.{ZONE}"}).body
    admin.patch(f"/api/v1/dns/records/{alias['id']}", {"name": f"www.{ZONE}"})  # 409: CNAME and A
    admin.delete(f"/api/v1/dns/records/{alias['id']}")
    admin.delete(f"/api/v1/dns/records/{rid}")


@pytest.fixture(scope="module")
def exchanges(server, redfish):
    Recorder.log = []
    scenario(server, redfish)
    return list(Recorder.log)


def validator(schema):
    return jsonschema.Draft202012Validator(
        schema, resolver=jsonschema.RefResolver.from_schema(SPEC))


def check_answer(method, path, r):
    template = match_template(path)
    assert template, f"{method.upper()} {path} answered {r.status} but is not documented"
    op = SPEC["paths"][template].get(method)
    assert op, f"{method.upper()} {template} answered {r.status} but is not documented"
    responses = op["responses"]
    assert str(r.status) in responses, (
        f"{method.upper()} {path} answered {r.status}, documented: {sorted(responses)}: {r.body}")
    doc = resolve(responses[str(r.status)])
    content = doc.get("content")
    if content is None:
        assert r.body is None, f"{method.upper()} {path}: {r.status} has a body: {r.body}"
    elif "application/json" in content:
        assert r.headers.get("content-type") == "application/json", (method, path, r.headers)
        errors = sorted(validator(content["application/json"]["schema"]).iter_errors(r.body),
                        key=str)
        assert not errors, f"{method.upper()} {path} {r.status}: {errors[0].message}: {r.body}"
    for name in doc.get("headers", {}):
        if name.lower() in ("etag", "location", "www-authenticate"):
            assert name.lower() in r.headers, f"{method.upper()} {path}: no {name} header"
    return template


def test_every_answer_is_documented(exchanges):
    for method, path, r in exchanges:
        check_answer(method, path, r)


def test_every_documented_status_comes_up(exchanges):
    seen = {}
    for method, path, r in exchanges:
        seen.setdefault((match_template(path), method), set()).add(str(r.status))
    missing = []
    for template, method in operations():
        documented = set(SPEC["paths"][template][method]["responses"]) - UNTESTABLE
        got = seen.get((template, method), set())
        if documented - got:
            missing.append(f"{method.upper()} {template}: {sorted(documented - got)}")
    assert not missing, "documented but never seen:\n" + "\n".join(missing)


def test_every_machine_action_is_documented():
    source = (REPO / "src" / "http" / "http-lifecycle.c").read_text()
    table = source[source.index("actions[] = {"):]
    table = table[:table.index("};")]
    names = re.findall(r'"([a-z-]+)"', table)
    assert len(names) >= 9
    for name in names:
        assert f"/api/v1/machines/{{id}}/{name}" in SPEC["paths"], name


def test_every_collection_is_documented():
    source = (REPO / "src" / "http" / "http-api.c").read_text()
    table = source[source.index("collections[] = {"):]
    table = table[:table.index("};")]
    names = re.findall(r'\{ "([a-z-]+)", REST_ROLE', table)
    assert len(names) >= 10
    for name in names:
        assert f"/api/v1/{name}" in SPEC["paths"], f"/api/v1/{name} is not in docs/openapi.yaml"
        assert f"/api/v1/{name}/{{id}}" in SPEC["paths"] or \
            f"/api/v1/{name}/{{address}}" in SPEC["paths"], name
