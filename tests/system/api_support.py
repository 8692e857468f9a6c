# SPDX-License-Identifier: Apache-2.0
"""Helpers for the REST API tests: a rackd on loopback and a small client.

`ApiServer(workdir)` writes a config with DHCP, TFTP and RA off and HTTP
on 127.0.0.1 at a free port above 10000. It creates one API token per role
with `rackd token create` before the daemon starts, as an operator would,
then starts rackd and waits for its "ready" log line. It has
`client(role)` and `stop()`.

`Api` speaks HTTP/1.1 with keep-alive through http.client (standard library
only) and returns `Response(status, body, headers)`; `assert_error()` checks
the API's one error shape. Environment: RACKD_BUILD (default <repo>/build).
"""

import http.client
import json
import os
import socket
import subprocess
import time
from collections import namedtuple
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("RACKD_BUILD", REPO / "build"))
RACKD = BUILD / "rackd"
RACKCTL = BUILD / "src" / "cli" / "rackctl"

ROLES = ("admin", "operator", "reader")

Response = namedtuple("Response", "status body headers")


def free_port():
    """A TCP port on 127.0.0.1 above 10000 that was free a moment ago."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port > 10000:
            return port
    raise RuntimeError("no free loopback port above 10000")


def sanitizer_build():
    """True when rackd is built with ASan, whose exit-time leak check needs ptrace."""
    try:
        return b"__asan_init" in RACKD.read_bytes()
    except OSError:
        return False


def write_config(workdir, port, extra=""):
    workdir = Path(workdir)
    (workdir / "data").mkdir(parents=True, exist_ok=True)
    (workdir / "boot").mkdir(parents=True, exist_ok=True)
    config = workdir / "rackd.conf"
    config.write_text(f"""[server]
data_dir = {workdir / 'data'}
boot_dir = {workdir / 'boot'}
log_level = info
log_format = json
[dhcp]
enabled = false
[tftp]
enabled = false
[ra]
enabled = false
[http]
listen = 127.0.0.1:{port}
{extra}""")
    return config


def create_token(config, role, name):
    """Runs `rackd token create` and returns the token it prints once."""
    out = subprocess.run([str(RACKD), "--config", str(config), "token", "create",
                          "--role", role, "--name", name],
                         check=True, capture_output=True, text=True)
    token = out.stdout.strip()
    assert token.startswith("rackd_"), out
    return token


class Api:
    """A keep-alive HTTP client for one token (None sends no Authorization)."""

    def __init__(self, port, token):
        self.port = port
        self.token = token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method, path, body=None, headers=None, raw=None):
        h = {}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        data = None
        if raw is not None:
            data = raw
            h["Content-Type"] = "application/json"
        elif body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=h)
                resp = self.conn.getresponse()
                payload = resp.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed the kept-alive connection (e.g. after a 413).
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        try:
            parsed = json.loads(payload) if payload else None
        except ValueError:
            # The error pages libmicrohttpd sends itself (431, 414) are HTML.
            parsed = payload.decode(errors="replace")
        return Response(resp.status, parsed, {k.lower(): v for k, v in resp.getheaders()})

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def create(self, path, body):
        """POSTs body and asserts 201; returns the created object."""
        r = self.post(path, body)
        assert r.status == 201, (path, body, r)
        return r.body

    def list_all(self, path, after=None):
        """Every item of a list from cursor after on, following next_after."""
        items = []
        sep = "&" if "?" in path else "?"
        while True:
            url = f"{path}{sep}limit=1000" + (f"&after={after}" if after is not None else "")
            r = self.get(url)
            assert r.status == 200, r
            items += r.body["items"]
            after = r.body["next_after"]
            if after is None:
                return items

    def close(self):
        self.conn.close()


def assert_error(resp, status, code=None, field=None):
    """Checks the error shape {"error": {"code", "message", "field"?}} and status."""
    assert resp.status == status, resp
    assert isinstance(resp.body, dict), resp
    assert set(resp.body) == {"error"}, resp
    err = resp.body["error"]
    assert isinstance(err.get("code"), str), resp
    assert err["code"], resp
    assert isinstance(err.get("message"), str), resp
    assert err["message"], resp
    assert set(err) <= {"code", "message", "field"}, resp
    if code is not None:
        assert err["code"] == code, resp
    if field is not None:
        assert err.get("field") == field, resp
    return err


class ApiServer:
    """rackd on loopback with one token per role."""

    def __init__(self, workdir, extra_config="", seed=None):
        self.workdir = Path(workdir)
        self.port = free_port()
        self.config = write_config(self.workdir, self.port, extra_config)
        self.log_path = self.workdir / "rackd.log"
        self.tokens = {role: create_token(self.config, role, f"test-{role}") for role in ROLES}
        if seed:
            seed(self.workdir / "data" / "rackd.db")
        self.proc = None
        self.start()

    def start(self):
        if not RACKD.exists():
            raise RuntimeError(f"{RACKD} not found: build first or set RACKD_BUILD")
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([str(RACKD), "--config", str(self.config)],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"rackd exited with {self.proc.returncode}:\n{self.tail()}")
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                if any(b'"message":"ready"' in line for line in f):
                    return
            time.sleep(0.05)
        raise RuntimeError(f"rackd did not log ready within 30 s:\n{self.tail()}")

    def stop(self):
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        rc = self.proc.returncode
        self.proc = None
        # Under ASan a leak or error makes rackd exit non-zero at shutdown.
        assert rc == 0, f"rackd exited with {rc}:\n{self.tail()}"

    def client(self, role="admin"):
        return Api(self.port, self.tokens[role] if role else None)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def tail(self, n=40):
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    def log_events(self, **match):
        out = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if all(event.get(k) == v for k, v in match.items()):
                out.append(event)
        return out
