"""Two tenants whose ids overlap stay isolated: real Kafka, sandboxes over HTTP, one worker.

What a user checks (issue 6, acceptance 7): two clients served by the same worker,
whose Sellsy accounts both have companies 1, 2, 3 and contact 1 and whose Altior
databases both have a third party of the same id, each end up with exactly their own
records, attached to their own companies; a live change of one tenant's company 1 never
reaches the other's; the APIs' call logs show that every call made with one
tenant's credentials went to that tenant's account and wrote only its records.
The two tenants share a Kafka partition, hence the same table partitions.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from sync_streams.altior.writes import ThirdPartyCreate
from sync_streams.kafka.partitioning import partition_of
from sync_streams.sellsy.models.writes import CompanyUpdate
from tests.support.altior_sandbox import AltiorSandbox
from tests.support.stack import PARTITIONS, Stack, Tenant, sync_stack, wait_for

pytestmark = pytest.mark.integration

NAMES = {"acme-prod": "Acme", "beta-paris": "Beta"}


async def _seed(stack: Stack, tenant: Tenant) -> int:
    word = NAMES[tenant.id]
    flag = await tenant.sellsy_flag_field()
    seeded = await stack.sellsy_sandbox.seed(
        tenant.sellsy_account,
        companies=[{"type": "client", "name": f"{word} {n}"} for n in ("Un", "Deux", "Trois")],
        contacts=[{"last_name": f"Contact {word}", "first_name": "Claire"}],
        links=[{"company_id": 1, "contact_id": 1}],
        custom_field_values=[
            {"object": "company", "id": i, "values": [{"id": flag, "value": True}]}
            for i in (1, 2, 3)
        ],
    )
    assert seeded["companies"] == [1, 2, 3] and seeded["contacts"] == [1]  # ids overlap
    made = await tenant.altior.create_third_party(
        ThirdPartyCreate.model_validate(
            {"kind": "moral", "name": f"{word} Altior", "establishment_id": 1}
        )
    )
    return made.id


async def _altior_names(tenant: Tenant) -> list[str]:
    return sorted(
        [t.name or "" async for page in tenant.altior.third_party_pages() for t in page.items]
    )


async def _sellsy_names(tenant: Tenant) -> list[str]:
    return sorted([c.name or "" async for c in tenant.sellsy.iter_companies()])


def _expected(tenant: Tenant, first: str = "Un") -> list[str]:
    word = NAMES[tenant.id]
    return sorted(f"{word} {n}" for n in (first, "Deux", "Trois", "Altior"))


async def _converged(tenant: Tenant, first: str = "Un") -> bool:
    expected = _expected(tenant, first)
    return await _altior_names(tenant) == expected and await _sellsy_names(tenant) == expected


async def _tenant_calls(sandbox: AltiorSandbox, api_key: str) -> list[dict[str, Any]]:
    """Every call the Altior server logged for the key's tenant, whatever the key."""
    tenant_id = sandbox.tenant_of(api_key)
    response = await sandbox.admin.get(
        f"/_admin/tenants/{tenant_id}/calls", params={"limit": 100_000}
    )
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_tenants_with_overlapping_ids_stay_isolated(
    kafka_url: str, unique_prefix: str, tmp_path: Path
) -> None:
    assert partition_of("acme-prod", PARTITIONS) == partition_of("beta-paris", PARTITIONS)
    async with sync_stack(kafka_url, unique_prefix, tmp_path) as stack:
        acme = await stack.add_tenant("acme-prod")
        beta = await stack.add_tenant("beta-paris", altior=await stack.add_altior_sandbox())
        altior_ids = {await _seed(stack, tenant) for tenant in (acme, beta)}
        assert len(altior_ids) == 1  # each Altior database numbers alike: the ids overlap too
        await stack.start_worker()

        for tenant in (acme, beta):
            await wait_for(lambda t=tenant: _converged(t), f"{tenant.id} converged", limit=90)

        # each tenant's contact 1 is attached to its own company 1's third party
        for tenant in (acme, beta):

            async def contact_down(t: Tenant = tenant) -> bool:
                return await t.altior.find_contact_by_external_reference("1") is not None

            await wait_for(contact_down, f"{tenant.id} contact in Altior")
            contact = await tenant.altior.find_contact_by_external_reference("1")
            company = await tenant.altior.find_third_party_by_external_reference("1")
            assert contact.last_name == f"Contact {NAMES[tenant.id]}"
            assert company.name == f"{NAMES[tenant.id]} Un"
            assert contact.third_party_id == company.id
            contacts = [c async for page in tenant.altior.contact_pages() for c in page.items]
            assert len(contacts) == 1

        # a live change of acme's company 1 reaches acme's Altior only
        await acme.sellsy.update_company(1, CompanyUpdate(name="Acme Un bis"))
        await wait_for(lambda: _converged(acme, "Un bis"), "acme's change in its Altior")
        await asyncio.sleep(5 * stack.poll_interval)
        assert await _converged(beta)
        assert await _converged(acme, "Un bis")

        # call logs, per credential (the worker's and the users'): each tenant's calls
        # went to its own account / database
        for tenant in (acme, beta):
            worker_client = tenant.config.sellsy.client_id
            own = {worker_client, tenant.sellsy.credentials.client_id}
            for client_id in own:
                by_client = await stack.sellsy_sandbox.calls(client_id=client_id)
                assert by_client
                assert {c["account_id"] for c in by_client} == {tenant.sellsy_account}
            in_account = await stack.sellsy_sandbox.calls(tenant.sellsy_account)
            assert {c["client_id"] for c in in_account} <= own

        altior_servers = {acme.id: acme.altior_sandbox, beta.id: beta.altior_sandbox}
        for tenant in (acme, beta):
            other = NAMES[beta.id if tenant is acme else acme.id]
            sandbox = altior_servers[tenant.id]
            assert sandbox is not None
            calls = await _tenant_calls(sandbox, tenant.altior_key)
            mine = sandbox.tenant_of(tenant.altior_key)
            own_keys = {key_id for tid, key_id in sandbox.keys.values() if tid == mine}
            assert calls and {c["key_id"] for c in calls} <= own_keys
            worker_key = sandbox.keys[tenant.altior_key][1]
            writes = [
                c
                for c in calls
                if c["method"] in ("POST", "PATCH", "PUT") and c["key_id"] == worker_key
            ]
            assert writes
            assert not [w for w in writes if other in str(w["body"])]
            own_ids = {t.id async for page in tenant.altior.third_party_pages() for t in page.items}
            for write in writes:
                parts = write["path"].strip("/").split("/")
                if parts[-2:-1] == ["third-parties"] and parts[-1].isdigit():
                    assert int(parts[-1]) in own_ids
        # the other server never saw a tenant's key
        for tenant in (acme, beta):
            sandbox = altior_servers[beta.id if tenant is acme else acme.id]
            assert sandbox is not None and tenant.altior_key not in sandbox.keys
        assert not await stack.dead_letters()
