#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""vrack_bmc -- OpenIPMI's ipmi_sim as the BMC of a virtual rack machine.

`IpmiSim(workdir, lan_port, serial_port, startcmd)` writes lan.conf and the
emulator command file, starts `ipmi_sim -n` with a fresh state directory
(users and LAN settings persist there and would override the config), and
serves IPMI 2.0 (RMCP+) on UDP `address:lan_port`, optionally inside a
network namespace. A `serial kcs ... codec VM` line is always written:
without it ipmi_sim 2.0.33 responds to every Chassis Control with "invalid data
field". The simulator starts `startcmd` on power on and kills it on power
off; `stop()` ends ipmi_sim and then the process whose PID the startcmd
wrote to `pidfile`, so no machine outlives its BMC.

`IpmiSim.ipmitool(...)` runs ipmitool with cipher suite 3 (ipmi_sim rejects
17, which ipmitool 1.8.19 tries first).
"""

import os
import signal
import subprocess
import time
from pathlib import Path

IPMI_USER = "admin"
IPMI_PASSWORD = "rackd-test-pw"

LAN_CONF = """name "rackd-test-bmc"
set_working_mc 0x20
  startlan 1
    addr {address} {lan_port}
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  serial kcs {address} {serial_port} codec VM
  startcmd "{startcmd}"
  startnow false
  poweroff_wait {poweroff_wait}
  kill_wait 3
  user 1 true  ""        "unused" user     10       none md2 md5 straight
  user 2 true  "{user}" "{password}" admin    10       none md2 md5 straight
"""

EMU = """mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
mc_enable 0x20
"""


def qemu_ipmi_args(address, serial_port):
    """QEMU arguments that connect the machine's KCS interface to ipmi_sim's serial port."""
    return ["-chardev", f"socket,id=ipmi0,host={address},port={serial_port},reconnect=10",
            "-device", "ipmi-bmc-extern,id=bmc0,chardev=ipmi0",
            "-device", "isa-ipmi-kcs,bmc=bmc0"]


class IpmiSim:
    """ipmi_sim with one admin user, serving RMCP+ on address:lan_port."""

    def __init__(self, workdir, lan_port, serial_port, startcmd, address="127.0.0.1",
                 pidfile=None, netns=None, poweroff_wait=5):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.address = address
        self.lan_port = lan_port
        self.pidfile = Path(pidfile) if pidfile else None
        state = self.workdir / "ipmi-state"
        state.mkdir()
        conf = self.workdir / "lan.conf"
        conf.write_text(LAN_CONF.format(address=address, lan_port=lan_port,
                                        serial_port=serial_port, startcmd=startcmd,
                                        user=IPMI_USER, password=IPMI_PASSWORD,
                                        poweroff_wait=poweroff_wait))
        emu = self.workdir / "bmc.emu"
        emu.write_text(EMU)
        cmd = ["ipmi_sim", "-c", str(conf), "-f", str(emu), "-s", str(state), "-n"]
        if netns:
            cmd = ["ip", "netns", "exec", netns] + cmd
        self.log = open(self.workdir / "ipmi_sim.log", "wb")
        # ip netns exec execs ipmi_sim, so this PID is the simulator's own.
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.netns = netns
        self.wait_ready()

    def wait_ready(self, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ipmi_sim exited with {self.proc.returncode}: "
                                   + (self.workdir / "ipmi_sim.log").read_text(errors="replace"))
            if self.ipmitool("chassis", "power", "status", check=False).returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError("ipmi_sim did not respond to ipmitool within 15 s: check ipmi_sim.log")

    def ipmitool(self, *args, password=IPMI_PASSWORD, check=True):
        cmd = ["ipmitool", "-I", "lanplus", "-C", "3", "-H", self.address, "-p",
               str(self.lan_port), "-U", IPMI_USER, "-P", password, "-N", "1", "-R", "2",
               *args]
        if self.netns:
            cmd = ["ip", "netns", "exec", self.netns] + cmd
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=check)

    def power_state(self):
        """"on" or "off" as ipmitool reads it."""
        out = self.ipmitool("chassis", "power", "status").stdout
        return "on" if out.strip().endswith("on") else "off"

    def machine_pid(self):
        """PID the startcmd wrote to pidfile, when that process still runs."""
        if self.pidfile is None or not self.pidfile.exists():
            return None
        try:
            pid = int(self.pidfile.read_text().strip())
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError):
            return None
        return pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # A VM left behind by ipmi_sim is ended by the PID it wrote itself.
        pid = self.machine_pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
        self.log.close()
