"""State lives in the --db file: records, accounts, settings and tokens survive restarts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.sellsy_sandbox import running_sellsy_sandbox, running_sellsy_sandbox_process

pytestmark = pytest.mark.integration


async def test_everything_survives_an_in_process_restart(tmp_path: Path) -> None:
    db = tmp_path / "sellsy.db"
    async with running_sellsy_sandbox(db) as sandbox:
        client_id, secret, account_id = await sandbox.create_account(per_second=0)
        await sandbox.set_quota(account_id, per_minute=1000)
        token = await sandbox.token(client_id, secret)
        async with sandbox.api_client(token) as api:
            company = (await api.post("/companies", json={"type": "client", "name": "ACME"})).json()
            contact = (await api.post("/contacts", json={"last_name": "Durand"})).json()
            await api.post(f"/companies/{company['id']}/contacts/{contact['id']}", json={})
    async with running_sellsy_sandbox(db) as sandbox:
        async with sandbox.api_client(token) as api:  # the old token is still valid
            assert (await api.get(f"/companies/{company['id']}")).json()["name"] == "ACME"
            linked = (await api.get(f"/contacts/{contact['id']}/companies")).json()["data"]
            assert [c["id"] for c in linked] == [company["id"]]
            answer = await api.post("/companies", json={"type": "client", "name": "Suivante"})
            assert answer.json()["id"] == company["id"] + 1  # counters survive too
        described = (await sandbox.admin.get(f"/_admin/accounts/{account_id}")).json()
        assert described["settings"]["quota"]["per_minute"] == 1000
        assert await sandbox.token(client_id, secret)


async def test_the_cli_serves_the_same_state_after_a_restart(tmp_path: Path) -> None:
    """``sync-streams sandbox sellsy`` as a real process, stopped with SIGTERM and restarted."""
    db = tmp_path / "sellsy.db"
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "accounts": [
                    {
                        "name": "Démo",
                        "client_id": "demo-client-id",
                        "client_secret": "demo-client-secret",
                        "seed": {
                            "companies": [{"type": "client", "name": "Boulangerie Démo"}],
                            "generate": {"contacts": 3},
                        },
                    }
                ]
            }
        )
    )
    async with running_sellsy_sandbox_process(db, seed_file=seed) as sandbox:
        token = await sandbox.token("demo-client-id", "demo-client-secret")
        async with sandbox.api_client(token) as api:
            await api.put("/companies/1", json={"reference": "ALT-1"})
    async with running_sellsy_sandbox_process(db, seed_file=seed) as sandbox:
        token = await sandbox.token("demo-client-id", "demo-client-secret")
        async with sandbox.api_client(token) as api:
            company = (await api.get("/companies/1")).json()
            assert (company["name"], company["reference"]) == ("Boulangerie Démo", "ALT-1")
            contacts = (await api.get("/contacts")).json()
            assert contacts["pagination"]["total"] == 3  # the seed was not applied twice
