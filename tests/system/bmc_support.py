# SPDX-License-Identifier: Apache-2.0
"""BMC peers for the system tests: OpenIPMI's ipmi_sim (scripts/vrack_bmc.py)
and a small Redfish service.

`RedfishService(user, password)` is a threaded http.server on 127.0.0.1
with /redfish/v1/Systems/1, ComputerSystem.Reset, a Boot override through
PATCH, basic auth and SessionService sessions. It records every request.
"""

import base64
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from vrack_bmc import IPMI_PASSWORD, IPMI_USER, IpmiSim, qemu_ipmi_args  # noqa: E402,F401


class RedfishService:
    """A Redfish responder with one ComputerSystem; thread-safe record of requests."""

    def __init__(self, user="root", password="redfish-pw"):
        self.user = user
        self.password = password
        self.power = "Off"
        self.boot = {"BootSourceOverrideEnabled": "Disabled", "BootSourceOverrideTarget": "None"}
        self.requests = []  # (method, path, body dict or None, auth kind)
        self.sessions = {}
        self.lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                service.handle(self, "GET")

            def do_POST(self):
                service.handle(self, "POST")

            def do_PATCH(self):
                service.handle(self, "PATCH")

            def do_DELETE(self):
                service.handle(self, "DELETE")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def auth_kind(self, h):
        token = h.headers.get("X-Auth-Token")
        if token:
            return "session" if token in self.sessions else None
        auth = h.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
            if user == self.user and pw == self.password:
                return "basic"
        return None

    def reply(self, h, status, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else b""
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    def system(self):
        return {
            "@odata.id": "/redfish/v1/Systems/1", "Id": "1", "PowerState": self.power,
            "Boot": self.boot,
            "Actions": {"#ComputerSystem.Reset": {
                "target": "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset",
                "ResetType@Redfish.AllowableValues": ["On", "ForceOff", "GracefulShutdown",
                                                      "ForceRestart", "PowerCycle"]}},
        }

    def handle(self, h, method):
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        path = h.path
        with self.lock:
            if method == "POST" and path == "/redfish/v1/SessionService/Sessions":
                self.requests.append((method, path, {"UserName": body.get("UserName")}, "login"))
                if body.get("UserName") != self.user or body.get("Password") != self.password:
                    return self.reply(h, 401, {"error": {"message": "bad credentials"}})
                token = base64.b16encode(os.urandom(8)).decode()
                sid = str(len(self.sessions) + 1)
                self.sessions[token] = sid
                return self.reply(h, 201, {"Id": sid}, {
                    "X-Auth-Token": token,
                    "Location": f"/redfish/v1/SessionService/Sessions/{sid}"})
            kind = self.auth_kind(h)
            self.requests.append((method, path, body, kind))
            if kind is None:
                return self.reply(h, 401, {"error": {"message": "unauthorized"}})
            if method == "DELETE" and path.startswith("/redfish/v1/SessionService/Sessions/"):
                token = h.headers.get("X-Auth-Token")
                self.sessions.pop(token, None)
                return self.reply(h, 204)
            if method == "GET" and path == "/redfish/v1/Systems":
                return self.reply(h, 200, {"Members": [{"@odata.id": "/redfish/v1/Systems/1"}],
                                           "Members@odata.count": 1})
            if method == "GET" and path == "/redfish/v1/Systems/1":
                return self.reply(h, 200, self.system())
            if method == "PATCH" and path == "/redfish/v1/Systems/1":
                self.boot.update(body.get("Boot", {}))
                return self.reply(h, 200, self.system())
            if method == "POST" and path == "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset":
                reset = body.get("ResetType")
                self.power = {"On": "On", "ForceOff": "Off", "GracefulShutdown": "Off",
                              "ForceRestart": "On", "PowerCycle": "On"}.get(reset, self.power)
                return self.reply(h, 204)
            return self.reply(h, 404, {"error": {"message": "not found"}})

    def calls(self, method=None, path=None):
        with self.lock:
            return [r for r in self.requests
                    if (method is None or r[0] == method) and (path is None or r[1] == path)]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
