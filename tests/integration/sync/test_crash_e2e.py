"""A worker killed in the middle of an import: real Kafka, sandboxes, a worker process.

What a user checks (issue 6, acceptance 6): ``sync-streams worker`` is killed with
SIGKILL while it imports 500 flagged Sellsy companies, then started again on the
same data directory.  In the end every company is in Altior exactly once (counted
by external reference), none is lost, none is exported back to Sellsy as a
duplicate, nothing was dead-lettered, and pairs synced before the kill still sync
both ways.  The restarted worker recovers its tables from their changelogs; the
events Kafka redelivers find what the killed worker had already created through
the external references; and the events waiting in Kafka wait for the tenant to be
ready again (its APIs read, slowly here) instead of being dropped.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from sync_streams.altior.writes import ThirdPartyUpdate
from sync_streams.sellsy.models.writes import CompanyUpdate
from tests.support.stack import Stack, Tenant, sync_stack, wait_for

pytestmark = pytest.mark.integration

RECORDS = 500


async def _references(tenant: Tenant) -> Counter[str]:
    """Altior third parties per Sellsy id (their external reference); '' when none."""
    refs: Counter[str] = Counter()
    async for page in tenant.altior.third_party_pages():
        for third_party in page.items:
            values = [r.value for r in third_party.external_references]
            refs.update(values or [""])
    return refs


async def _seed(stack: Stack, tenant: Tenant) -> list[int]:
    seeded = await stack.sellsy_sandbox.seed(tenant.sellsy_account, generate={"companies": RECORDS})
    ids: list[int] = seeded["companies"]
    flag = await tenant.sellsy_flag_field()
    await stack.sellsy_sandbox.seed(
        tenant.sellsy_account,
        custom_field_values=[
            {"object": "company", "id": i, "values": [{"id": flag, "value": True}]} for i in ids
        ],
    )
    return ids


async def test_sigkill_mid_import_then_restart_syncs_each_record_exactly_once(
    kafka_url: str, unique_prefix: str, tmp_path: Path
) -> None:
    async with sync_stack(kafka_url, unique_prefix, tmp_path) as stack:
        acme = await stack.add_tenant("acme-prod", overrides="poll_interval_seconds: 5\n")
        ids = await _seed(stack, acme)
        expected = Counter({str(i): 1 for i in ids})

        worker = stack.worker_process()
        await worker.start()

        async def started() -> bool:
            return sum((await _references(acme)).values()) >= RECORDS // 10

        await wait_for(started, "import under way", limit=180)
        await worker.kill()
        at_kill = await _references(acme)
        assert sum(at_kill.values()) < RECORDS, "the import ended before the kill"
        assert max(at_kill.values()) == 1

        # Altior answers the restarted worker's start-up reads slowly, so its tenant is
        # ready only seconds after the events already in Kafka start flowing again
        assert acme.altior_sandbox is not None
        await acme.altior_sandbox.set_faults(
            acme.altior_key, latency_ms=5000, path_prefix="/establishments"
        )
        await worker.start(limit=180)

        async def complete() -> bool:
            return sum((await _references(acme)).values()) >= RECORDS

        await wait_for(complete, f"{RECORDS} companies in Altior", limit=300)
        await acme.altior_sandbox.set_faults(acme.altior_key)
        # a few more poll cycles (echoes of our writes come back): nothing more appears
        await asyncio.sleep(12)
        assert await _references(acme) == expected
        sellsy = [c.id async for c in acme.sellsy.iter_companies()]
        assert sorted(sellsy) == sorted(ids)  # nothing exported back as a duplicate
        assert not await stack.dead_letters()

        # pairs synced before the kill keep syncing both ways: the restarted worker
        # reads the state it recovered from the changelogs
        first, second = sorted(int(i) for i in at_kill)[:2]
        await acme.sellsy.update_company(first, CompanyUpdate(email="apres@redemarrage.fr"))
        before = await acme.altior.find_third_party_by_external_reference(str(second))
        await acme.altior.update_third_party(
            before.id, ThirdPartyUpdate.model_validate({"name": "Renommée dans Altior"})
        )

        async def email_in_altior() -> bool:
            found = await acme.altior.find_third_party_by_external_reference(str(first))
            return [e.value for e in found.emails] == ["apres@redemarrage.fr"]

        async def name_in_sellsy() -> bool:
            return (await acme.sellsy.get_company(second)).name == "Renommée dans Altior"

        await wait_for(email_in_altior, "Sellsy update after restart in Altior", limit=60)
        await wait_for(name_in_sellsy, "Altior update after restart in Sellsy", limit=60)
        assert await _references(acme) == expected
