#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""vrack -- a virtual rack: QEMU machines that PXE-boot from rackd.

Creates a network namespace holding a bridge (192.0.2.1/24) and one tap per
machine, runs rackd there on the bridge, and boots QEMU machines with real
firmware: SeaBIOS with QEMU's iPXE NIC ROM ("bios"), or OVMF with the NIC ROM
removed so EDK2's own PXE client loads iPXE over TFTP ("uefi"). Each machine's
progress (DHCP ACK, TFTP, iPXE script, kernel, /init, agent report) is read
from rackd's JSON log and the machine's serial console, in seconds from the
start of its QEMU process. After the reports, each machine's name and address
are resolved through rackd's DNS server with dig from inside the namespace.
Everything created is removed on exit unless keep is set.

Runs as root. Usable as a module (VirtualRack) and as a program (main()).
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OVMF = Path("/usr/share/ovmf/OVMF.fd")
QEMU = "qemu-system-x86_64"

BRIDGE = "br0"
SERVER_ADDRESS = "192.0.2.1"
PREFIX_LEN = 24
RANGE = ("192.0.2.100", "192.0.2.199")
HTTP_PORT = 8080
PUBLIC_URL = f"http://{SERVER_ADDRESS}:{HTTP_PORT}"
KERNEL = "linux/vmlinuz"
DOMAIN = "lab.example"
# How long a name may take to appear in DNS after the report that recorded it:
# rackd rebuilds its zones in the background after an inventory change.
DNS_WAIT_SECONDS = 15.0
INITRD = "linux/initrd.img"

# Stages in boot order; "tftp" only happens on UEFI machines, because the
# BIOS NIC ROM already is iPXE and fetches its script over HTTP directly.
STAGES = ("dhcp", "tftp", "script", "kernel", "init", "reported")

INIT_MARKER = "rackd-init: start"
REPORTED_MESSAGE = re.compile(r"machine \S+ reported")


class RackError(Exception):
    """A setup step of the virtual rack failed."""


@dataclass
class DnsCheck:
    """One machine's forward (A) and reverse (PTR) lookup through rackd."""

    mac: str
    hostname: str
    address: str | None
    a_answers: list = field(default_factory=list)
    ptr_answers: list = field(default_factory=list)

    @property
    def fqdn(self):
        return f"{self.hostname}.{DOMAIN}"

    @property
    def a_ok(self):
        return bool(self.hostname) and self.address is not None and self.a_answers == [self.address]

    @property
    def ptr_ok(self):
        return bool(self.hostname) and self.ptr_answers == [self.fqdn + "."]

    @property
    def ok(self):
        return self.a_ok and self.ptr_ok

    def summary(self):
        """Returns "ok", or what each failed lookup returned."""
        if self.ok:
            return "ok"
        parts = []
        if not self.a_ok:
            parts.append(f"A {','.join(self.a_answers) or 'none'}")
        if not self.ptr_ok:
            parts.append(f"PTR {','.join(self.ptr_answers) or 'none'}")
        return "; ".join(parts)


@dataclass(eq=False)
class Machine:
    """One QEMU machine of the rack and what has been seen of its boot."""

    index: int
    firmware: str  # "bios" or "uefi"
    mac: str
    tap: str
    serial_log: Path
    uuid: str
    proc: subprocess.Popen | None = None
    started: float = 0.0  # time.time() just before QEMU was started
    address: str | None = None
    stages: dict = field(default_factory=dict)  # stage -> seconds from start
    fetched: set = field(default_factory=set)  # boot assets fetched over HTTP
    exit_code: int | None = None
    serial_offset: int = 0
    serial_tail: str = ""

    @property
    def name(self):
        return f"vm{self.index}"

    @property
    def reported(self):
        return "reported" in self.stages

    def mark(self, stage, at):
        """Records the first time a stage was seen; returns True when it is new."""
        if stage in self.stages:
            return False
        self.stages[stage] = round(max(0.0, at - self.started), 1)
        return True


