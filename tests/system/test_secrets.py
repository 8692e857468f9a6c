# SPDX-License-Identifier: Apache-2.0
"""Secrets (API tokens, per-machine agent tokens, BMC passwords) never appear
in what rackd writes: its log, its store files, its events, or API output.

test_secrets_never_written drives one rackd through every path that handles
a secret, including failed and rejected requests. test_no_api_token_in_any_log
runs after the whole suite and scans every rackd log and store file the
session left under pytest's base temporary directory for API tokens."""

import json
import re
from pathlib import Path

import pytest

from api_support import ApiServer, Api

AGENT_TOKEN = re.compile(r"rackd\.token=([0-9a-f]{64})")
API_TOKEN = re.compile(rb"rackd_[0-9a-f]{64}")
BMC_PASSWORD = "Zq9-bmc-secret-pw20"  # IPMI 2.0 allows 20 bytes


def written_files(workdir):
    """Everything rackd wrote: its log and every file in its data directory."""
    files = [workdir / "rackd.log"]
    files += [p for p in (workdir / "data").iterdir() if p.is_file()]
    return files


@pytest.fixture
def server(tmp_path):
    srv = ApiServer(tmp_path)
    yield srv
    srv.stop()


def test_secrets_never_written(server, tmp_path):
    admin = server.client("admin")
    outputs = []

    def keep(response):
        outputs.append(response.body if isinstance(response.body, str)
                       else json.dumps(response.body))
        return response

    # The netboot script is the one place an agent token is handed out.
    script = keep(Api(server.port, None).get(
        "/boot/ipxe?mac=52:54:00:5e:c0:01&arch=x86_64&firmware=bios"))
    assert script.status == 200, script.body
    agent_token = AGENT_TOKEN.search(script.body).group(1)
    outputs.pop()
    machine_id = int(re.search(r"rackd\.machine=(\d+)", script.body).group(1))

    report = {"machine_id": machine_id, "cpu_count": 1, "memory_bytes": 1 << 20,
              "macs": ["52:54:00:5e:c0:01"]}
    agent = Api(server.port, agent_token)
    assert keep(agent.post("/api/v1/agent/report", body=report)).status == 200
    # Rejected uses of each secret: agent token on the API, API token as agent token.
    assert keep(agent.get("/api/v1/machines")).status == 401
    wrong = Api(server.port, server.tokens["reader"])
    assert keep(wrong.post("/api/v1/agent/report", body=report)).status == 401
    altered = agent_token[:-1] + ("1" if agent_token[-1] == "0" else "0")
    assert keep(Api(server.port, altered).post(
        "/api/v1/agent/report", body=report)).status == 401

    # Installers fetch their template with the agent token in the URL path;
    # the body may carry the token, the request log must not.
    keep(Api(server.port, None).get(f"/install/{machine_id}/{agent_token}/preseed.cfg"))
    outputs.pop()
    # A valid token sent for another machine is rejected, and still not logged.
    assert keep(Api(server.port, None).get(
        f"/install/{machine_id + 1}/{agent_token}/preseed.cfg")).status == 401

    bmc = {"type": "ipmi", "address": "127.0.0.1:10998", "username": "admin",
           "password": BMC_PASSWORD}
    assert keep(admin.request("PUT", f"/api/v1/machines/{machine_id}/bmc", body=bmc)).status \
        in (200, 201)
    keep(admin.get(f"/api/v1/machines/{machine_id}/bmc"))
    keep(admin.get(f"/api/v1/machines/{machine_id}"))
    # Nothing listens there, so this fails and its error must not carry the password.
    keep(admin.get(f"/api/v1/machines/{machine_id}/power"))
    keep(server.client("reader").request("PUT", f"/api/v1/machines/{machine_id}/bmc", body=bmc))
    keep(admin.get("/api/v1/events?limit=1000"))
    keep(admin.get("/api/v1/tokens"))
    server.stop()

    secrets = {"agent token": agent_token, "BMC password": BMC_PASSWORD}
    secrets.update({f"{role} API token": t for role, t in server.tokens.items()})
    for name, secret in secrets.items():
        for text in outputs:
            assert secret not in text, f"{name} in an API response: {text[:200]}"
        for path in written_files(tmp_path):
            data = path.read_bytes()
            assert secret.encode() not in data, f"{name} written to {path}"
            assert secret.encode().hex().encode() not in data, f"{name} (hex) in {path}"


@pytest.mark.run_last
def test_no_api_token_in_any_log(tmp_path_factory):
    base = Path(tmp_path_factory.getbasetemp())
    logs = list(base.rglob("rackd.log"))
    if not logs:
        pytest.skip("no rackd ran in this session; run the whole suite")
    stores = [p for p in base.rglob("rackd.db*") if p.is_file()]
    for path in logs + stores:
        match = API_TOKEN.search(path.read_bytes())
        assert match is None, f"an API token is written in {path}"
