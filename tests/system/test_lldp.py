# SPDX-License-Identifier: Apache-2.0
"""LLDP neighbours in the commissioning facts, with lldpd as the switch.

lldpd (Debian package lldpd) runs inside the virtual rack's namespace on the
machine's tap, sending a frame every second under a known system name with
the tap's name as its port ID. One BIOS QEMU machine is commissioned over
IPMI as in test_lifecycle.py, and its stored facts must name lldpd's chassis
ID, system name and management address and the tap as the port. lldpd in
turn must list the agent as its neighbour on the tap: the machine's MAC as
chassis ID, its interface name as port ID, rackd-agent in the system
description. A second
part posts malformed lldp facts to the agent report endpoint of a rackd on
loopback and expects 400 with code invalid_lldp. A third runs rackd-agent
in a namespace on both ends of one veth pair, where each end hears the
other's announcement, and expects no neighbours.

Environment: RACKD_BUILD (rackd, rackctl), RACKD_AGENT_BUILD (static
rackd-agent), RACKD_ASSETS (boot_dir). The rack part needs root,
qemu-system-x86, ipxe, openipmi, ipmitool and lldpd. TCG only: the boot
takes 10 to 30 s.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import vrack  # noqa: E402
import vrack_lifecycle  # noqa: E402
from api_support import Api, ApiServer, assert_error  # noqa: E402

BUILD = Path(os.environ.get("RACKD_BUILD", REPO / "build"))
AGENT_BUILD = Path(os.environ.get("RACKD_AGENT_BUILD", REPO / "build"))
ASSETS = Path(os.environ.get("RACKD_ASSETS", REPO / "assets" / "boot"))
LLDPD = "/usr/sbin/lldpd"
LLDPCLI = "/usr/sbin/lldpcli"
SWITCH_NAME = f"rkt-switch-{os.getpid()}"
# lldpd sends every second, so the agent stops waiting as soon as the frame is in;
# the limit only matters when no frame comes.
LLDP_WAIT = 60
STEP_TIMEOUT = 400


def rack_missing():
    """Returns why the rack part cannot run here, or None."""
    if os.geteuid() != 0:
        return "the virtual rack needs root"
    if not all(shutil.which(t) for t in (vrack.QEMU, "ipmi_sim", "ipmitool")):
        return "needs qemu-system-x86_64, ipmi_sim (openipmi) and ipmitool"
    if not (os.access(LLDPD, os.X_OK) and os.access(LLDPCLI, os.X_OK)):
        return "needs lldpd and lldpcli (apt-get install lldpd)"
    return None


needs_rack = pytest.mark.skipif(rack_missing() is not None, reason=str(rack_missing()))


class Lldpd:
    """lldpd inside a namespace on one interface, with its own socket and config file."""

    def __init__(self, namespace, interface, system_name, management_ip):
        self.namespace = namespace
        # lldpd runs lldpcli on the config file as its unprivileged user
        # _lldpd, which must reach the control socket in this directory.
        self.dir = Path(tempfile.mkdtemp(prefix="rkt-lldpd."))
        os.chmod(self.dir, 0o755)
        self.socket = self.dir / "lldpd.sock"
        config = self.dir / "lldpd.conf"
        config.write_text("configure lldp tx-interval 1\n"
                          f"configure system hostname {system_name}\n"
                          "configure lldp portidsubtype ifname\n")
        self.log = open(self.dir / "lldpd.log", "wb")
        # -d stays in the foreground; ip execs lldpd, so Popen.pid is lldpd's own PID.
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", namespace, LLDPD, "-d", "-u", str(self.socket),
             "-I", interface, "-m", management_ip, "-O", str(config)],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)

    def chassis(self, system_name, timeout=20):
        """Waits until lldpd's local chassis carries system_name; returns it as lldpcli prints it.

        lldpd applies its config file a moment after it starts sending, so
        the first frames still carry the host's name.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"lldpd exited with status {self.proc.returncode}: "
                                     + self.log_text())
            r = subprocess.run(["ip", "netns", "exec", self.namespace, LLDPCLI, "-u",
                                str(self.socket), "show", "chassis", "-f", "json"],
                               capture_output=True, text=True, timeout=10)
            if r.returncode == 0 and r.stdout.strip():
                chassis = json.loads(r.stdout).get("local-chassis", {}).get("chassis", {})
                if system_name in chassis:
                    return chassis[system_name]
            time.sleep(0.5)
        raise AssertionError(f"lldpd did not report system name {system_name} on "
                             f"{self.socket}: " + self.log_text())

    def neighbors(self):
        """What lldpcli shows of the neighbours lldpd heard, as JSON text."""
        r = subprocess.run(["ip", "netns", "exec", self.namespace, LLDPCLI, "-u",
                            str(self.socket), "show", "neighbors", "-f", "json"],
                           capture_output=True, text=True, timeout=10)
        assert r.returncode == 0, r.stderr
        return r.stdout

    def log_text(self):
        return (self.dir / "lldpd.log").read_text(errors="replace")[-2000:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def rack():
    subprocess.run([str(REPO / "scripts" / "build-assets"), "--build", str(AGENT_BUILD),
                    str(ASSETS)], check=True)
    with vrack_lifecycle.LifecycleRack(machines=1, build_dir=BUILD, boot_dir=ASSETS,
                                       lldp_wait=LLDP_WAIT) as r:
        r.machine = r.machines[0]
        r.lldpd = Lldpd(r.namespace, r.machine.tap, SWITCH_NAME, vrack.SERVER_ADDRESS)
        try:
            r.switch = r.lldpd.chassis(SWITCH_NAME)
            r.boot()
            r.id = r.add_machine(r.machine)
            yield r
        finally:
            r.lldpd.stop()


def machine_facts(rack):
    status, m = rack.api("GET", f"/machines/{rack.id}")
    assert status == 200, m
    return m["facts"]


@needs_rack
def test_commission_reports_lldpd_neighbor(rack):
    rc, out = rack.lifecycle(rack.machine, "commission", timeout=STEP_TIMEOUT)
    assert rc == 0, out + rack.rackd_log_text()[-3000:]
    facts = machine_facts(rack)
    nic = next(n for n in facts["nics"] if n["mac"] == rack.machine.mac)
    neighbors = [e for e in facts["lldp"] if e["interface"] == nic["name"]]
    serial = rack.serial_text(rack.machine).decode(errors="replace")
    assert len(neighbors) == 1, (facts["lldp"], serial[-3000:], rack.lldpd.log_text())
    neighbor = neighbors[0]
    assert neighbor["system_name"] == SWITCH_NAME
    assert neighbor["chassis_id_subtype"] == "mac_address"
    assert rack.switch["id"]["type"] == "mac"
    assert neighbor["chassis_id"] == rack.switch["id"]["value"]
    assert neighbor["port_id_subtype"] == "interface_name"
    assert neighbor["port_id"] == rack.machine.tap
    assert neighbor["port_description"] == rack.machine.tap
    assert vrack.SERVER_ADDRESS in neighbor["management_addresses"]
    assert neighbor["ttl"] > 0
    assert neighbor["vlan_id"] is None

    # The agent announced itself, and its frame (TTL 120 s) is still held.
    switch_view = json.loads(rack.lldpd.neighbors())["lldp"]
    assert switch_view, "lldpd lists no neighbour: " + rack.lldpd.log_text()
    text = json.dumps(switch_view)
    assert rack.machine.mac.lower() in text.lower(), text
    assert f'"value": "{nic["name"]}"' in text, text
    assert "rackd-agent" in text, text


@needs_rack
def test_lldpd_stopped_and_removed(rack):
    directory = rack.lldpd.dir
    rack.lldpd.stop()
    assert rack.lldpd.proc.returncode is not None
    assert not directory.exists()
    leftover = vrack.run(["ip", "netns", "pids", rack.namespace]).stdout.split()
    assert str(rack.lldpd.proc.pid) not in leftover


@pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root")
def test_agent_ignores_own_frames():
    """Two ends of one veth pair hear each other's announcements, which are no neighbours."""
    namespace = f"rkt-lldp-{os.getpid()}"
    agent = AGENT_BUILD / "src" / "agent" / "rackd-agent"
    subprocess.run(["ip", "netns", "add", namespace], check=True)
    try:
        subprocess.run(["ip", "-n", namespace, "link", "add", "rkt-a", "type", "veth",
                        "peer", "name", "rkt-b"], check=True)
        for name in ("rkt-a", "rkt-b"):
            subprocess.run(["ip", "-n", namespace, "link", "set", name, "up"], check=True)
        out = subprocess.run(["ip", "netns", "exec", namespace, str(agent), "--print",
                              "--lldp-wait", "3", "--cmdline", "/dev/null"],
                             capture_output=True, text=True, timeout=60)
    finally:
        subprocess.run(["ip", "netns", "del", namespace], check=True)
    assert out.returncode == 0, out.stderr
    assert "interfaces=2 " in out.stderr, out.stderr
    assert "frames_sent=2 " in out.stderr, out.stderr
    assert json.loads(out.stdout)["lldp"] == [], out.stderr


VALID_NEIGHBOR = {
    "interface": "eth0", "chassis_id": "52:54:00:12:34:56", "chassis_id_subtype": "mac_address",
    "port_id": "swp7", "port_id_subtype": "interface_name", "ttl": 120,
    "port_description": None, "system_name": "leaf1", "system_description": None,
    "management_addresses": ["192.0.2.1", "2001:db8::1"], "vlan_id": 42,
}

MALFORMED_LLDP = {
    "not-a-list": {"eth0": VALID_NEIGHBOR},
    "entry-not-object": ["eth0"],
    "missing-chassis": [{k: v for k, v in VALID_NEIGHBOR.items() if k != "chassis_id"}],
    "empty-port-id": [dict(VALID_NEIGHBOR, port_id="")],
    "unknown-subtype": [dict(VALID_NEIGHBOR, chassis_id_subtype="serial")],
    "ttl-too-big": [dict(VALID_NEIGHBOR, ttl=65536)],
    "vlan-zero": [dict(VALID_NEIGHBOR, vlan_id=0)],
    "name-not-ascii": [dict(VALID_NEIGHBOR, system_name="sw\u00e9")],
    "name-too-long": [dict(VALID_NEIGHBOR, system_name="x" * 256)],
    "bad-address": [dict(VALID_NEIGHBOR, management_addresses=["192.0.2.300"])],
    "too-many-addresses": [dict(VALID_NEIGHBOR, management_addresses=["192.0.2.1"] * 5)],
    "too-many-neighbors": [VALID_NEIGHBOR] * 65,
}


@pytest.fixture(scope="module")
def api_server(tmp_path_factory):
    server = ApiServer(tmp_path_factory.mktemp("lldp-api"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def agent(api_server):
    """A netboot machine's id and an agent client with its token from the boot script."""
    script = Api(api_server.port, None).get("/boot/ipxe?mac=52:54:00:11:00:01&arch=x86_64"
                                            "&firmware=bios")
    assert script.status == 200, script.body
    assert "rackd.lldp_wait=35 " in script.body
    machine_id = int(re.search(r"rackd\.machine=(\d+)", script.body).group(1))
    token = re.search(r"rackd\.token=([0-9a-f]{64})", script.body).group(1)
    return machine_id, Api(api_server.port, token)


def test_report_lldp_stored(api_server, agent):
    machine_id, client = agent
    report = {"machine_id": machine_id, "macs": ["52:54:00:11:00:01"], "lldp": [VALID_NEIGHBOR]}
    r = client.post("/api/v1/agent/report", body=report)
    assert r.status == 200, r.body
    m = api_server.client("reader").get(f"/api/v1/machines/{machine_id}").body
    assert m["facts"]["lldp"] == [VALID_NEIGHBOR]
    rackctl_get = subprocess.run([str(BUILD / "src" / "cli" / "rackctl"), "machines", "get",
                            str(machine_id)], capture_output=True, text=True, timeout=60,
                           env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                "RACKD_URL": api_server.url,
                                "RACKD_TOKEN": api_server.tokens["reader"]})
    assert rackctl_get.returncode == 0, rackctl_get.stderr
    assert ("neighbor  eth0: leaf1 port swp7 (interface_name) chassis 52:54:00:12:34:56 "
            "(mac_address) vlan 42\n") in rackctl_get.stdout


def test_report_empty_lldp_accepted(agent):
    machine_id, client = agent
    r = client.post("/api/v1/agent/report", body={"machine_id": machine_id, "lldp": []})
    assert r.status == 200, r.body


@pytest.mark.parametrize("lldp", MALFORMED_LLDP.values(), ids=MALFORMED_LLDP.keys())
def test_report_malformed_lldp_rejected(agent, lldp):
    machine_id, client = agent
    r = client.post("/api/v1/agent/report", body={"machine_id": machine_id, "lldp": lldp})
    assert_error(r, 400, "invalid_lldp", "lldp")
    assert "lldp" in r.body["error"]["message"]
