"""Tenant isolation, per-key call log and state that survives a restart."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from sync_streams.altior import AltiorClient, ThirdPartyCreate, ThirdPartyUpdate, sellsy_reference
from sync_streams.errors import AuthenticationError, NotFoundError, RejectedError
from tests.support.altior_sandbox import AltiorSandbox, altior_sandbox

pytestmark = pytest.mark.integration


async def first_establishment(client: AltiorClient) -> int:
    return (await client.list_establishments())[0].id


async def test_tenants_never_see_each_others_records(
    sandbox: AltiorSandbox, client_for: Callable[..., AltiorClient]
) -> None:
    acme = client_for(await sandbox.create_tenant("acme"))
    globex = client_for(await sandbox.create_tenant("globex"))
    mine = await acme.create_third_party(
        ThirdPartyCreate(
            kind="moral",
            name="Dupré",
            establishment_id=await first_establishment(acme),
            external_references=[sellsy_reference(48213)],
        )
    )
    with pytest.raises(NotFoundError):
        await globex.get_third_party(mine.id)
    with pytest.raises(NotFoundError):
        await globex.update_third_party(mine.id, ThirdPartyUpdate(name="Volé"))
    assert await globex.find_third_party_by_external_reference("48213") is None
    assert [p.items async for p in globex.third_party_pages()] == [[]]
    # the same Sellsy id may exist in another tenant (ids are per Sellsy account)
    theirs = await globex.create_third_party(
        ThirdPartyCreate(
            kind="moral",
            name="Autre",
            establishment_id=await first_establishment(globex),
            external_references=[sellsy_reference(48213)],
        )
    )
    assert theirs.id != mine.id
    # nor place a record in another tenant's establishment
    with pytest.raises(RejectedError) as raised:
        await globex.create_third_party(
            ThirdPartyCreate(
                kind="moral", name="Intrus", establishment_id=await first_establishment(acme)
            )
        )
    assert raised.value.body["error"]["field"] == "establishment_id"


async def test_call_log_is_kept_per_api_key(
    sandbox: AltiorSandbox, client_for: Callable[..., AltiorClient]
) -> None:
    key = await sandbox.create_tenant("acme")
    second = await sandbox.add_key(key)
    await client_for(key).list_users()
    poller = client_for(second)
    await poller.list_establishments()
    first_calls = await sandbox.calls(key)
    second_calls = await sandbox.calls(second)
    assert [(c["method"], c["path"], c["status"]) for c in first_calls] == [
        ("GET", "/api/v1/users", 200)
    ]
    assert [c["path"] for c in second_calls] == ["/api/v1/establishments"]


async def test_unknown_or_missing_key_is_refused(
    sandbox: AltiorSandbox, client_for: Callable[..., AltiorClient]
) -> None:
    with pytest.raises(AuthenticationError):
        await client_for("altk_not-a-key").list_users()
    async with httpx.AsyncClient(base_url=sandbox.api_url) as raw:
        response = await raw.get("/third-parties")
    assert response.status_code == 401
    assert response.json()["error"]["field"] == "X-Api-Key"


async def test_records_keys_settings_and_cursors_survive_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "altior.db"
    async with altior_sandbox(db) as first:
        key = await first.create_tenant("acme")
        async with AltiorClient(first.base_url, SecretStr(key), "sync.sellsy") as client:
            created = await client.create_third_party(
                ThirdPartyCreate(
                    kind="moral",
                    name="Dupré",
                    establishment_id=await first_establishment(client),
                    external_references=[sellsy_reference(1)],
                )
            )
            cursor = [p async for p in client.third_party_pages()][-1].next_cursor
        await first.set_quotas(key, per_minute=1000)
    async with (
        altior_sandbox(db) as second,
        AltiorClient(second.base_url, SecretStr(key), "sync.sellsy") as client,
    ):
        again = await client.find_third_party_by_external_reference("1")
        assert again is not None and again.id == created.id
        assert [p.items async for p in client.third_party_pages(cursor=cursor)] == [[]]
        renamed = await client.update_third_party(created.id, ThirdPartyUpdate(name="Dupré SA"))
        assert renamed.updated_at > created.updated_at
        resumed = [tp.id async for p in client.third_party_pages(cursor=cursor) for tp in p.items]
        assert resumed == [created.id]
        assert client.stats.quota_remaining_by_minute is not None  # quota kept too
