#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""vrack_lifecycle -- the machine lifecycle in the virtual rack, driven over IPMI.

Each machine gets a raw disk and OpenIPMI's ipmi_sim as its BMC, inside the
rack's namespace: rackd powers it on and off over IPMI 2.0 (lanplus), and
ipmi_sim starts and stops its QEMU process. The machines run without
-no-reboot, so a deployed machine's reboot netboots again and rackd's
script sends it to its disk.

`LifecycleRack` is the rack; `make_test_image()` writes a small disk image
whose boot sector prints TEST_IMAGE_MARKER on the serial port. As a program
it shows machines going through commission, deploy and release:

    vrack_lifecycle.py [--machines N] [--build DIR] [--boot-dir DIR] [--keep]
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vrack  # noqa: E402
from vrack_bmc import IPMI_PASSWORD, IPMI_USER, IpmiSim, qemu_ipmi_args  # noqa: E402

TEST_IMAGE_MARKER = b"RACKD-TEST-IMAGE-BOOTED"
LAN_PORT_BASE = 10623   # UDP, on the namespace's loopback
SERIAL_PORT_BASE = 10700  # TCP, QEMU's KCS link to ipmi_sim

# A BIOS boot sector: prints the marker on COM1 (port 0x3f8), then halts.
#   cli; xor ax,ax; mov ds,ax; mov si,0x7c17; mov dx,0x3f8
#   1: lodsb; test al,al; jz 2f; out dx,al; jmp 1b
#   2: hlt; jmp 2b
BOOT_CODE = bytes.fromhex("fa31c08ed8be177cbaf803ac84c07403eeebf8f4ebfd90")


def make_test_image(path, size=4 * 1024 * 1024):
    """Writes a bootable test image of size bytes; returns its sha256 hex."""
    sector = bytearray(512)
    code = BOOT_CODE + TEST_IMAGE_MARKER + b"\r\n\0"
    sector[:len(code)] = code
    sector[510:512] = b"\x55\xaa"
    body = bytearray(sector)
    # Payload after the boot sector: a fixed pseudo-random pattern, so the
    # read-back check covers every byte and the image compresses badly.
    block = hashlib.sha256(b"rackd-test-image").digest()
    while len(body) < size:
        block = hashlib.sha256(block).digest()
        body += block * 64
    data = bytes(body[:size])
    Path(path).write_bytes(data)
    return hashlib.sha256(data).hexdigest()


