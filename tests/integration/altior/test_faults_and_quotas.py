"""Injected faults and quotas: the client retries what it may, and only that."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sync_streams.altior import AltiorClient, ThirdPartyCreate, sellsy_reference
from sync_streams.errors import ApiUnavailableError
from sync_streams.http import QuotaPacer
from tests.support.altior_sandbox import AltiorSandbox

pytestmark = pytest.mark.integration


async def test_server_errors_and_dropped_connections_are_retried_on_reads(
    sandbox: AltiorSandbox, api_key: str, client: AltiorClient
) -> None:
    await sandbox.set_faults(api_key, fail_next=2, drop_next=1)
    users = await client.list_users()
    assert "sync.sellsy" in [u.login for u in users]
    assert client.stats.retries == 3
    assert client.stats.server_errors == 2 and client.stats.transport_errors == 1
    faults = [c["fault"] for c in await sandbox.calls(api_key)]
    assert faults == ["drop", "error", "error", None]


async def test_a_plain_create_is_not_resent_after_a_dropped_connection(
    sandbox: AltiorSandbox, api_key: str, client: AltiorClient
) -> None:
    establishment = (await client.list_establishments())[0].id
    await sandbox.set_faults(api_key, drop_next=1, path_prefix="/third-parties")
    with pytest.raises(ApiUnavailableError):
        await client.create_third_party(
            ThirdPartyCreate(kind="moral", name="X", establishment_id=establishment)
        )
    posts = [c for c in await sandbox.calls(api_key) if c["method"] == "POST"]
    assert len(posts) == 1


async def test_a_create_with_reference_survives_a_dropped_connection(
    sandbox: AltiorSandbox, api_key: str, client: AltiorClient
) -> None:
    establishment = (await client.list_establishments())[0].id
    await sandbox.set_faults(api_key, drop_next=1, path_prefix="/third-parties")
    created = await client.create_third_party(
        ThirdPartyCreate(
            kind="moral",
            name="Dupré",
            establishment_id=establishment,
            external_references=[sellsy_reference(48213)],
        )
    )
    assert created.external_value() == "48213"
    listed = [tp.id async for p in client.third_party_pages() for tp in p.items]
    assert listed == [created.id]  # one record: the retry did not make a second


async def test_a_client_pacing_on_the_quota_headers_avoids_429(
    sandbox: AltiorSandbox, api_key: str, client_for: Callable[..., AltiorClient]
) -> None:
    await sandbox.set_quotas(api_key, per_second=3)
    pacer = QuotaPacer(None)  # no local limit: it learns the quota from the answers
    client = client_for(api_key, pacer=pacer)
    for _ in range(7):
        await client.list_url_types()
    assert client.stats.rate_limited == 0 and pacer.waited_seconds > 0
    assert [c["status"] for c in await sandbox.calls(api_key)] == [200] * 7


async def test_a_429_is_waited_out_and_retried(
    sandbox: AltiorSandbox, api_key: str, client: AltiorClient
) -> None:
    await sandbox.set_faults(api_key, fail_next=1, error_status=429)
    assert await client.list_civilities()
    assert (client.stats.rate_limited, client.stats.retries) == (1, 1)


async def test_faults_are_per_tenant(
    sandbox: AltiorSandbox, api_key: str, client_for: Callable[..., AltiorClient]
) -> None:
    other_key = await sandbox.create_tenant("globex")
    await sandbox.set_faults(api_key, error_rate=1.0)
    assert await client_for(other_key).list_users()
    with pytest.raises(ApiUnavailableError):
        await client_for(api_key).list_users()
