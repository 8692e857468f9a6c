# SPDX-License-Identifier: Apache-2.0
"""Shared fixtures for system tests that run rackd inside a network namespace.

Fixtures
--------
lab
    A `Lab`: a fresh namespace ("rkt-<pid>-<n>") holding bridge br0 with
    192.0.2.1/24 (STP off, forward delay 0). `lab.add_client()` adds a
    second namespace joined to br0 by a veth pair; `lab.add_tap()` adds a
    tap on br0 for QEMU. Teardown kills every process left in the
    namespaces (TERM, then KILL) and deletes them, which removes the bridge,
    veths and taps.
rackd_factory
    Calls `rackd_factory(lab, config_text_or_dict)` to write the config file,
    start `<RACKD_BUILD>/rackd --config PATH` inside the lab namespace with
    JSON logs, and wait until it logs "ready". Returns a `Rackd` that reads
    its log (`events()`, `wait_event()`), restarts and stops it. Every rackd
    is stopped at teardown.

Helpers: `write_config(path, sections)` renders a dict of sections as INI;
`base_config(workdir, **overrides)` gives the sections rackd needs to start
in a lab. Environment: RACKD_BUILD (the build directory holding rackd,
default <repo>/build). Tests need root; they are skipped without it.
"""

import itertools
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("RACKD_BUILD", REPO / "build"))
RACKD = BUILD / "rackd"

SERVER_ADDRESS = "192.0.2.1"
BRIDGE = "br0"
_ns_counter = itertools.count()


def run(*args, check=True, **kw):
    """Run a command and return its CompletedProcess (text output captured)."""
    return subprocess.run(list(args), check=check, capture_output=True, text=True, **kw)


def ns_exec(ns, *args):
    """The argv that runs args inside namespace ns."""
    return ["ip", "netns", "exec", ns, *args]


def kill_namespace(ns):
    """Stop every process in ns (TERM, then KILL after 3 s), then delete ns."""
    def pids():
        out = run("ip", "netns", "pids", ns, check=False).stdout
        return [int(p) for p in out.split()]

    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids():
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 3
        while pids() and time.monotonic() < deadline:
            time.sleep(0.05)
    run("ip", "netns", "del", ns, check=False)


class Client:
    """One end of a veth pair inside its own namespace, joined to the lab bridge."""

    def __init__(self, ns, ifname, mac):
        self.ns = ns
        self.ifname = ifname
        self.mac = mac

    def exec(self, *args, **kw):
        return run(*ns_exec(self.ns, *args), **kw)

    def popen(self, *args, **kw):
        return subprocess.Popen(ns_exec(self.ns, *args), **kw)


class Lab:
    """A namespace with bridge br0 (192.0.2.1/24) and the namespaces attached to it."""

    def __init__(self):
        self.ns = f"rkt-{os.getpid()}-{next(_ns_counter)}"
        self.namespaces = [self.ns]
        self.n_ports = 0
        run("ip", "netns", "add", self.ns)
        self.exec("ip", "link", "set", "lo", "up")
        self.exec("ip", "link", "add", BRIDGE, "type", "bridge", "stp_state", "0",
                  "forward_delay", "0")
        self.exec("ip", "addr", "add", f"{SERVER_ADDRESS}/24", "dev", BRIDGE)
        self.exec("ip", "link", "set", BRIDGE, "up")

    def exec(self, *args, **kw):
        return run(*ns_exec(self.ns, *args), **kw)

    def add_client(self, mac=None):
        """Add a client namespace whose eth0 is bridged to br0; returns a Client."""
        k = self.n_ports
        self.n_ports += 1
        ns = f"{self.ns}-c{k}"
        mac = mac or f"52:54:00:aa:00:{k + 1:02x}"
        run("ip", "netns", "add", ns)
        self.namespaces.append(ns)
        peer = f"vc{k}"
        self.exec("ip", "link", "add", peer, "type", "veth", "peer", "name", "eth0", "netns", ns)
        self.exec("ip", "link", "set", peer, "master", BRIDGE, "up")
        run(*ns_exec(ns, "ip", "link", "set", "lo", "up"))
        run(*ns_exec(ns, "ip", "link", "set", "eth0", "address", mac, "up"))
        return Client(ns, "eth0", mac)

    def add_tap(self, name=None):
        """Add a persistent tap on br0 (for QEMU run inside the lab namespace)."""
        name = name or f"tap{self.n_ports}"
        self.n_ports += 1
        self.exec("ip", "tuntap", "add", "dev", name, "mode", "tap")
        self.exec("ip", "link", "set", name, "master", BRIDGE, "up")
        return name

    def close(self):
        for ns in reversed(self.namespaces):
            kill_namespace(ns)


