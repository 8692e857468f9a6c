# SPDX-License-Identifier: Apache-2.0
"""HTTPS for the API, plain HTTP limited to netboot, privilege drop and the
seccomp filter, checked on a running rackd in a lab namespace."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SERVER_ADDRESS, base_config, ns_exec, run

HTTP = f"{SERVER_ADDRESS}:8080"
HTTPS = f"{SERVER_ADDRESS}:8443"


def make_certificate(directory):
    """A self-signed certificate for SERVER_ADDRESS; returns (cert, key) paths."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed (Debian package openssl)")
    cert, key = directory / "cert.pem", directory / "key.pem"
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", f"/CN={SERVER_ADDRESS}", "-addext", f"subjectAltName=IP:{SERVER_ADDRESS}",
        "-keyout", str(key), "-out", str(cert))
    return cert, key


def open_for_user(workdir):
    """Let an unprivileged rackd traverse workdir and read the boot files."""
    for path in [workdir, *workdir.parents]:
        if path == Path("/"):
            break
        path.chmod(path.stat().st_mode | 0o711)
    (workdir / "boot").chmod(0o755)


def curl(lab, *args):
    return lab.exec("curl", "-s", "-o", "-", "-w", "\n%{http_code}", "--noproxy", "*",
                    "--max-time", "10", *args, check=False)


def status_and_body(proc):
    body, _, status = proc.stdout.rpartition("\n")
    return int(status), body


@pytest.fixture
def tls_rackd(lab, rackd_factory, tmp_path):
    cert, key = make_certificate(tmp_path)
    (tmp_path / "boot").mkdir(exist_ok=True)
    (tmp_path / "boot" / "hello.txt").write_text("hello\n")
    http = {"listen": HTTP, "public_url": f"http://{HTTP}", "tls_listen": HTTPS,
            "tls_cert": str(cert), "tls_key": str(key)}
    config = base_config(tmp_path, http=http, dhcp={"enabled": False}, subnet_lab=None)
    return lab, rackd_factory(lab, config), cert


def test_api_served_over_https(tls_rackd):
    lab, _, cert = tls_rackd
    status, body = status_and_body(curl(lab, "--cacert", str(cert),
                                        f"https://{HTTPS}/api/v1/machines"))
    # The API answers over TLS; without a token it is 401, not a TLS failure.
    assert status == 401, body
    assert '"code":"unauthorized"' in body


def test_plain_http_rejects_api(tls_rackd):
    lab, _, _ = tls_rackd
    status, body = status_and_body(curl(lab, f"http://{HTTP}/api/v1/machines"))
    assert status == 403
    assert '"code":"tls_required"' in body


def test_plain_http_serves_netboot(tls_rackd):
    lab, _, _ = tls_rackd
    status, body = status_and_body(curl(lab, f"http://{HTTP}/boot/assets/hello.txt"))
    assert status == 200
    assert body == "hello\n"


def test_fifo_asset_blocks_no_thread(lab, rackd_factory, tmp_path):
    (tmp_path / "boot").mkdir(exist_ok=True)
    (tmp_path / "boot" / "hello.txt").write_text("hello\n")
    os.mkfifo(tmp_path / "boot" / "pipe")
    rackd_factory(lab, base_config(tmp_path, dhcp={"enabled": False}, subnet_lab=None))
    # More requests than rackd has HTTP threads; each used to block in open() for good.
    fetch_pipe = ns_exec(lab.ns, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                         "--noproxy", "*", "--max-time", "5", f"http://{HTTP}/boot/assets/pipe")
    readers = [subprocess.Popen(fetch_pipe, stdout=subprocess.PIPE, text=True)
               for _ in range(6)]
    statuses = [proc.communicate(timeout=30)[0] for proc in readers]
    status, body = status_and_body(curl(lab, f"http://{HTTP}/boot/assets/hello.txt"))
    assert statuses == ["404"] * 6
    assert status == 200
    assert body == "hello\n"


def test_tls_needs_cert_and_key(tmp_path):
    rackd = Path(os.environ.get("RACKD_BUILD", Path(__file__).resolve().parents[2] / "build"))
    config = tmp_path / "rackd.conf"
    config.write_text("[dhcp]\nenabled = false\n[http]\ntls_listen = 127.0.0.1:8443\n")
    proc = subprocess.run([str(rackd / "rackd"), "--config", str(config), "--check-config"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "tls_cert or tls_key is missing" in proc.stderr


def proc_status(pid):
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def test_privileges_dropped_after_bind(lab, rackd_factory, tmp_path):
    config = base_config(tmp_path)
    open_for_user(tmp_path)
    config["server"]["user"] = "nobody"
    rackd = rackd_factory(lab, config)
    status = proc_status(rackd.proc.pid)
    nobody = int(run("id", "-u", "nobody").stdout)
    assert [int(u) for u in status["Uid"].split()] == [nobody] * 4
    assert int(status["CapEff"], 16) == 0
    assert int(status["CapPrm"], 16) == 0
    assert status["Seccomp"] == "2"
    assert rackd.events(subsystem="rackd", message="privileges dropped to user nobody")
    # The store stays writable: a DHCP lease is still acknowledged and stored.
    client = lab.add_client()
    udhcpc = shutil.which("udhcpc")
    if udhcpc is None:
        pytest.skip("udhcpc is not installed (Debian package udhcpc)")
    proc = client.exec(udhcpc, "-i", "eth0", "-f", "-q", "-n", "-t", "5", "-T", "2",
                       "-s", "/bin/true", check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr
    ack = rackd.wait_event(lambda e: e.get("type") == "ACK", timeout=10)
    assert ack["mac"] == client.mac
    assert not rackd.events(level="error")


def test_unknown_user_stops_startup(lab, tmp_path):
    rackd = Path(os.environ.get("RACKD_BUILD", Path(__file__).resolve().parents[2] / "build"))
    config = base_config(tmp_path, dhcp={"enabled": False}, subnet_lab=None)
    config["server"]["user"] = "no-such-user-rackd"
    from conftest import write_config
    write_config(tmp_path / "rackd.conf", config)
    proc = lab.exec(str(rackd / "rackd"), "--config", str(tmp_path / "rackd.conf"),
                    check=False, timeout=30)
    assert proc.returncode == 1
    assert 'user \\"no-such-user-rackd\\" not found' in proc.stderr
