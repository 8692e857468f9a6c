# SPDX-License-Identifier: Apache-2.0
"""BMC power control through rackd's API on loopback, against real peers.

- IPMI 2.0 (lanplus): OpenIPMI's ipmi_sim starts and stops a small QEMU
  machine as its "chassis"; ipmitool (cipher suite 3) cross-checks every
  power state rackd reports.
- Redfish: a Redfish responder started by the test (bmc_support.py), with
  SessionService login.
- QEMU: a QEMU machine's QMP socket in [bmc] qmp_dir.
- Failures: a wrong IPMI password and an unreachable BMC answer 502/504,
  record the power state unknown with the error, and send a commissioning
  machine to broken with the reason and an event.

Needs root-less loopback only, plus Debian packages openipmi, ipmitool and
qemu-system-x86. Environment: RACKD_BUILD.
"""

import json
import os
import shutil
import socket
import sqlite3
import stat
import subprocess

import pytest

from api_support import ApiServer, free_port
from conftest import wait_for
from bmc_support import IPMI_PASSWORD, IPMI_USER, IpmiSim, RedfishService, qemu_ipmi_args

QEMU = "qemu-system-x86_64"

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("ipmi_sim", "ipmitool", QEMU)),
    reason="needs ipmi_sim (openipmi), ipmitool and qemu-system-x86_64")


def free_udp_port():
    """A UDP port on 127.0.0.1 above 10000 that was free a moment ago."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port > 10000:
            return port
    raise RuntimeError("no free UDP port above 10000")


def bmc_config(tmp_path):
    qmp_dir = tmp_path / "qmp"
    qmp_dir.mkdir(exist_ok=True)
    return (f"\n[bmc]\ntimeout = 2\nretries = 1\nmax_sessions = 4\nqmp_dir = {qmp_dir}\n"
            "[lifecycle]\ncommission_timeout = 600\n")


@pytest.fixture
def server(tmp_path):
    srv = ApiServer(tmp_path, extra_config=bmc_config(tmp_path))
    yield srv
    srv.stop()


@pytest.fixture
def ipmi_machine(tmp_path):
    """ipmi_sim on loopback whose power switch is a small QEMU machine."""
    lan_port = free_udp_port()
    serial_port = free_port()
    pidfile = tmp_path / "qemu.pid"
    qemu = [QEMU, "-name", f"rkt-bmc-{os.getpid()}", "-machine", "pc,graphics=off",
            "-accel", "tcg", "-m", "64", "-smp", "1", "-display", "none", "-nodefaults",
            "-monitor", "none", "-serial", "none", "-pidfile", str(pidfile),
            *qemu_ipmi_args("127.0.0.1", serial_port)]
    sim = IpmiSim(tmp_path / "bmc", lan_port, serial_port, " ".join(qemu), pidfile=pidfile,
                  poweroff_wait=3)
    yield sim
    sim.stop()


def make_machine(api, mac="52:54:00:bb:00:01", hostname="node1"):
    return api.create("/api/v1/machines", {"mac": mac, "hostname": hostname})["id"]


def set_bmc(api, mid, **bmc):
    r = api.request("PUT", f"/api/v1/machines/{mid}/bmc", body=bmc)
    assert r.status == 200, r
    return r.body


def as_object(value):
    """An event's before/after image, which the API may return parsed or as JSON text."""
    return json.loads(value) if isinstance(value, str) else value


def events_of(api, mid, kind):
    return [e for e in api.list_all(f"/api/v1/events?object=machine/{mid}") if e["kind"] == kind]