class LifecycleRack(vrack.VirtualRack):
    """A virtual rack of BIOS machines with disks and ipmi_sim BMCs."""

    def __init__(self, machines=1, disk_mib=64, commission_timeout=600, **kw):
        super().__init__(machines=machines, firmware="bios", **kw)
        self.disk_mib = disk_mib
        self.token_role = "admin"
        self.sims = {}
        self.extra_config = (
            "\n[bmc]\ntimeout = 3\nretries = 2\nmax_sessions = 4\n"
            f"\n[lifecycle]\ncommission_timeout = {commission_timeout}\n"
            f"deploy_timeout = {commission_timeout}\nrelease_timeout = {commission_timeout}\n"
            "image_dir = IMAGE_DIR\n")

    def start_rackd(self):
        self.image_dir = self.workdir / "images"
        self.image_dir.mkdir()
        self.extra_config = self.extra_config.replace("IMAGE_DIR", str(self.image_dir))
        for m in self.machines:
            m.disk = self.workdir / f"{m.name}.disk"
            with open(m.disk, "wb") as f:
                f.truncate(self.disk_mib * 1024 * 1024)
        super().start_rackd()

    def lan_port(self, m):
        return LAN_PORT_BASE + m.index

    def qemu_command(self, m):
        cmd = super().qemu_command(m)
        # A deployed machine's reboot must restart the firmware, not end QEMU.
        cmd.remove("-no-reboot")
        cmd += ["-drive", f"file={m.disk},if=none,id=d0,format=raw",
                "-device", f"virtio-blk-pci,drive=d0,serial=VRACK-DISK-{m.index:04d},bootindex=2",
                "-pidfile", str(self.workdir / f"{m.name}.pid")]
        cmd += qemu_ipmi_args("127.0.0.1", SERIAL_PORT_BASE + m.index)
        return cmd

    def boot(self):
        """Starts each machine's BMC; the machines stay off until rackd powers them on."""
        for m in self.machines:
            self.by_mac[m.mac] = m
            m.started = time.time()
            self.sims[m.name] = IpmiSim(
                self.workdir / f"{m.name}.bmc", self.lan_port(m), SERIAL_PORT_BASE + m.index,
                " ".join(map(str, self.qemu_command(m))), address="127.0.0.1",
                pidfile=self.workdir / f"{m.name}.pid", netns=self.namespace,
                poweroff_wait=3)

    def teardown(self):
        for sim in self.sims.values():
            if not self.keep:
                sim.stop()
        super().teardown()

    def api(self, method, path, body=None):
        """Calls rackd's API from inside the namespace with curl; returns (status, body)."""
        cmd = ["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "-X", method,
               "-H", f"Authorization: Bearer {self.api_token}",
               f"{vrack.PUBLIC_URL}/api/v1{path}"]
        if body is not None:
            cmd += ["-H", "Content-Type: application/json", "-d", json.dumps(body)]
        out = vrack.run(self.ns(*cmd), timeout=60).stdout
        text, _, status = out.rpartition("\n")
        return int(status), (json.loads(text) if text.strip() else None)

    def add_machine(self, m):
        """Creates the machine in state new and gives it its BMC; returns its id."""
        status, body = self.api("POST", "/machines", {"mac": m.mac, "hostname": m.name})
        if status != 201:
            raise vrack.RackError(f"machine {m.name} not created: {status} {body}")
        pw = self.workdir / f"{m.name}.bmc-password"
        pw.write_text(IPMI_PASSWORD + "\n")
        os.chmod(pw, 0o600)
        self.rackctl("machine", "set-bmc", m.name, "--type", "ipmi", "--address",
                     f"127.0.0.1:{self.lan_port(m)}", "--user", IPMI_USER,
                     "--password-file", str(pw))
        return body["id"]

    def lifecycle(self, m, *args, timeout=600):
        """Runs `rackctl machine VERB NAME ... --wait`; returns (exit status, output)."""
        verb, *rest = args
        result = self.rackctl("machine", verb, m.name, *rest, "--wait", "--timeout",
                              str(timeout), check=False, timeout=timeout + 60)
        return result.returncode, result.stdout + result.stderr

    def rackctl(self, *args, check=True, timeout=30):
        env = dict(os.environ, RACKD_TOKEN=self.api_token or "")
        return vrack.run(self.ns(self.binary("src", "cli", "rackctl"), "--url",
                                 vrack.PUBLIC_URL, *args),
                         check=check, timeout=timeout, env=env)

    def serial_text(self, m):
        try:
            return m.serial_log.read_bytes()
        except FileNotFoundError:
            return b""


def state_table(rack, ids):
    rows = [("MACHINE", "MAC", "STATE", "POWER", "REASON")]
    for m in rack.machines:
        _, lc = rack.api("GET", f"/machines/{ids[m.name]}/lifecycle")
        status, power = rack.api("GET", f"/machines/{ids[m.name]}/power")
        rows.append((m.name, m.mac, lc["state"], power["power"] if status == 200 else "unknown",
                     lc["reason"]))
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()
                     for r in rows)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="vrack_lifecycle.py",
                                     description="Commission, deploy and release QEMU machines "
                                                 "through their IPMI BMCs.")
    parser.add_argument("--machines", type=vrack.machine_count, default=1)
    parser.add_argument("--build", default=str(vrack.REPO / "build"))
    parser.add_argument("--boot-dir", default=str(vrack.REPO / "assets" / "boot"))
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        with LifecycleRack(machines=args.machines, build_dir=args.build,
                           boot_dir=args.boot_dir, keep=args.keep) as rack:
            sha = make_test_image(rack.image_dir / "test.img")
            rack.boot()
            ids = {m.name: rack.add_machine(m) for m in rack.machines}
            print(f"vrack: {len(ids)} machine(s) with ipmi_sim BMCs, setup "
                  f"{rack.setup_seconds} s\n{state_table(rack, ids)}\n")
            steps = (("commission",), ("deploy", "--image", "test.img", "--sha256", sha),
                     ("release", "--erase", "quick"))
            for step in steps:
                for m in rack.machines:
                    t0 = time.monotonic()
                    rc, out = rack.lifecycle(m, *step)
                    print(f"vrack: {m.name} {step[0]}: {'ok' if rc == 0 else 'FAILED'} "
                          f"in {time.monotonic() - t0:.1f} s")
                    if rc != 0:
                        print(out)
                print(state_table(rack, ids) + "\n")
    except vrack.RackError as e:
        print(f"vrack: {e}", file=sys.stderr)
        return 1
    print(f"vrack: lifecycle demo done in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
