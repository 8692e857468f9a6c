# SPDX-License-Identifier: Apache-2.0
"""The whole machine lifecycle in the virtual rack, with ipmi_sim as the BMC.

One BIOS QEMU machine with a 64 MiB disk goes new -> commissioning -> ready
(its facts match the QEMU machine) -> deploying -> deployed (the image is
checked by reading the disk file back, and the machine boots it from disk)
-> releasing with a quick erase -> ready, and then a deployment with a
wrong checksum ends in broken. rackd drives the power over IPMI 2.0 and
ipmitool cross-checks it. Every step runs through rackctl.

Environment: RACKD_BUILD (rackd, rackctl), RACKD_AGENT_BUILD (static
rackd-agent), RACKD_ASSETS (boot_dir). Needs root, qemu-system-x86, ipxe,
openipmi and ipmitool. TCG only: each boot takes 10 to 30 s.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import wait_for

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import vrack  # noqa: E402
import vrack_lifecycle  # noqa: E402

BUILD = Path(os.environ.get("RACKD_BUILD", REPO / "build"))
AGENT_BUILD = Path(os.environ.get("RACKD_AGENT_BUILD", REPO / "build"))
ASSETS = Path(os.environ.get("RACKD_ASSETS", REPO / "assets" / "boot"))
DISK_MIB = 64
MEMORY_MIB = 512
STEP_TIMEOUT = 400

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="the virtual rack needs root"),
    pytest.mark.skipif(not all(shutil.which(t) for t in (vrack.QEMU, "ipmi_sim", "ipmitool")),
                       reason="needs qemu-system-x86_64, ipmi_sim (openipmi) and ipmitool"),
]


@pytest.fixture(scope="module")
def rack():
    subprocess.run([str(REPO / "scripts" / "build-assets"), "--build", str(AGENT_BUILD),
                    str(ASSETS)], check=True)
    with vrack_lifecycle.LifecycleRack(machines=1, disk_mib=DISK_MIB, build_dir=BUILD,
                                       boot_dir=ASSETS, memory_mib=MEMORY_MIB) as r:
        r.sha = vrack_lifecycle.make_test_image(r.image_dir / "test.img")
        r.boot()
        r.machine = r.machines[0]
        r.id = r.add_machine(r.machine)
        r.timings = {}
        yield r
        print(f"\nlifecycle step seconds: {r.timings}")


def lifecycle(rack):
    status, body = rack.api("GET", f"/machines/{rack.id}/lifecycle")
    assert status == 200, body
    return body


def power(rack):
    """Power state as ipmitool reads it from the machine's ipmi_sim."""
    return rack.sims[rack.machine.name].power_state()


def step(rack, name, *args):
    t0 = time.monotonic()
    rc, out = rack.lifecycle(rack.machine, name, *args, timeout=STEP_TIMEOUT)
    rack.timings[name if name not in rack.timings else name + "-2"] = round(
        time.monotonic() - t0, 1)
    return rc, out


def state_changes(rack):
    status, body = rack.api("GET", f"/events?object=machine/{rack.id}&limit=1000")
    assert status == 200, body
    changes = []
    for e in body["items"]:
        if e["kind"] != "machine.state_changed":
            continue
        after = e["after"] if isinstance(e["after"], dict) else json.loads(e["after"])
        before = e["before"] if isinstance(e["before"], dict) else json.loads(e["before"])
        changes.append((before["state"], after["state"], e["actor"], e["detail"]))
    return changes


def test_new_machine_is_off(rack):
    assert lifecycle(rack)["state"] == "new"
    assert power(rack) == "off"


def test_commission(rack):
    rc, out = step(rack, "commission")
    assert rc == 0, out + rack.rackd_log_text()[-3000:]
    assert lifecycle(rack)["state"] == "ready"
    # The ephemeral environment powers the machine off after its report.
    assert wait_for(lambda: power(rack) == "off", timeout=60)


def test_commission_facts_match_machine(rack):
    status, m = rack.api("GET", f"/machines/{rack.id}")
    assert status == 200, m
    facts = m["facts"]
    assert m["cpu_count"] == 1
    # MemTotal is the RAM less what firmware and kernel keep.
    assert MEMORY_MIB * 1024 * 1024 * 0.8 < m["memory_bytes"] <= MEMORY_MIB * 1024 * 1024
    assert rack.machine.mac in facts["macs"]
    disks = {d["name"]: d for d in facts["disks"]}
    assert disks["vda"]["size_bytes"] == DISK_MIB * 1024 * 1024
    assert disks["vda"]["serial"] == "VRACK-DISK-0001"
    nic = next(n for n in facts["nics"] if n["mac"] == rack.machine.mac)
    assert nic["driver"] == "virtio_net"
    assert any(p["vendor"] == "1af4" for p in facts["pci"])  # virtio devices
    assert facts["dmi"]["product_serial"] == "VRACK-0001"
    assert facts["cpu_model"]


def test_deploy_writes_image_and_boots_it(rack):
    rc, out = step(rack, "deploy", "--image", "test.img", "--sha256", rack.sha)
    assert rc == 0, out + rack.rackd_log_text()[-3000:]
    lc = lifecycle(rack)
    assert lc["state"] == "deployed"
    assert lc["progress"] == 100
    size = (rack.image_dir / "test.img").stat().st_size
    with open(rack.machine.disk, "rb") as f:
        written = f.read(size)
    assert hashlib.sha256(written).hexdigest() == rack.sha
    # After the deployment the machine netboots, gets the local-disk script
    # and runs the image's boot sector, which prints the marker.
    assert wait_for(lambda: vrack_lifecycle.TEST_IMAGE_MARKER in rack.serial_text(rack.machine),
                    timeout=180), rack.serial_text(rack.machine)[-2000:]
    assert power(rack) == "on"


def test_release_with_quick_erase(rack):
    rc, out = step(rack, "release", "--erase", "quick")
    assert rc == 0, out + rack.rackd_log_text()[-3000:]
    assert lifecycle(rack)["state"] == "ready"
    data = rack.machine.disk.read_bytes()
    mib = 1024 * 1024
    assert data[:mib] == bytes(mib)
    assert data[-mib:] == bytes(mib)
    assert wait_for(lambda: power(rack) == "off", timeout=60)


def test_deploy_wrong_checksum_breaks(rack):
    wrong = "0" * 64
    rc, out = step(rack, "deploy", "--image", "test.img", "--sha256", wrong)
    assert rc != 0
    lc = lifecycle(rack)
    assert lc["state"] == "broken"
    assert "sha256 mismatch" in lc["reason"]
    assert wrong in lc["reason"]
    assert rack.sha in lc["reason"]


def test_every_transition_is_an_event(rack):
    changes = state_changes(rack)
    assert [(a, b) for a, b, _, _ in changes] == [
        ("new", "commissioning"), ("commissioning", "ready"),
        ("ready", "deploying"), ("deploying", "deployed"),
        ("deployed", "releasing"), ("releasing", "ready"),
        ("ready", "deploying"), ("deploying", "broken")]
    assert changes[0][2] == "token:vrack"
    assert changes[1][2] == "agent"
    assert "sha256 mismatch" in changes[-1][3]