def firmware_plan(count, firmware):
    """Returns the firmware of each machine: all one kind, or BIOS and UEFI alternating."""
    if firmware == "mixed":
        return ["bios" if i % 2 == 0 else "uefi" for i in range(count)]
    return [firmware] * count


def pick_accel(requested="auto"):
    """Chooses KVM only when a hardware KVM module is loaded, else TCG.

    /dev/kvm alone is not enough: a paravirtual nested KVM without VT-x or
    SVM exposes it too, and firmware then fails under it.
    NOTE: a machine that fails under KVM is not retried under TCG.
    """
    if requested != "auto":
        return requested
    hardware_kvm = any(Path(f"/sys/module/{m}").exists() for m in ("kvm_intel", "kvm_amd"))
    if hardware_kvm and os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "kvm"
    return "tcg"


def parse_log_time(text):
    """Converts a log line's "2024-01-02T03:04:05.678Z" into seconds since the epoch."""
    try:
        return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
    except (TypeError, ValueError):
        return None


def rackd_config(data_dir, boot_dir, cmdline, lldp_wait=0):
    """Returns the rackd configuration of the rack's namespace."""
    return f"""# rackd configuration written by scripts/vrack.py for one virtual rack run.
[server]
data_dir = {data_dir}
boot_dir = {boot_dir}
log_level = info
log_format = json

[dhcp]
enabled = true
interfaces = {BRIDGE}

[tftp]
enabled = true
listen = 0.0.0.0:69

[http]
listen = {SERVER_ADDRESS}:{HTTP_PORT}
public_url = {PUBLIC_URL}

[ra]
enabled = true
interfaces = {BRIDGE}

[dns]
enabled = true
listen = {SERVER_ADDRESS}:53
domain = {DOMAIN}
ns = ns1.{DOMAIN}

[boot]
kernel = {KERNEL}
initrd = {INITRD}
cmdline = {cmdline}
lldp_wait = {lldp_wait}

[subnet rack]
cidr = 192.0.2.0/{PREFIX_LEN}
gateway = {SERVER_ADDRESS}
dns = {SERVER_ADDRESS}
domain = {DOMAIN}
lease_time = 3600
interface = {BRIDGE}
range = {RANGE[0]} {RANGE[1]}
"""


def run(cmd, check=True, **kwargs):
    """Runs a command, raising RackError with its output when it fails."""
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if check and result.returncode != 0:
        raise RackError(f"{' '.join(map(str, cmd))} failed with status {result.returncode}: "
                        f"{result.stderr.strip() or result.stdout.strip()}")
    return result