def test_ipmi_power_matches_ipmitool(server, ipmi_machine):
    api = server.client("operator")
    mid = make_machine(server.client("admin"))
    set_bmc(api, mid, type="ipmi", address=f"127.0.0.1:{ipmi_machine.lan_port}",
            username=IPMI_USER, password=IPMI_PASSWORD)

    r = api.get(f"/api/v1/machines/{mid}/power")
    assert r.status == 200, r
    assert r.body["power"] == "off"
    assert ipmi_machine.power_state() == "off"

    r = api.post(f"/api/v1/machines/{mid}/power", {"action": "on", "boot": "pxe"})
    assert r.status == 200, r
    assert wait_for(lambda: api.get(f"/api/v1/machines/{mid}/power").body["power"] == "on")
    assert ipmi_machine.power_state() == "on"
    assert wait_for(ipmi_machine.machine_pid) is not None

    r = api.post(f"/api/v1/machines/{mid}/power", {"action": "off"})
    assert r.status == 200, r
    assert wait_for(lambda: api.get(f"/api/v1/machines/{mid}/power").body["power"] == "off")
    assert ipmi_machine.power_state() == "off"
    assert wait_for(lambda: ipmi_machine.machine_pid() is None)

    power_events = events_of(server.client("admin"), mid, "machine.power")
    assert [e["detail"].split(":")[0] for e in power_events] == ["power on", "power off"]
    assert all(e["actor"] == "token:test-operator" for e in power_events)


def test_ipmi_cycle_powers_on_machine_that_is_off(server, ipmi_machine):
    api = server.client("operator")
    mid = make_machine(server.client("admin"))
    set_bmc(api, mid, type="ipmi", address=f"127.0.0.1:{ipmi_machine.lan_port}",
            username=IPMI_USER, password=IPMI_PASSWORD)
    r = api.post(f"/api/v1/machines/{mid}/power", {"action": "cycle"})
    assert r.status == 200, r
    assert wait_for(lambda: ipmi_machine.power_state() == "on")
    api.post(f"/api/v1/machines/{mid}/power", {"action": "off"})
    assert wait_for(lambda: ipmi_machine.power_state() == "off")


def test_ipmi_wrong_password(server, ipmi_machine):
    api = server.client("operator")
    mid = make_machine(server.client("admin"))
    set_bmc(api, mid, type="ipmi", address=f"127.0.0.1:{ipmi_machine.lan_port}",
            username=IPMI_USER, password="not-the-password")

    r = api.get(f"/api/v1/machines/{mid}/power")
    assert r.status == 502, r
    assert r.body["error"]["code"] == "bmc_auth_failed"
    assert "password" in r.body["error"]["message"]
    assert r.body["error"]["power"] == "unknown"
    bmc = api.get(f"/api/v1/machines/{mid}/bmc").body
    assert bmc["power_state"] == "unknown"
    assert "password" in bmc["power_error"]
    # ipmitool agrees that this password is wrong.
    assert ipmi_machine.ipmitool("chassis", "power", "status", password="not-the-password",
                                 check=False).returncode != 0

    r = api.post(f"/api/v1/machines/{mid}/commission")
    assert r.status == 202, r
    lc = wait_for(lambda: (lambda b: b if b["state"] == "broken" else None)(
        api.get(f"/api/v1/machines/{mid}/lifecycle").body))
    assert lc and lc["state"] == "broken", lc
    assert "password" in lc["reason"]
    changes = events_of(server.client("admin"), mid, "machine.state_changed")
    assert [as_object(e["after"])["state"] for e in changes] == ["commissioning", "broken"]
    assert changes[-1]["actor"] == "lifecycle"
    assert as_object(changes[-1]["before"]) == {"state": "commissioning"}
    assert ipmi_machine.power_state() == "off"


def test_unreachable_bmc(server):
    api = server.client("operator")
    mid = make_machine(server.client("admin"))
    port = free_udp_port()  # nothing listens there
    set_bmc(api, mid, type="ipmi", address=f"127.0.0.1:{port}", username="admin",
            password="x")
    # Two attempts of 2 s each end in 504; a stuck call would instead run
    # into the client's 60 s timeout and fail the test.
    r = api.get(f"/api/v1/machines/{mid}/power")
    assert r.status == 504, r
    assert r.body["error"]["code"] == "bmc_unreachable"
    # Other machines' requests are served meanwhile.
    other = make_machine(server.client("admin"), mac="52:54:00:bb:00:02", hostname="node2")
    assert api.get(f"/api/v1/machines/{other}/lifecycle").status == 200

    assert api.post(f"/api/v1/machines/{mid}/commission").status == 202
    lc = wait_for(lambda: (lambda b: b if b["state"] == "broken" else None)(
        api.get(f"/api/v1/machines/{mid}/lifecycle").body))
    assert lc and "timeout" in lc["reason"], lc
    assert api.get(f"/api/v1/machines/{mid}/bmc").body["power_state"] == "unknown"


