# SPDX-License-Identifier: Apache-2.0
"""Crash test: rackd killed with SIGKILL ten times under DHCP load loses no ACKed lease.

perfdhcp (Debian package kea-admin) runs full DORA exchanges as a relay
from a client namespace while rackd is killed at random moments and
restarted. tcpdump (Debian package tcpdump) records every ACK the client
side saw. Right after each kill, before the restart, every ACK seen so far
must be a bound lease of its MAC in the store, and no address may have
been ACKed to two clients (dhcp_crash.py). bench/dhcp-crash runs the same
with 100 kills.

A SIGKILL loses what the process held, not what the kernel had accepted:
this shows that no ACK leaves before its lease is written, while surviving
power loss also rests on the fdatasync() of SQLite's synchronous=FULL.
"""

import random
import shutil
import signal
import subprocess
import time

import pytest

from conftest import SERVER_ADDRESS, base_config
from dhcp_crash import AckCapture, find_problems, stored_leases

CLIENT_ADDRESS = "192.0.2.2"
KILLS = 10


def start_capture(client, pcap):
    proc = client.popen("tcpdump", "-i", client.ifname, "-n", "-U", "-s", "0", "-w", str(pcap),
                        f"udp and src host {SERVER_ADDRESS} and dst port 67",
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # tcpdump reports on stderr once it listens.
    line = proc.stderr.readline()
    assert b"listening" in line, line
    return proc


def test_sigkill_under_load_loses_no_ack(lab, rackd_factory, tmp_path):
    for tool in ("perfdhcp", "tcpdump"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed (Debian packages kea-admin, tcpdump)")
    config = base_config(tmp_path)
    config["server"]["log_level"] = "notice"
    # perfdhcp repeats DORA for its clients far faster than real clients would.
    config["dhcp"].update(discover_rate_per_mac=0, discover_rate_per_relay=0)
    config["subnet lab"]["range"] = "192.0.2.10 192.0.2.250"
    rackd = rackd_factory(lab, config)
    client = lab.add_client()
    client.exec("ip", "addr", "add", f"{CLIENT_ADDRESS}/24", "dev", client.ifname)

    pcap = tmp_path / "acks.pcap"
    db = tmp_path / "data" / "rackd.db"
    capture = start_capture(client, pcap)
    acks_reader = AckCapture(pcap, SERVER_ADDRESS)
    # A relay at CLIENT_ADDRESS: rackd sends its replies to giaddr, port 67. Bounded: 120 s at most.
    # 240 clients at 150 exchanges per second: each client every 1.6 s on average, so that
    # a lost lease write shows as an expiry older than the ACK said.
    load = client.popen("perfdhcp", "-4", "-l", CLIENT_ADDRESS, "-r", "150", "-R", "240",
                        "-p", "120", "-d", "2", SERVER_ADDRESS,
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    rng = random.Random()
    acks, acked_before_kill = [], []
    problems = {}  # text: the kill after which it was first seen
    try:
        time.sleep(1)
        for kill in range(1, KILLS + 1):
            time.sleep(rng.uniform(0.3, 1.5))
            rackd.proc.kill()
            rackd.proc.wait()
            rackd.proc = None
            # Replies already in the kernel reach the capture within a moment.
            time.sleep(0.2)
            acks += acks_reader.read_new()
            acked_before_kill.append(len(acks))
            for problem in find_problems(acks, stored_leases(db)):
                problems.setdefault(problem, kill)
            rackd.start()
        time.sleep(1)
    finally:
        load.send_signal(signal.SIGINT)
        report = load.communicate(timeout=30)[0].decode(errors="replace")
        capture.send_signal(signal.SIGINT)
        capture.wait(timeout=10)
    rackd.stop()

    assert len(acked_before_kill) == KILLS
    # The load was real: exchanges completed between the kills.
    assert acked_before_kill[-1] >= 500, report
    assert sum(1 for a, b in zip([0] + acked_before_kill, acked_before_kill) if b > a) >= KILLS // 2
    assert len({ack.mac for ack in acks}) >= 100
    assert problems == {}, "\n".join(f"after kill {k}: {p}" for p, k in list(problems.items())[:20])
    acks += acks_reader.read_new()
    assert find_problems(acks, stored_leases(db)) == []