class VirtualRack:
    """A network namespace with rackd and QEMU machines; use as a context manager."""

    def __init__(self, machines=2, firmware="mixed", build_dir=None, boot_dir=None,
                 timeout=300.0, keep=False, accel="auto", memory_mib=512, out=None,
                 lldp_wait=0):
        if machines < 1 or machines > 99:
            raise ValueError("machines must be from 1 to 99")
        self.build_dir = Path(build_dir or REPO / "build")
        self.boot_dir = Path(boot_dir or REPO / "assets" / "boot").resolve()
        self.timeout = timeout
        self.keep = keep
        self.accel = pick_accel(accel)
        self.memory_mib = memory_mib
        # The rack has no LLDP peer unless a test starts one, so the agent does not wait.
        self.lldp_wait = lldp_wait
        self.out = out or sys.stdout
        self.namespace = f"rackd-demo-{os.getpid()}"
        self.workdir = None
        self.rackd = None
        self.rackd_log = None
        self.rackd_log_offset = 0
        self.rackd_log_partial = b""
        self.api_token = None
        self.by_mac = {}
        self.by_address = {}
        self.machines = []
        self.namespace_created = False
        self.setup_seconds = None
        self.created = time.time()
        self.tty = hasattr(self.out, "isatty") and self.out.isatty()
        self.progress_lines = 0
        # Subclasses add config sections and pick the API token's role.
        self.extra_config = ""
        self.token_role = "reader"
        for i, fw in enumerate(firmware_plan(machines, firmware), start=1):
            self.machines.append(Machine(
                index=i, firmware=fw, mac=f"52:54:00:00:00:{i:02x}", tap=f"tap{i}",
                serial_log=Path(), uuid=f"8f1c7a52-0d3e-4b6a-9c1e-0000000000{i:02x}"))

    # --- context manager -------------------------------------------------

    def __enter__(self):
        try:
            self.setup()
        except BaseException:
            self.teardown()
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        self.teardown()
        return False

    # --- setup -----------------------------------------------------------

    def binary(self, *parts):
        path = self.build_dir.joinpath(*parts)
        if not os.access(path, os.X_OK):
            raise RackError(f"{path} not found: build rackd first (meson setup build && ninja -C build)")
        return path

    def check_prerequisites(self):
        if os.geteuid() != 0:
            raise RackError("the virtual rack needs root (network namespaces, taps)")
        self.binary("rackd")
        self.binary("src", "cli", "rackctl")
        for asset in ("ipxe/undionly.kpxe", "ipxe/snponly.efi", KERNEL, INITRD):
            if not (self.boot_dir / asset).is_file():
                raise RackError(f"boot asset {self.boot_dir / asset} missing: run scripts/build-assets")
        if shutil.which(QEMU) is None:
            raise RackError(f"{QEMU} not found: apt-get install qemu-system-x86")
        if shutil.which("dig") is None:
            raise RackError("dig not found: apt-get install dnsutils")
        if any(m.firmware == "uefi" for m in self.machines) and not OVMF.is_file():
            raise RackError(f"{OVMF} not found: apt-get install ovmf")

    def ns(self, *cmd):
        return ["ip", "netns", "exec", self.namespace, *map(str, cmd)]

    def create_network(self):
        run(["ip", "netns", "add", self.namespace])
        self.namespace_created = True
        ip = ["ip", "-n", self.namespace]
        run(ip + ["link", "set", "lo", "up"])
        # STP off and no forward delay: with STP the ports spend 30 s learning
        # and firmware DHCP gives up before a frame passes.
        run(ip + ["link", "add", BRIDGE, "type", "bridge", "stp_state", "0", "forward_delay", "0"])
        run(ip + ["addr", "add", f"{SERVER_ADDRESS}/{PREFIX_LEN}", "dev", BRIDGE])
        run(ip + ["link", "set", BRIDGE, "up"])
        for m in self.machines:
            run(ip + ["tuntap", "add", "dev", m.tap, "mode", "tap"])
            run(ip + ["link", "set", m.tap, "master", BRIDGE])
            run(ip + ["link", "set", m.tap, "up"])

    def create_api_token(self, config):
        """Creates an API token of token_role for rackctl; returns it, or None without token support."""
        result = run([self.binary("rackd"), "--config", config, "token", "create",
                      "--role", self.token_role, "--name", "vrack"], check=False)
        token = result.stdout.strip()
        return token if result.returncode == 0 and token else None

    def wait_rackd_ready(self, seconds=30.0):
        """Waits for rackd's "ready" log line, raising RackError when rackd exits or stalls."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.rackd.poll() is not None:
                raise RackError(f"rackd exited with status {self.rackd.returncode} at startup:\n"
                                + self.rackd_log_text()[-3000:])
            for event in self.read_rackd_log():
                if event.get("subsystem") == "rackd" and event.get("message") == "ready":
                    return
            time.sleep(0.1)
        raise RackError(f"rackd did not log \"ready\" within {seconds:.0f} s:\n"
                        + self.rackd_log_text()[-3000:])

    def start_rackd(self):
        data_dir = self.workdir / "data"
        data_dir.mkdir()
        config = self.workdir / "rackd.conf"
        # panic=-1 turns a failed /init into a reset, which -no-reboot makes a QEMU exit.
        config.write_text(rackd_config(data_dir, self.boot_dir, "console=ttyS0 panic=-1",
                                       self.lldp_wait)
                          + self.extra_config)
        self.api_token = self.create_api_token(config)
        self.rackd_log = self.workdir / "rackd.log"
        with open(self.rackd_log, "wb") as log:
            # ip execs rackd, so Popen.pid is rackd's own PID.
            self.rackd = subprocess.Popen(
                self.ns(self.binary("rackd"), "--config", config),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        self.wait_rackd_ready()

    def setup(self):
        begin = time.monotonic()
        self.check_prerequisites()
        self.workdir = Path(tempfile.mkdtemp(prefix="rackd-vrack."))
        for m in self.machines:
            m.serial_log = self.workdir / f"{m.name}.serial.log"
        self.create_network()
        self.start_rackd()
        self.setup_seconds = round(time.monotonic() - begin, 1)

    # --- machines --------------------------------------------------------

    def qemu_command(self, m):
        nic = f"virtio-net-pci,netdev=n0,mac={m.mac},bootindex=1"
        cmd = [QEMU, "-name", m.name, "-machine", "pc,graphics=off", "-accel", self.accel,
               "-m", str(self.memory_mib), "-smp", "1", "-display", "none",
               "-monitor", "none", "-serial", f"file:{m.serial_log}", "-no-reboot",
               "-uuid", m.uuid,
               "-smbios", f"type=1,manufacturer=rackd,product=vrack,serial=VRACK-{m.index:04d}",
               "-netdev", f"tap,id=n0,ifname={m.tap},script=no,downscript=no"]
        if m.firmware == "uefi":
            # An empty romfile drops QEMU's iPXE ROM, so EDK2's own PXE client
            # runs and loads iPXE from rackd over TFTP.
            cmd += ["-bios", str(OVMF), "-device", nic + ",romfile="]
        else:
            cmd += ["-device", nic, "-boot", "n"]
        return cmd

    def boot(self):
        for m in self.machines:
            self.by_mac[m.mac] = m
            m.started = time.time()
            m.proc = subprocess.Popen(self.ns(*self.qemu_command(m)), stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL,
                                      stderr=open(self.workdir / f"{m.name}.qemu.log", "wb"))

    # --- progress tracking -----------------------------------------------

    def read_rackd_log(self):
        """Returns the complete JSON objects appended to rackd's log since the last call."""
        with open(self.rackd_log, "rb") as f:
            f.seek(self.rackd_log_offset)
            data = f.read()
        self.rackd_log_offset += len(data)
        data = self.rackd_log_partial + data
        lines = data.split(b"\n")
        self.rackd_log_partial = lines.pop()
        events = []
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):
                events.append(event)
        return events

    def machine_for(self, event):
        mac = str(event.get("mac", "")).lower()
        if mac in self.by_mac:
            return self.by_mac[mac]
        peer = str(event.get("peer", ""))
        return self.by_address.get(peer.rsplit(":", 1)[0] if peer.count(":") == 1 else peer)

    def apply_event(self, event):
        """Updates machine stages from one rackd log line; returns the machine it moved."""
        at = parse_log_time(event.get("time")) or time.time()
        sub = event.get("subsystem")
        m = self.machine_for(event)
        if m is None:
            return None
        if sub == "dhcp" and event.get("type") == "ACK" and event.get("address"):
            m.address = event["address"]
            self.by_address[m.address] = m
            return m if m.mark("dhcp", at) else None
        if sub == "tftp" and event.get("result") == "ok":
            return m if m.mark("tftp", at) else None
        if sub == "http" and str(event.get("status")) == "200":
            path = str(event.get("path", ""))
            if path.startswith("/boot/ipxe"):
                return m if m.mark("script", at) else None
            for asset in (KERNEL, INITRD):
                if path.split("?", 1)[0] == f"/boot/assets/{asset}":
                    m.fetched.add(asset)
            if m.fetched >= {KERNEL, INITRD}:
                return m if m.mark("kernel", at) else None
        if sub == "inventory" and REPORTED_MESSAGE.fullmatch(str(event.get("message", ""))):
            return m if m.mark("reported", at) else None
        return None

    def read_serial(self, m):
        """Scans new serial console output for the /init markers."""
        try:
            with open(m.serial_log, "rb") as f:
                f.seek(m.serial_offset)
                data = f.read()
        except FileNotFoundError:
            return False
        m.serial_offset += len(data)
        text = m.serial_tail + data.decode("utf-8", errors="replace")
        m.serial_tail = text[-200:]
        return INIT_MARKER in text and m.mark("init", time.time())

    def progress_line(self, m):
        cells = []
        for stage in STAGES:
            if stage in m.stages:
                cells.append(f"{stage} {m.stages[stage]:5.1f}s")
            elif stage == "tftp" and m.firmware == "bios":
                cells.append(f"{stage}     - ")
            else:
                cells.append(f"{stage}    .. ")
        if m.reported:
            state = "reported"
        elif m.exit_code is not None:
            state = f"stopped (QEMU exit {m.exit_code})"
        else:
            state = "booting"
        return (f"{m.name:<4} {m.mac} {m.firmware:<4} {m.address or '-':<15} "
                + "  ".join(cells) + f"  {state}")

    def show_progress(self, moved):
        if self.tty:
            if self.progress_lines:
                self.out.write(f"\x1b[{self.progress_lines}F")
            for m in self.machines:
                self.out.write("\x1b[2K" + self.progress_line(m) + "\n")
            self.progress_lines = len(self.machines)
        else:
            for m in moved:
                self.out.write(self.progress_line(m) + "\n")
        self.out.flush()

    def wait(self):
        """Follows the boots until every machine reported, a machine stopped, or the timeout."""
        deadline = time.monotonic() + self.timeout
        self.show_progress(self.machines)
        while time.monotonic() < deadline:
            moved = set()
            for event in self.read_rackd_log():
                m = self.apply_event(event)
                if m is not None:
                    moved.add(m)
            for m in self.machines:
                if self.read_serial(m):
                    moved.add(m)
                if m.exit_code is None and m.proc.poll() is not None:
                    m.exit_code = m.proc.returncode
                    if not m.reported:
                        moved.add(m)
            if moved:
                self.show_progress([m for m in self.machines if m in moved])
            if all(m.reported for m in self.machines):
                return True
            if any(m.exit_code is not None and not m.reported for m in self.machines):
                # A machine powers off only after its report, so an exit
                # before it means the boot failed; give rackd's log a moment.
                time.sleep(1.0)
                for event in self.read_rackd_log():
                    self.apply_event(event)
                return all(m.reported for m in self.machines)
            if self.rackd.poll() is not None:
                self.out.write(f"vrack: rackd exited with status {self.rackd.returncode}\n")
                return False
            time.sleep(0.2)
        return False

    # --- results ---------------------------------------------------------

    def rackctl(self, *args, check=True):
        env = dict(os.environ)
        if self.api_token:
            env["RACKD_TOKEN"] = self.api_token
        return run(self.ns(self.binary("src", "cli", "rackctl"), "--url", PUBLIC_URL, *args),
                   check=check, timeout=30, env=env)

    def rackctl_json(self, *args):
        return json.loads(self.rackctl(*args, "--json").stdout)

    def dig(self, *query):
        """Returns the answers dig gets from rackd's DNS server for query, one per line."""
        result = run(self.ns("dig", f"@{SERVER_ADDRESS}", "+short", "+time=2", "+tries=2", *query),
                     check=False, timeout=30)
        if result.returncode != 0:
            return []
        return [line for line in result.stdout.splitlines() if line and not line.startswith(";")]

    def check_dns(self, listed):
        """Resolves each machine's name (A) and address (PTR) through rackd; returns DnsChecks.

        Retries until every lookup is right or DNS_WAIT_SECONDS pass, because
        rackd rebuilds its zones in the background after the report.
        """
        by_mac = {str(item.get("mac", "")).lower(): item for item in listed}
        checks = [DnsCheck(mac=m.mac, hostname=str(by_mac.get(m.mac, {}).get("hostname") or ""),
                           address=m.address) for m in self.machines]
        deadline = time.monotonic() + DNS_WAIT_SECONDS
        while True:
            for c in checks:
                if c.ok:
                    continue
                c.a_answers = self.dig(c.fqdn, "A") if c.hostname else []
                c.ptr_answers = self.dig("-x", c.address) if c.address else []
            if all(c.ok for c in checks) or time.monotonic() >= deadline:
                return checks
            time.sleep(0.5)

    def machine_table(self, listed, dns_checks=()):
        dns_by_mac = {c.mac: c for c in dns_checks}
        rows = [("NAME", "MAC", "IP", "ARCH", "FIRMWARE", "STATE", "REPORT (s)", "DNS")]
        for item in listed:
            mac = str(item.get("mac", "")).lower()
            m = self.by_mac.get(mac)
            seconds = m.stages.get("reported") if m else None
            dns = dns_by_mac.get(mac)
            rows.append((str(item.get("hostname") or "-"), str(item.get("mac", "-")),
                         str(item.get("first_address") or (m.address if m else None) or "-"),
                         str(item.get("arch", "-")), str(item.get("firmware", "-")),
                         str(item.get("state", "-")),
                         f"{seconds:.1f}" if seconds is not None else "-",
                         dns.summary() if dns else "-"))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)

    def results(self, ok, machines_listed=None, leases_listed=None, dns_checks=()):
        return {
            "ok": ok,
            "accel": self.accel,
            "namespace": self.namespace,
            "setup_seconds": self.setup_seconds,
            "total_seconds": round(time.time() - self.created, 1),
            "timeout_seconds": self.timeout,
            "machines": [{
                "name": m.name, "mac": m.mac, "firmware": m.firmware, "uuid": m.uuid,
                "address": m.address, "reported": m.reported, "qemu_exit": m.exit_code,
                "stages": m.stages,
            } for m in self.machines],
            "rackctl_machines": machines_listed,
            "rackctl_leases": leases_listed,
            "dns": [{
                "mac": c.mac, "name": c.fqdn if c.hostname else None, "address": c.address,
                "a": c.a_answers, "ptr": c.ptr_answers, "ok": c.ok,
            } for c in dns_checks],
        }

    def failure_details(self):
        """Returns the last serial console lines of every machine that did not report."""
        parts = []
        for m in self.machines:
            if m.reported:
                continue
            try:
                tail = m.serial_log.read_text(errors="replace").splitlines()[-15:]
            except FileNotFoundError:
                tail = ["(no serial output)"]
            parts.append(f"--- {m.name} ({m.firmware}) serial console, last lines:\n"
                         + "\n".join(tail))
        return "\n".join(parts)

    # --- teardown --------------------------------------------------------

    def stop_rackd(self, timeout=15.0):
        """Stops rackd with SIGTERM; returns its exit status (negative: killed by that signal)."""
        if self.rackd.poll() is None:
            self.rackd.send_signal(signal.SIGTERM)
            try:
                self.rackd.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.rackd.kill()
                self.rackd.wait()
        return self.rackd.returncode

    def rackd_log_text(self):
        return self.rackd_log.read_text(errors="replace") if self.rackd_log else ""

    def namespace_pids(self):
        result = run(["ip", "netns", "pids", self.namespace], check=False)
        return [int(p) for p in result.stdout.split() if p.isdigit()]

    def teardown(self):
        if self.keep:
            if self.namespace_created:
                self.out.write(
                    f"vrack: kept namespace {self.namespace} with rackd (pid "
                    f"{self.rackd.pid if self.rackd else '-'}) and files in {self.workdir}\n"
                    f"vrack: remove with: ip netns pids {self.namespace} | xargs -r kill; "
                    f"ip netns del {self.namespace}; rm -rf {self.workdir}\n")
            return
        if self.namespace_created:
            # Every process in the namespace was started by this rack.
            for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 2.0)):
                pids = self.namespace_pids()
                for pid in pids:
                    try:
                        os.kill(pid, sig)
                    except ProcessLookupError:
                        pass
                end = time.monotonic() + grace
                while pids and time.monotonic() < end and self.namespace_pids():
                    time.sleep(0.1)
            run(["ip", "netns", "del", self.namespace], check=False)
            self.namespace_created = False
        for proc in [self.rackd] + [m.proc for m in self.machines]:
            if proc is not None:
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