def wait_for(predicate, timeout=30, interval=0.3):
    """Calls predicate until it returns a true value or timeout seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def write_config(path, sections):
    """Write sections ({"server": {...}, "subnet lab": {...}}) as an INI file.

    A list value repeats the key once per item (as `range` needs).
    """
    lines = []
    for section, keys in sections.items():
        lines.append(f"[{section}]")
        for key, value in keys.items():
            values = value if isinstance(value, list) else [value]
            for v in values:
                if isinstance(v, bool):
                    v = "true" if v else "false"
                lines.append(f"{key} = {v}")
        lines.append("")
    Path(path).write_text("\n".join(lines))


def base_config(workdir, **overrides):
    """Sections for a rackd serving DHCP on br0 of a lab, with 192.0.2.0/24.

    overrides replace whole sections (a value of None drops the section).
    """
    workdir = Path(workdir)
    (workdir / "data").mkdir(parents=True, exist_ok=True)
    (workdir / "boot").mkdir(parents=True, exist_ok=True)
    sections = {
        "server": {"data_dir": workdir / "data", "boot_dir": workdir / "boot",
                   "log_level": "info", "log_format": "json"},
        "dhcp": {"enabled": True, "interfaces": BRIDGE, "offer_hold": 60,
                 "decline_hold": 3600},
        "tftp": {"enabled": False},
        "http": {"listen": f"{SERVER_ADDRESS}:8080",
                 "public_url": f"http://{SERVER_ADDRESS}:8080"},
        "ra": {"enabled": False},
        "subnet lab": {"cidr": "192.0.2.0/24", "gateway": SERVER_ADDRESS,
                       "dns": SERVER_ADDRESS, "domain": "lab.example", "lease_time": 3600,
                       "interface": BRIDGE, "range": "192.0.2.100 192.0.2.199"},
    }
    for name, value in overrides.items():
        name = name.replace("_", " ", 1) if name.startswith("subnet_") else name
        if value is None:
            sections.pop(name, None)
        else:
            sections[name] = value
    return sections


class Rackd:
    """A rackd process in a lab namespace, logging JSON lines to a file."""

    def __init__(self, lab, config_path, log_path):
        self.lab = lab
        self.config_path = Path(config_path)
        self.log_path = Path(log_path)
        self.proc = None

    def start(self, timeout=20):
        if not RACKD.exists():
            pytest.fail(f"{RACKD} not found: build first or set RACKD_BUILD")
        self.log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, "ab")
        # ip netns exec execs rackd, so this PID is rackd's own.
        self.proc = subprocess.Popen(ns_exec(self.lab.ns, str(RACKD), "--config",
                                             str(self.config_path)),
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        self.wait_event(lambda e: e.get("subsystem") == "rackd" and e.get("message") == "ready",
                        timeout=timeout, since=self.log_offset)

    def stop(self):
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def restart(self):
        self.stop()
        self.start()

    def events(self, since=0, **match):
        """Parsed JSON log lines from byte offset since whose fields equal match."""
        out = []
        with open(self.log_path, "rb") as f:
            f.seek(since)
            for raw in f:
                try:
                    event = json.loads(raw)
                except ValueError:
                    continue
                if all(event.get(k) == v for k, v in match.items()):
                    out.append(event)
        return out

    def wait_event(self, predicate, timeout=10, since=0):
        """Wait until a log event satisfies predicate and return it; fail on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events(since=since):
                if predicate(event):
                    return event
            if self.proc is not None and self.proc.poll() is not None:
                pytest.fail(f"rackd exited with {self.proc.returncode}:\n{self.tail()}")
            if time.monotonic() > deadline:
                pytest.fail(f"no matching log line within {timeout} s:\n{self.tail()}")
            time.sleep(0.05)

    def log_size(self):
        return self.log_path.stat().st_size

    def tail(self, n=40):
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])


def pytest_configure(config):
    config.addinivalue_line("markers", "run_last: run after every other test of the session")


def pytest_collection_modifyitems(session, config, items):
    """Move tests marked run_last to the end, so they see the whole session's files."""
    items.sort(key=lambda item: item.get_closest_marker("run_last") is not None)


@pytest.fixture
def lab():
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    lab = Lab()
    try:
        yield lab
    finally:
        lab.close()


@pytest.fixture
def rackd_factory(tmp_path):
    started = []

    def start(lab, config, workdir=None):
        workdir = Path(workdir or tmp_path)
        config_path = workdir / "rackd.conf"
        if isinstance(config, dict):
            write_config(config_path, config)
        else:
            config_path.write_text(config)
        r = Rackd(lab, config_path, workdir / "rackd.log")
        started.append(r)
        r.start()
        return r

    try:
        yield start
    finally:
        for r in started:
            r.stop()
