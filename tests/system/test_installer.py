# SPDX-License-Identifier: Apache-2.0
"""Installer deploys: the REST checks of their package sources, the rendered
preseed, kickstart and autoinstall files, and a boot of the real Debian
installer from rackd's preseed.

The API tests run rackd on loopback. test_debian_installer_uses_preseed_mirror
boots Debian 12's netboot installer (package debian-installer-12-netboot-amd64)
in the virtual rack: one BIOS QEMU machine with ipmi_sim as its BMC is
commissioned, then deployed with {"installer": "debian", "mirror":
"http://192.0.2.2:8000/debian"}, where a small HTTP server started by the test
in the rack's namespace records each request and responds with 404. The test passes
when the installer has fetched its preseed from rackd and then requested the
mirror's dists/SUITE/Release from the address rackd leased to it. The
mirror's host appears only in the preseed, so that request shows the preseed
was parsed and applied.

NOTE: the install stops there, because the namespace contains no Debian mirror
(the installer shows "bad archive mirror"); the test then stops QEMU. The
namespace has no route out, so nothing reaches deb.debian.org or any address
outside it.

Environment: RACKD_BUILD (rackd, rackctl), RACKD_AGENT_BUILD (static
rackd-agent), RACKD_ASSETS (boot_dir built by scripts/build-assets). The
installer test needs root, qemu-system-x86, ipxe, openipmi, ipmitool and
debian-installer-12-netboot-amd64; under TCG it takes about two minutes.
"""

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from api_support import RACKCTL, Api, ApiServer, assert_error
from conftest import wait_for

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import vrack  # noqa: E402
import vrack_lifecycle  # noqa: E402

BUILD = Path(os.environ.get("RACKD_BUILD", REPO / "build"))
AGENT_BUILD = Path(os.environ.get("RACKD_AGENT_BUILD", REPO / "build"))
ASSETS = Path(os.environ.get("RACKD_ASSETS", REPO / "assets" / "boot"))
# Where debian-installer-12-netboot-amd64 installs the text-mode netboot kernel and initrd.
DEBIAN_INSTALLER = Path(
    "/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64")

MIRROR_ADDRESS = "192.0.2.2"  # on the rack's bridge, beside rackd's 192.0.2.1
MIRROR_PORT = 8000
MIRROR_URL = f"http://{MIRROR_ADDRESS}:{MIRROR_PORT}/debian"
# The installer's netboot initrd unpacks into RAM; below about 512 MiB it
# switches to its low-memory mode.
MEMORY_MIB = 1024
COMMISSION_TIMEOUT = 300
# Seconds from the deploy request to the preseed fetch, and from there to the
# mirror request. Measured under TCG on two cores shared with other QEMU
# machines: 84 s and 44 s.
PRESEED_TIMEOUT = 400
MIRROR_TIMEOUT = 300

# A one-file HTTP server for the namespace: it appends {"client", "path"} as
# one JSON line per request to the log file and responds with 404.
MIRROR_SERVER = r'''
import http.server, json, sys

address, port, log_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(log_path, "a") as log:
            log.write(json.dumps({"client": self.client_address[0], "path": self.path}) + "\n")
        self.send_error(404)

    do_HEAD = do_GET

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer((address, port), Handler).serve_forever()
'''


# --- the REST checks and the rendered files (rackd on loopback) ---------------


@pytest.fixture
def server(tmp_path):
    srv = ApiServer(tmp_path, extra_config="[dns]\ndomain = lab.example\n")
    yield srv
    srv.stop()


def ready_machine(api, mac):
    """Creates a machine and brings it to ready through broken and mark-fixed."""
    mid = api.create("/api/v1/machines", {"mac": mac, "hostname": "inst1"})["id"]
    assert api.post(f"/api/v1/machines/{mid}/mark-broken", {"reason": "test"}).status == 202
    assert api.post(f"/api/v1/machines/{mid}/mark-fixed", {}).body["state"] == "ready"
    return mid


def deploy_body(installer, **extra):
    return {"installer": installer, "kernel": "inst/linux", "initrd": "inst/initrd.gz", **extra}


def install_url(server, mac, name):
    """Returns the path of the machine's rendered file from the URL on its kernel line."""
    script = server.client(None).get(f"/boot/ipxe?mac={mac}").body
    match = re.search(r"http://[^/ ]+(/install/\d+/[0-9a-f]+/)", script)
    assert match, script
    return match.group(1) + name