def test_bmc_password_sealed_never_returned(server, tmp_path):
    api = server.client("operator")
    mid = make_machine(server.client("admin"))
    secret = "s3cret-Pa55-of-rackd"  # 20 bytes, the most an IPMI 2.0 password may have
    body = set_bmc(api, mid, type="ipmi", address="127.0.0.1:10999", username="admin",
                   password=secret)
    assert body["password_set"] is True
    assert "password" not in body
    assert "secret" not in body
    assert secret not in json.dumps(api.get(f"/api/v1/machines/{mid}/bmc").body)
    key = tmp_path / "data" / "bmc.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.stat().st_size == 32
    with sqlite3.connect(tmp_path / "data" / "rackd.db") as db:
        (stored,) = db.execute("SELECT secret FROM bmcs WHERE machine_id = ?", (mid,)).fetchone()
    assert stored.startswith("v1:")
    assert secret not in stored
    assert secret.encode().hex() not in stored
    assert secret not in server.log_path.read_text()
    events = json.dumps(server.client("admin").list_all("/api/v1/events"))
    assert secret not in events


def test_bmc_input_checked(server):
    api = server.client("operator")
    mid = make_machine(server.client("admin"))
    for body in ({"type": "telnet", "address": "x"},
                 {"type": "ipmi", "address": "host name"},
                 {"type": "ipmi", "address": "h:99999"},
                 {"type": "redfish", "address": "ftp://x"},
                 {"type": "redfish", "address": "https://u:p@x"},
                 {"type": "qemu", "address": "relative.sock"},
                 {"type": "ipmi", "address": "h", "extra": 1}):
        r = api.request("PUT", f"/api/v1/machines/{mid}/bmc", body=body)
        assert r.status == 400, (body, r)
    assert server.client("reader").request(
        "PUT", f"/api/v1/machines/{mid}/bmc",
        body={"type": "ipmi", "address": "h"}).status == 403
    assert api.get(f"/api/v1/machines/{mid}/power").status == 409
    assert api.post(f"/api/v1/machines/{mid}/power", {"action": "explode"}).status == 400
    assert api.get("/api/v1/machines/999/power").status in (404, 409)


@pytest.fixture
def redfish():
    svc = RedfishService()
    yield svc
    svc.stop()


def test_redfish_power_and_boot_override(server, redfish):
    api = server.client("operator")
    mid = make_machine(server.client("admin"))
    set_bmc(api, mid, type="redfish", address=redfish.url, username=redfish.user,
            password=redfish.password)
    assert api.get(f"/api/v1/machines/{mid}/power").body["power"] == "off"

    r = api.post(f"/api/v1/machines/{mid}/power", {"action": "on", "boot": "pxe"})
    assert r.status == 200, r
    assert r.body["power"] == "on"
    resets = redfish.calls("POST", "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset")
    assert [c[2] for c in resets] == [{"ResetType": "On"}]
    patches = redfish.calls("PATCH", "/redfish/v1/Systems/1")
    assert patches[-1][2]["Boot"]["BootSourceOverrideTarget"] == "Pxe"
    assert patches[-1][2]["Boot"]["BootSourceOverrideEnabled"] == "Once"

    assert api.post(f"/api/v1/machines/{mid}/power", {"action": "cycle"}).status == 200
    assert api.post(f"/api/v1/machines/{mid}/power", {"action": "soft-off"}).status == 200
    resets = redfish.calls("POST", "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset")
    assert [c[2]["ResetType"] for c in resets] == ["On", "PowerCycle", "GracefulShutdown"]
    assert api.get(f"/api/v1/machines/{mid}/power").body["power"] == "off"
    # Every call logged in through SessionService and deleted its session again.
    logins = redfish.calls("POST", "/redfish/v1/SessionService/Sessions")
    assert len(logins) >= 4
    assert all(c[3] in ("session", "login") for c in redfish.calls())
    assert redfish.sessions == {}


