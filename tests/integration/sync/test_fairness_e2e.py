"""One tenant's big initial load does not hold back another tenant's live changes.

What a user checks (issue 8, "neither disturbs other tenants' live sync"): acme and
beta share a worker and a Kafka partition.  acme starts with a few hundred flagged
Sellsy companies, so its first start runs ``thirdPartyAll``, and acme's Altior answers
slowly: its init lasts minutes.  Meanwhile a beta user creates a company in Sellsy.
It reaches beta's Altior while acme's init is still far from done; before the bulk
lane, it waited in the partition behind every one of acme's init events.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sync_streams.kafka.partitioning import partition_of
from sync_streams.sellsy.models.writes import CompanyCreate
from tests.support.stack import PARTITIONS, Tenant, sync_stack, wait_for

pytestmark = pytest.mark.integration

RECORDS = 300


async def _third_parties(tenant: Tenant) -> list[str]:
    return [t.name or "" async for page in tenant.altior.third_party_pages() for t in page.items]


async def test_a_big_init_of_one_tenant_does_not_hold_back_another_tenants_live_change(
    kafka_url: str, unique_prefix: str, tmp_path: Path
) -> None:
    # the same partition: one lane per partition would queue beta behind acme's init
    assert partition_of("acme-prod", PARTITIONS) == partition_of("beta-paris", PARTITIONS)
    async with sync_stack(kafka_url, unique_prefix, tmp_path) as stack:
        acme = await stack.add_tenant("acme-prod")
        beta = await stack.add_tenant("beta-paris", altior=await stack.add_altior_sandbox())
        seeded = await stack.sellsy_sandbox.seed(
            acme.sellsy_account, generate={"companies": RECORDS}
        )
        flag = await acme.sellsy_flag_field()
        await stack.sellsy_sandbox.seed(
            acme.sellsy_account,
            custom_field_values=[
                {"object": "company", "id": i, "values": [{"id": flag, "value": True}]}
                for i in seeded["companies"]
            ],
        )
        assert acme.altior_sandbox is not None
        await acme.altior_sandbox.set_faults(
            acme.altior_key, latency_ms=400, path_prefix="/third-parties"
        )
        await stack.start_worker()

        async def acme_init_under_way() -> bool:
            return len(await _third_parties(acme)) >= 5

        await wait_for(acme_init_under_way, "acme's init under way", limit=120)

        company = await beta.sellsy.create_company(
            CompanyCreate(type="client", name="Beta Nouvelle")
        )
        await beta.flag("companies", company.id)

        async def beta_synced() -> bool:
            return "Beta Nouvelle" in await _third_parties(beta)

        await wait_for(beta_synced, "beta's new company in its Altior", limit=120)
        done = len(await _third_parties(acme))
        assert done < RECORDS, "beta's change waited for acme's whole init"

        await acme.altior_sandbox.set_faults(acme.altior_key)

        async def acme_complete() -> bool:
            return len(await _third_parties(acme)) >= RECORDS

        await wait_for(acme_complete, "acme's init complete", limit=300)
        references = [
            r.value
            async for page in acme.altior.third_party_pages()
            for t in page.items
            for r in t.external_references
        ]
        assert sorted(references) == sorted(str(i) for i in seeded["companies"])  # each once
        assert await _third_parties(beta) == ["Beta Nouvelle"]
        assert not await stack.dead_letters()