def fetch(server, mac, name):
    r = server.client(None).get(install_url(server, mac, name))
    assert r.status == 200, r
    return r.body


@pytest.mark.parametrize("mirror", [
    "ftp://mirror.example/debian",
    "mirror.example/debian",
    "http://user:secret@mirror.example/debian",
    "http://mirror.example:99999/debian",
    "http://mirror.example/debian?x=1",
    "http://mirror.example/debian'; reboot",
    "http://bad_host.example/debian",
])
def test_deploy_rejects_invalid_mirror(server, mirror):
    api = server.client("operator")
    mid = ready_machine(server.client("admin"), "52:54:00:dd:00:01")
    r = api.post(f"/api/v1/machines/{mid}/deploy", deploy_body("debian", mirror=mirror))
    assert_error(r, 400, "invalid_field", "mirror")
    assert mirror in r.body["error"]["message"]
    assert api.get(f"/api/v1/machines/{mid}/lifecycle").body["state"] == "ready"


def test_deploy_rejects_invalid_proxy_and_ntp(server):
    api = server.client("operator")
    mid = ready_machine(server.client("admin"), "52:54:00:dd:00:02")
    r = api.post(f"/api/v1/machines/{mid}/deploy",
                 deploy_body("debian", proxy="socks5://proxy.example:1080"))
    assert_error(r, 400, "invalid_field", "proxy")
    assert "socks5://proxy.example:1080" in r.body["error"]["message"]
    r = api.post(f"/api/v1/machines/{mid}/deploy", deploy_body("debian", ntp_server="ntp;ls"))
    assert_error(r, 400, "invalid_field", "ntp_server")
    r = api.post(f"/api/v1/machines/{mid}/deploy", deploy_body("debian", mirror=42))
    assert_error(r, 400, "invalid_field", "mirror")


def test_deploy_rhel_proxy_needs_mirror(server):
    api = server.client("operator")
    mid = ready_machine(server.client("admin"), "52:54:00:dd:00:03")
    r = api.post(f"/api/v1/machines/{mid}/deploy",
                 deploy_body("rhel", proxy="http://proxy.example:3128"))
    assert_error(r, 400, "missing_field", "mirror")


def test_image_deploy_rejects_mirror(server):
    api = server.client("operator")
    mid = ready_machine(server.client("admin"), "52:54:00:dd:00:04")
    r = api.post(f"/api/v1/machines/{mid}/deploy",
                 {"image": "x.img", "sha256": "a" * 64, "mirror": "http://m.example/debian"})
    assert_error(r, 400, "invalid_field", "mirror")


def test_preseed_carries_mirror_proxy_and_clock(server):
    mac = "52:54:00:dd:00:05"
    api = server.client("operator")
    mid = ready_machine(server.client("admin"), mac)
    r = api.post(f"/api/v1/machines/{mid}/deploy", deploy_body(
        "debian", mirror="http://192.0.2.2:8000/debian", proxy="http://proxy.example:3128/",
        ntp_server="ntp.lab.example"))
    assert r.status == 202, r
    assert r.body["task"]["mirror"] == "http://192.0.2.2:8000/debian"
    assert r.body["task"]["proxy"] == "http://proxy.example:3128/"
    assert r.body["task"]["ntp_server"] == "ntp.lab.example"
    lines = fetch(server, mac, "preseed.cfg").splitlines()
    for line in ("d-i mirror/country string manual",
                 "d-i mirror/protocol string http",
                 "d-i mirror/http/hostname string 192.0.2.2:8000",
                 "d-i mirror/http/directory string /debian",
                 "d-i mirror/http/proxy string http://proxy.example:3128/",
                 "d-i apt-setup/security_host string 192.0.2.2:8000",
                 "d-i apt-setup/security_path string /debian-security",
                 "d-i netcfg/get_domain string lab.example",
                 "d-i time/zone string Etc/UTC",
                 "d-i clock-setup/utc boolean true",
                 "d-i clock-setup/ntp boolean true",
                 "d-i clock-setup/ntp-server string ntp.lab.example",
                 "d-i apt-setup/non-free-firmware boolean true"):
        assert line in lines, line