def test_redfish_wrong_password(server, redfish):
    api = server.client("operator")
    mid = make_machine(server.client("admin"))
    set_bmc(api, mid, type="redfish", address=redfish.url, username=redfish.user,
            password="wrong")
    r = api.get(f"/api/v1/machines/{mid}/power")
    assert r.status == 502, r
    assert r.body["error"]["code"] == "bmc_auth_failed"
    assert redfish.calls("POST", "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset") == []


def test_qemu_qmp_power(server, tmp_path):
    api = server.client("operator")
    mid = make_machine(server.client("admin"))
    sock = tmp_path / "qmp" / "vm1.sock"
    qemu = subprocess.Popen(
        [QEMU, "-name", f"rkt-qmp-{os.getpid()}", "-machine", "pc,graphics=off", "-accel",
         "tcg", "-m", "64", "-display", "none", "-nodefaults", "-monitor", "none", "-serial",
         "none", "-S", "-no-shutdown", "-qmp", f"unix:{sock},server=on,wait=off"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(sock.exists, timeout=20)
        set_bmc(api, mid, type="qemu", address=str(sock))
        assert api.get(f"/api/v1/machines/{mid}/power").body["power"] == "off"
        assert api.post(f"/api/v1/machines/{mid}/power", {"action": "on"}).body["power"] == "on"
        assert api.post(f"/api/v1/machines/{mid}/power",
                        {"action": "off"}).body["power"] == "off"
        r = api.post(f"/api/v1/machines/{mid}/power", {"action": "on", "boot": "pxe"})
        assert r.status == 200, r
        assert qemu.poll() is None
        # A socket outside qmp_dir is refused before rackd connects to it.
        set_bmc(api, mid, type="qemu", address="/run/other.sock")
        r = api.get(f"/api/v1/machines/{mid}/power")
        assert r.status == 502, r
        assert "qmp_dir" in r.body["error"]["message"], r
    finally:
        qemu.kill()
        qemu.wait()


def test_lifecycle_transitions_checked(server):
    api = server.client("operator")
    mid = make_machine(server.client("admin"))
    r = api.post(f"/api/v1/machines/{mid}/release")
    assert r.status == 409, r
    assert r.body["error"]["code"] == "invalid_transition"
    assert r.body["error"]["state"] == "new"
    assert r.body["error"]["allowed"] == "commissioning, broken, retired"
    assert api.post(f"/api/v1/machines/{mid}/mark-broken").status == 400
    r = api.post(f"/api/v1/machines/{mid}/mark-broken", {"reason": "fan failed"})
    assert r.status == 202, r
    assert r.body["state"] == "broken"
    assert r.body["reason"] == "fan failed"
    assert api.post(f"/api/v1/machines/{mid}/mark-fixed").body["state"] == "ready"
    r = api.post(f"/api/v1/machines/{mid}/deploy", {"image": "missing.img", "sha256": "a" * 64})
    assert r.status == 422, r
    r = api.post(f"/api/v1/machines/{mid}/deploy", {"image": "x.img", "sha256": "xyz"})
    assert r.status == 400, r
    assert server.client("reader").post(f"/api/v1/machines/{mid}/commission").status == 403
    assert api.post(f"/api/v1/machines/{mid}/retire").body["state"] == "retired"
    changes = events_of(server.client("admin"), mid, "machine.state_changed")
    assert [(as_object(e["before"])["state"], as_object(e["after"])["state"])
            for e in changes] == [("new", "broken"), ("broken", "ready"), ("ready", "retired")]
    assert changes[0]["detail"] == "fan failed"