def machine_count(text):
    """argparse type for --machines: an integer from 1 to 99."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 99:
        raise argparse.ArgumentTypeError(f"invalid machine count {text!r}: expected 1 to 99")
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="vrack.py", description="Boot QEMU machines from rackd in a virtual rack.")
    parser.add_argument("--machines", type=machine_count, default=2,
                        help="number of machines, 1 to 99 (default 2)")
    parser.add_argument("--firmware", choices=("bios", "uefi", "mixed"), default="mixed",
                        help="machine firmware; mixed alternates BIOS and UEFI (default mixed)")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds every machine has to report in (default 300)")
    parser.add_argument("--keep", action="store_true",
                        help="leave the namespace, rackd and the work files in place")
    parser.add_argument("--accel", choices=("auto", "kvm", "tcg"), default="auto",
                        help="QEMU accelerator; auto uses KVM only with kvm_intel or kvm_amd loaded")
    parser.add_argument("--build", default=str(REPO / "build"),
                        help="meson build directory holding rackd and src/cli/rackctl")
    parser.add_argument("--boot-dir", default=str(REPO / "assets" / "boot"),
                        help="boot assets built by scripts/build-assets")
    parser.add_argument("--results", metavar="FILE",
                        help="write per-machine stage seconds and rackctl output as JSON")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    rack = VirtualRack(machines=args.machines, firmware=args.firmware, build_dir=args.build,
                       boot_dir=args.boot_dir, timeout=args.timeout, keep=args.keep,
                       accel=args.accel)
    ok = False
    results = None
    try:
        with rack:
            print(f"vrack: namespace {rack.namespace}, rackd at {PUBLIC_URL}, "
                  f"{args.machines} machine(s), {rack.accel.upper()}, setup {rack.setup_seconds} s")
            print("vrack: seconds from each machine's QEMU start:")
            rack.boot()
            reported = rack.wait()
            listed = rack.rackctl_json("machines", "list")
            leases = rack.rackctl_json("leases", "list")
            dns_checks = rack.check_dns(listed) if reported else []
            resolved = reported and all(c.ok for c in dns_checks)
            ok = reported and resolved
            print()
            print(rack.machine_table(listed, dns_checks))
            results = rack.results(ok, listed, leases, dns_checks)
            if not reported:
                print(f"\nvrack: not every machine reported within {args.timeout:.0f} s")
                print(rack.failure_details())
            elif not resolved:
                print(f"\nvrack: a name or address did not resolve through rackd's DNS "
                      f"at {SERVER_ADDRESS} within {DNS_WAIT_SECONDS:.0f} s (DNS column)")
            if not ok:
                print("--- rackd log, last lines:")
                print("\n".join(rack.rackd_log_text().splitlines()[-20:]))
    except RackError as e:
        print(f"vrack: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("vrack: interrupted", file=sys.stderr)
        return 130
    finally:
        if args.results:
            Path(args.results).write_text(json.dumps(results or rack.results(False), indent=2) + "\n")
    print(f"\nvrack: {'all machines reported and resolve by name and address' if ok else 'FAILED'} "
          f"in {time.time() - rack.created:.1f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
