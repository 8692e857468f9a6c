# SPDX-License-Identifier: Apache-2.0
"""Virtual rack end to end: one BIOS and one UEFI QEMU machine PXE-boot from
rackd in a network namespace, boot the netboot environment, report in, and
then resolve by name and address through rackd's DNS server.

Environment: RACKD_BUILD (rackd and rackctl, default build/), RACKD_AGENT_BUILD
(static rackd-agent, default build/), RACKD_ASSETS (boot_dir, default
assets/boot). Needs root, qemu-system-x86, ovmf, ipxe and dnsutils.
"""

import ipaddress
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import vrack  # noqa: E402

BUILD = Path(os.environ.get("RACKD_BUILD", REPO / "build"))
AGENT_BUILD = Path(os.environ.get("RACKD_AGENT_BUILD", REPO / "build"))
ASSETS = Path(os.environ.get("RACKD_ASSETS", REPO / "assets" / "boot"))


def missing_firmware():
    """Names the missing QEMU or firmware package, or returns None."""
    if shutil.which(vrack.QEMU) is None:
        return "qemu-system-x86_64 is not installed (Debian package qemu-system-x86)"
    if not vrack.OVMF.is_file():
        return f"{vrack.OVMF} is not installed (Debian package ovmf)"
    if not Path("/usr/lib/ipxe/snponly.efi").is_file():
        return "iPXE binaries are not installed (Debian package ipxe)"
    return None


pytestmark = pytest.mark.skipif(missing_firmware() is not None,
                                reason=f"virtual rack needs QEMU firmware: {missing_firmware()}")


@pytest.fixture(scope="module")
def rack_run():
    """Boots the two machines once and resolves their names into rack.dns_checks.

    Yields the rack, machine list, lease list and the failure details.
    """
    subprocess.run([str(REPO / "scripts" / "build-assets"), "--build", str(AGENT_BUILD),
                    str(ASSETS)], check=True)
    with vrack.VirtualRack(machines=2, firmware="mixed", build_dir=BUILD, boot_dir=ASSETS,
                           timeout=300) as rack:
        rack.boot()
        ok = rack.wait()
        machines = rack.rackctl_json("machines", "list")
        leases = rack.rackctl_json("leases", "list")
        details = "" if ok else rack.failure_details()
        rack.dns_checks = {c.mac: c for c in rack.check_dns(machines)} if ok else {}
        rack.rackd_exit = rack.stop_rackd()
        rack.rackd_log_final = rack.rackd_log_text()
        yield rack, machines, leases, details


def listed_machine(machines, mac):
    found = [item for item in machines if str(item.get("mac", "")).lower() == mac]
    assert len(found) == 1, f"{mac} appears {len(found)} times in machines list: {machines}"
    return found[0]


def test_firmware_mix(rack_run):
    rack, _, _, _ = rack_run
    assert [m.firmware for m in rack.machines] == ["bios", "uefi"]


def test_both_machines_reported(rack_run):
    rack, _, _, details = rack_run
    for m in rack.machines:
        assert m.reported, f"{m.name} ({m.firmware}) stages {m.stages}\n{details}"


def test_stages_in_boot_order(rack_run):
    rack, _, _, _ = rack_run
    for m in rack.machines:
        seen = [s for s in vrack.STAGES if s in m.stages]
        times = [m.stages[s] for s in seen]
        assert times == sorted(times), f"{m.name} stages out of order: {m.stages}"
        assert {"dhcp", "script", "kernel", "reported"} <= set(seen), f"{m.name}: {m.stages}"


def test_uefi_machine_loaded_ipxe_over_tftp(rack_run):
    rack, _, _, _ = rack_run
    uefi = [m for m in rack.machines if m.firmware == "uefi"]
    bios = [m for m in rack.machines if m.firmware == "bios"]
    assert all("tftp" in m.stages for m in uefi), [m.stages for m in uefi]
    # QEMU's BIOS NIC ROM already is iPXE, so it goes to HTTP without TFTP.
    assert all("tftp" not in m.stages for m in bios), [m.stages for m in bios]


def test_machines_list_arch_firmware_mac_ip(rack_run):
    rack, machines, _, _ = rack_run
    first, last = (ipaddress.ip_address(a) for a in vrack.RANGE)
    for m in rack.machines:
        item = listed_machine(machines, m.mac)
        assert item.get("arch") == "x86_64", item
        assert item.get("firmware") == m.firmware, item
        assert item.get("first_address") == m.address, item
        assert first <= ipaddress.ip_address(item["first_address"]) <= last, item
        assert item.get("reported_at", 0) > 0, item
        assert item.get("cpu_count") == 1, item
        # QEMU's -m 512 minus what firmware and kernel keep for themselves.
        assert 256 << 20 < item.get("memory_bytes", 0) <= 512 << 20, item


def test_machines_list_uuid_from_firmware(rack_run):
    rack, machines, _, _ = rack_run
    for m in rack.machines:
        item = listed_machine(machines, m.mac)
        assert str(item.get("uuid", "")).lower() == m.uuid, item


def test_lease_table_holds_addresses(rack_run):
    rack, _, leases, _ = rack_run
    by_address = {item.get("address"): item for item in leases}
    for m in rack.machines:
        assert m.address in by_address, f"{m.address} of {m.name} not in leases {leases}"
        lease = by_address[m.address]
        assert str(lease.get("mac", "")).lower() == m.mac, lease
        assert lease.get("state") == "bound", lease


def test_rackd_stops_cleanly(rack_run):
    rack, _, _, _ = rack_run
    log_tail = "\n".join(rack.rackd_log_final.splitlines()[-30:])
    # Under ASan and UBSan a sanitizer report ends the process with an abort.
    assert "Sanitizer" not in rack.rackd_log_final, log_tail
    assert "runtime error:" not in rack.rackd_log_final, log_tail
    assert rack.rackd_exit == 0, f"rackd exit status {rack.rackd_exit}\n{log_tail}"


def test_machines_named_after_pxe_mac(rack_run):
    rack, machines, _, _ = rack_run
    for m in rack.machines:
        item = listed_machine(machines, m.mac)
        assert item.get("hostname") == "m-" + m.mac.replace(":", ""), item


def test_name_resolves_to_address(rack_run):
    rack, _, _, details = rack_run
    for m in rack.machines:
        assert m.mac in rack.dns_checks, f"{m.name} did not report\n{details}"
        check = rack.dns_checks[m.mac]
        fqdn = f"m-{m.mac.replace(':', '')}.{vrack.DOMAIN}"
        assert check.fqdn == fqdn, check
        assert check.a_answers == [m.address], f"A {fqdn}: {check}"


def test_address_resolves_to_name(rack_run):
    rack, _, _, details = rack_run
    for m in rack.machines:
        assert m.mac in rack.dns_checks, f"{m.name} did not report\n{details}"
        check = rack.dns_checks[m.mac]
        fqdn = f"m-{m.mac.replace(':', '')}.{vrack.DOMAIN}."
        assert check.ptr_answers == [fqdn], f"PTR {m.address}: {check}"
