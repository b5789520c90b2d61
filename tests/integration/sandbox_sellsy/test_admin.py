"""The /_admin surface used by tests and demos: seed, call log, custom fields, reset."""

from __future__ import annotations

import pytest

from tests.integration.sandbox_sellsy.conftest import Account
from tests.support.sellsy_sandbox import AdminError, SandboxHandle

pytestmark = pytest.mark.integration


async def test_seed_builds_linked_records_with_values(
    sandbox: SandboxHandle, account: Account
) -> None:
    fields = (await account.api.get("/custom-fields")).json()["data"]
    sync_field = next(f["id"] for f in fields if f["code"] == "synchronisation-altior")
    seeded = await sandbox.seed(
        account.account_id,
        companies=[
            {"type": "client", "name": "Ancienne", "updated_at": "2024-01-15T09:00:00+01:00"},
            {"type": "prospect", "name": "Récente", "legal_france": {"siret": "73282932000074"}},
        ],
        contacts=[{"last_name": "Durand", "civility": "mrs"}],
        links=[{"company_id": 1, "contact_id": 1}],
        custom_field_values=[
            {"object": "company", "id": 2, "values": [{"id": sync_field, "value": True}]}
        ],
        opportunities=[
            {"name": "Affaire", "pipeline": 1, "step": 1, "related": [{"id": 1, "type": "company"}]}
        ],
    )
    assert seeded["companies"] == [1, 2] and seeded["contacts"] == [1]
    assert seeded["opportunities"] == [1] and seeded["links"] == 1
    old = (await account.api.get("/companies/1")).json()
    assert old["updated_at"].startswith("2024-01-15T09:00:00")
    window = {"updated_at": {"end": "2024-12-31T23:59:59+01:00"}}
    found = await account.api.post("/companies/search", json={"filters": window})
    assert [c["name"] for c in found.json()["data"]] == ["Ancienne"]
    values = (await account.api.get("/companies/2/custom-fields")).json()["data"]
    assert {v["id"]: v["value"] for v in values}[sync_field] is True


async def test_seed_errors_name_the_record_and_field(
    sandbox: SandboxHandle, account: Account
) -> None:
    with pytest.raises(AdminError) as caught:
        await sandbox.seed(
            account.account_id,
            companies=[{"type": "client", "name": "OK"}, {"type": "client"}],
        )
    assert "companies.1.name" in str(caught.value)
    assert (await account.api.get("/companies")).json()["pagination"]["total"] == 0


async def test_call_log_records_each_call_of_each_account(
    sandbox: SandboxHandle, account: Account
) -> None:
    await account.api.get("/companies", params={"limit": 5})
    await account.api.get("/companies/77")
    calls = await sandbox.calls(account.account_id)
    api_calls = [c for c in calls if c["path"].startswith("/v2/")]
    assert [(c["method"], c["path"], c["query"], c["status"]) for c in api_calls] == [
        ("GET", "/v2/companies", "limit=5", 200),
        ("GET", "/v2/companies/77", "", 404),
    ]
    assert all(c["client_id"] == account.client_id and "at" in c for c in api_calls)
    newer = await sandbox.calls(account.account_id, since=api_calls[0]["seq"])
    assert [c["path"] for c in newer] == ["/v2/companies/77"]
    other_client, other_secret, other_account = await sandbox.create_account("Autre")
    assert await sandbox.calls(other_account) == []
    assert other_client and other_secret


async def test_admin_custom_fields_and_related_objects_quirk(
    sandbox: SandboxHandle, account: Account
) -> None:
    created = await sandbox.add_custom_field(
        account.account_id,
        name="Segment",
        type="select",
        related_object=["client", "prospect"],
        items=["PME", "ETI"],
    )
    choice = created["parameters"]["items"][1]["id"]
    company = (await account.api.post("/companies", json={"type": "client", "name": "X"})).json()
    path = f"/companies/{company['id']}/custom-fields"
    assert (
        await account.api.put(path, json=[{"id": created["id"], "value": choice}])
    ).status_code == 200
    await sandbox.update_settings(account.account_id, quirks={"related_objects": True})
    shown = (await account.api.get(f"/custom-fields/{created['id']}")).json()
    assert shown["related_objects"] == shown["related_object"] == ["client", "prospect"]


async def test_reset_one_account_keeps_the_others(sandbox: SandboxHandle, account: Account) -> None:
    other_id, other_secret, other_account = await sandbox.create_account("Autre", per_second=0)
    await sandbox.seed(account.account_id, generate={"companies": 3})
    await sandbox.seed(other_account, generate={"companies": 2})
    await sandbox.reset(account.account_id)
    assert (await account.api.get("/companies")).json()["pagination"]["total"] == 0
    assert len((await account.api.get("/custom-fields")).json()["data"]) == 4  # defaults back
    async with sandbox.api_client(await sandbox.token(other_id, other_secret)) as other:
        assert (await other.get("/companies")).json()["pagination"]["total"] == 2
    listing = (await sandbox.admin.get("/_admin/accounts")).json()["accounts"]
    assert {a["id"] for a in listing} == {account.account_id, other_account}
    assert "client_secret" not in str(listing)