def test_preseed_quotes_ssh_keys(server):
    mac = "52:54:00:dd:00:09"
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0x it's mine; $(reboot) `id`"
    mid = ready_machine(server.client("admin"), mac)
    r = server.client("operator").post(f"/api/v1/machines/{mid}/deploy",
                                       deploy_body("debian", ssh_keys=[key]))
    assert r.status == 202, r
    late = next(line for line in fetch(server, mac, "preseed.cfg").splitlines()
                if line.startswith("d-i preseed/late_command string "))
    echo = re.search(r"; (echo .*?) >> /target/root/\.ssh/authorized_keys", late)
    assert echo, late
    # The shell prints the key back unchanged: nothing in it was run.
    out = subprocess.run(["sh", "-c", echo.group(1)], capture_output=True, text=True,
                         check=True)
    assert out.stdout == key + "\n"


@pytest.mark.parametrize("brk", ["\r", "\t", "\x7f", "\u0085", "\u2028", "\u2029"])
def test_deploy_rejects_line_breaks_in_ssh_key(server, brk):
    mid = ready_machine(server.client("admin"), "52:54:00:dd:00:0a")
    r = server.client("operator").post(f"/api/v1/machines/{mid}/deploy", deploy_body(
        "rhel", ssh_keys=[f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 a{brk}%post"]))
    assert r.status == 400, r
    assert r.body["error"]["field"] == "ssh_keys"


def test_cloud_init_only_for_lease_holder(tmp_path):
    srv = ApiServer(tmp_path, extra_config="[http]\nnetboot_requires_lease = true\n")
    try:
        admin = srv.client("admin")
        mac = "52:54:00:dd:00:0b"
        mid = ready_machine(admin, mac)
        r = srv.client("operator").post(f"/api/v1/machines/{mid}/deploy", deploy_body("debian"))
        assert r.status == 202, r
        anon = srv.client(None)
        assert_error(anon.get(f"/cloud-init/{mid}/user-data"), 403, "not_leased")
        # A lease of 127.0.0.1 to another MAC does not open the data either.
        subnet = admin.create("/api/v1/subnets", {"name": "ci", "cidr": "10.77.0.0/24"})
        db = sqlite3.connect(tmp_path / "data" / "rackd.db")

        def lease_to(lease_mac):
            with db:
                db.execute("INSERT OR REPLACE INTO leases (address, subnet_id, client_id, mac,"
                           " expires, updated, state) VALUES (?, ?, ?, ?, ?, ?, 1)",
                           (0x7f000001, subnet["id"], b"\x01", lease_mac,
                            int(time.time()) + 600, int(time.time())))

        lease_to("52:54:00:dd:00:99")
        assert_error(anon.get(f"/cloud-init/{mid}/user-data"), 403, "not_leased")
        lease_to(mac)
        r = anon.get(f"/cloud-init/{mid}/user-data")
        assert r.status == 200, r
        assert r.body.startswith("#cloud-config")
        db.close()
    finally:
        srv.stop()


def test_rackctl_installer_deploy(server, tmp_path):
    mid = ready_machine(server.client("admin"), "52:54:00:dd:00:0c")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "RACKD_URL": server.url, "RACKD_TOKEN": server.tokens["operator"]}

    def rackctl(*args):
        return subprocess.run([str(RACKCTL), "machine", "deploy", str(mid), *args],
                              capture_output=True, text=True, env=env, timeout=60)

    bad = rackctl("--installer", "debian", "--kernel", "inst/linux")
    assert bad.returncode == 2
    assert "--initrd" in bad.stderr
    bad = rackctl("--image", "x.img", "--sha256", "ab" * 32, "--mirror", "http://m.example/d")
    assert bad.returncode == 2
    assert "need --installer" in bad.stderr
    done = rackctl("--installer", "debian", "--kernel", "inst/linux", "--initrd",
                   "inst/initrd.gz", "--mirror", "http://192.0.2.2/debian",
                   "--ntp-server", "ntp.lab.example")
    assert done.returncode == 0, done.stderr
    task = server.client("admin").get(f"/api/v1/machines/{mid}/lifecycle").body["task"]
    assert task["installer"] == "debian"
    assert task["mirror"] == "http://192.0.2.2/debian"
    assert task["ntp_server"] == "ntp.lab.example"


def test_agent_token_revoked_once_deployed(server):
    mac = "52:54:00:dd:00:0d"
    mid = ready_machine(server.client("admin"), mac)
    r = server.client("operator").post(f"/api/v1/machines/{mid}/deploy", deploy_body("debian"))
    assert r.status == 202, r
    token = install_url(server, mac, "").split("/")[3]
    agent = Api(server.port, token)
    done = {"machine_id": mid, "action": "deploy", "status": "done", "percent": 100,
            "message": "installer finished"}
    r = agent.post("/api/v1/agent/progress", body=done)
    assert r.status == 200, r
    assert server.client("admin").get(f"/api/v1/machines/{mid}/lifecycle").body["state"] == \
        "deployed"
    # The token on the installer's kernel line opens nothing any more.
    report = {"machine_id": mid, "cpu_count": 1, "memory_bytes": 1 << 20, "macs": [mac]}
    assert_error(agent.post("/api/v1/agent/report", body=report), 401)
    assert server.client(None).get(f"/install/{mid}/{token}/preseed.cfg").status in (401, 404)


def test_preseed_https_mirror_without_proxy(server):
    mac = "52:54:00:dd:00:06"
    mid = ready_machine(server.client("admin"), mac)
    r = server.client("operator").post(f"/api/v1/machines/{mid}/deploy", deploy_body(
        "debian", mirror="https://[2001:db8::7]/pub/debian/"))
    assert r.status == 202, r
    lines = fetch(server, mac, "preseed.cfg").splitlines()
    for line in ("d-i mirror/protocol string https",
                 "d-i mirror/https/hostname string [2001:db8::7]",
                 "d-i mirror/https/directory string /pub/debian/",
                 "d-i mirror/https/proxy string ",
                 "d-i apt-setup/security_path string /pub/debian-security"):
        assert line in lines, line
    assert not any(line.startswith("d-i clock-setup/ntp") for line in lines)


def test_preseed_without_mirror_keeps_default(server):
    mac = "52:54:00:dd:00:07"
    mid = ready_machine(server.client("admin"), mac)
    r = server.client("operator").post(f"/api/v1/machines/{mid}/deploy", deploy_body("debian"))
    assert r.status == 202, r
    text = fetch(server, mac, "preseed.cfg")
    assert "mirror/http/hostname" not in text
    assert "apt-setup/security_host" not in text
    assert "d-i mirror/http/proxy string \n" in text


def test_kickstart_carries_mirror_and_proxy(server):
    mac = "52:54:00:dd:00:08"
    mid = ready_machine(server.client("admin"), mac)
    r = server.client("operator").post(f"/api/v1/machines/{mid}/deploy", deploy_body(
        "rhel", mirror="http://mirror.example/rocky/9/BaseOS/x86_64/os",
        proxy="http://proxy.example:3128", ntp_server="192.0.2.1"))
    assert r.status == 202, r
    lines = fetch(server, mac, "kickstart.cfg").splitlines()
    assert ("url --url=http://mirror.example/rocky/9/BaseOS/x86_64/os"
            " --proxy=http://proxy.example:3128") in lines
    assert "timezone Etc/UTC --utc --ntpservers=192.0.2.1" in lines


def test_autoinstall_carries_mirror_and_proxy(server):
    yaml = pytest.importorskip("yaml")
    mac = "52:54:00:dd:00:09"
    mid = ready_machine(server.client("admin"), mac)
    r = server.client("operator").post(f"/api/v1/machines/{mid}/deploy", deploy_body(
        "ubuntu", mirror="http://mirror.example/ubuntu", proxy="http://proxy.example:3128",
        ntp_server="ntp.lab.example"))
    assert r.status == 202, r
    doc = yaml.safe_load(fetch(server, mac, "user-data"))["autoinstall"]
    assert doc["apt"]["primary"] == [{"arches": ["default"],
                                      "uri": "http://mirror.example/ubuntu"}]
    assert doc["proxy"] == "http://proxy.example:3128"
    assert doc["timezone"] == "Etc/UTC"
    assert doc["user-data"]["ntp"]["servers"] == ["ntp.lab.example"]
    assert doc["identity"]["hostname"] == "inst1"


# --- the real Debian installer in the virtual rack ----------------------------


def http_events(rack, path_pattern):
    """rackd's HTTP log lines whose path matches path_pattern."""
    events = []
    for line in rack.rackd_log_text().splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("subsystem") == "http" and re.fullmatch(path_pattern,
                                                             str(event.get("path", ""))):
            events.append(event)
    return events


def mirror_requests(log_path):
    if not log_path.exists():
        return []
    return [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]


def serial_screen(rack, machine, tail=3000):
    """The end of the machine's serial console with the terminal escapes removed."""
    text = rack.serial_text(machine)[-tail * 4:].decode(errors="replace")
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0B]", " ", text)
    return re.sub(r"[ \t]+", " ", text)[-tail:]


def stop_qemu(pidfile):
    """Stops the machine's QEMU process by the PID in its pidfile."""
    try:
        pid = int(pidfile.read_text().strip())
    except (FileNotFoundError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    wait_for(lambda: not Path(f"/proc/{pid}").exists(), timeout=10, interval=0.2)


@pytest.fixture
def installer_rack(tmp_path):
    """A virtual rack whose boot_dir contains the ephemeral environment and the installer."""
    subprocess.run([str(REPO / "scripts" / "build-assets"), "--build", str(AGENT_BUILD),
                    str(ASSETS)], check=True)
    boot_dir = tmp_path / "boot"
    shutil.copytree(ASSETS, boot_dir)
    (boot_dir / "debian-installer").mkdir()
    for name in ("linux", "initrd.gz"):
        shutil.copy(DEBIAN_INSTALLER / name, boot_dir / "debian-installer" / name)
    with vrack_lifecycle.LifecycleRack(machines=1, build_dir=BUILD, boot_dir=boot_dir,
                                       memory_mib=MEMORY_MIB) as rack:
        yield rack


@pytest.mark.skipif(os.geteuid() != 0, reason="the virtual rack needs root")
@pytest.mark.skipif(not all(shutil.which(t) for t in (vrack.QEMU, "ipmi_sim", "ipmitool")),
                    reason="needs qemu-system-x86_64, ipmi_sim (openipmi) and ipmitool")
@pytest.mark.skipif(not (DEBIAN_INSTALLER / "initrd.gz").is_file(),
                    reason="needs debian-installer-12-netboot-amd64")
def test_debian_installer_uses_preseed_mirror(installer_rack):
    rack = installer_rack
    machine = rack.machines[0]
    # The namespace must have no way out: every request stays on its bridge.
    routes = vrack.run(["ip", "-n", rack.namespace, "route", "show", "default"]).stdout
    assert routes.strip() == ""

    vrack.run(["ip", "-n", rack.namespace, "addr", "add", f"{MIRROR_ADDRESS}/24",
               "dev", vrack.BRIDGE])
    mirror_log = rack.workdir / "mirror.log"
    server_script = rack.workdir / "mirror_server.py"
    server_script.write_text(MIRROR_SERVER)
    # ip execs the interpreter, so Popen.pid is the server's own PID; the
    # rack's teardown ends every process in the namespace.
    mirror = subprocess.Popen(rack.ns("/usr/bin/python3", server_script, MIRROR_ADDRESS,
                                      MIRROR_PORT, mirror_log),
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)

    rack.boot()
    mid = rack.add_machine(machine)
    rc, out = rack.lifecycle(machine, "commission", timeout=COMMISSION_TIMEOUT)
    assert rc == 0, out + rack.rackd_log_text()[-3000:]

    status, body = rack.api("POST", f"/machines/{mid}/deploy", {
        "installer": "debian", "kernel": "debian-installer/linux",
        "initrd": "debian-installer/initrd.gz", "mirror": MIRROR_URL})
    assert status == 202, body
    deployed = time.monotonic()
    try:
        preseed = wait_for(lambda: [e for e in http_events(
            rack, rf"/install/{mid}/-/preseed\.cfg") if str(e.get("status")) == "200"],
            timeout=PRESEED_TIMEOUT)
        assert preseed, serial_screen(rack, machine)
        status, leases = rack.api("GET", f"/leases?mac={machine.mac}")
        assert status == 200, leases
        leased = {item["address"] for item in leases["items"]}
        assert preseed[0]["peer"] in leased

        fetched_preseed = time.monotonic()

        # choose-mirror probes dists/SUITE/Release for its suite names
        # (oldstable, stable, ...) and codenames; any of them proves the
        # preseed's mirror/http/hostname and directory were used.
        release = wait_for(lambda: [r for r in mirror_requests(mirror_log)
                                    if re.fullmatch(r"/debian/dists/[a-z-]+/(In)?Release",
                                                    r["path"])],
                           timeout=MIRROR_TIMEOUT)
        assert release, serial_screen(rack, machine)
        print(f"\ninstaller: preseed {fetched_preseed - deployed:.0f} s after the deploy, "
              f"mirror request {time.monotonic() - fetched_preseed:.0f} s later")
        requests = mirror_requests(mirror_log)
        assert {r["client"] for r in requests} == {preseed[0]["peer"]}, requests
        assert all(r["path"].startswith("/debian/") for r in requests), requests
        assert mirror.poll() is None
    finally:
        stop_qemu(rack.workdir / f"{machine.name}.pid")
