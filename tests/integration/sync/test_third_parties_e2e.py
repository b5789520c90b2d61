"""Third-party sync end to end: real Kafka, both sandboxes over HTTP, a real worker.

What a user checks: a flagged Sellsy company appears in Altior correctly typed with
its external reference; an unflagged one does not until flagged; an Altior third
party appears in Sellsy; updates cross both ways; after convergence the sync is quiet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sync_streams.altior.writes import ThirdPartyCreate, ThirdPartyUpdate
from sync_streams.sellsy.models.writes import CompanyCreate, CompanyUpdate
from tests.support.stack import Stack, Tenant, sync_stack, wait_for

pytestmark = pytest.mark.integration


async def _altior_by_sellsy_id(tenant: Tenant, sellsy_id: int) -> Any:
    return await tenant.altior.find_third_party_by_external_reference(str(sellsy_id))


async def _flag(tenant: Tenant, resource: str, record_id: int, value: bool) -> None:
    field = await tenant.sellsy_flag_field()
    await tenant.sellsy.set_custom_field_values(resource, record_id, {field: value})


async def _writes(stack: Stack, tenant: Tenant) -> tuple[int, int]:
    sellsy = [
        c
        for c in await stack.sellsy_sandbox.calls(tenant.sellsy_account)
        if c["method"] in ("POST", "PUT")
        and "/search" not in c["path"]
        and "/oauth2/" not in c["path"]
    ]
    altior = [
        c
        for c in await stack.altior_sandbox.calls(tenant.altior_key)
        if c["method"] in ("POST", "PATCH")
    ]
    return len(sellsy), len(altior)


async def test_third_parties_flow_both_ways_and_settle(
    kafka_url: str, unique_prefix: str, tmp_path: Path
) -> None:
    async with sync_stack(kafka_url, unique_prefix, tmp_path) as stack:
        acme = await stack.add_tenant("acme-prod")
        await stack.start_worker()

        flagged = await acme.sellsy.create_company(
            CompanyCreate.model_validate(
                {
                    "type": "client",
                    "name": "Boulangerie Dupré",
                    "email": "contact@dupre.fr",
                    "website": "https://www.dupre.fr",
                    "phone_number": "04 78 12 34 56",
                    "mobile_number": "06 12 34 56 78",
                    "fax_number": "04 78 12 34 57",
                    "legal_france": {"siret": "73282932000074"},
                }
            )
        )
        await _flag(acme, "companies", flagged.id, True)
        hidden = await acme.sellsy.create_company(
            CompanyCreate.model_validate({"type": "prospect", "name": "Société Cachée"})
        )

        await wait_for(lambda: _altior_by_sellsy_id(acme, flagged.id), "flagged company in Altior")
        third_party = await _altior_by_sellsy_id(acme, flagged.id)
        assert third_party.kind == "moral"
        assert third_party.name == "Boulangerie Dupré"
        assert third_party.siret == "73282932000074"
        phones = sorted((p.type, p.value) for p in third_party.phones)
        assert phones == [
            ("Fax", "04 78 12 34 57"),
            ("Fixe", "04 78 12 34 56"),
            ("Portable", "06 12 34 56 78"),
        ]
        assert [(e.type, e.value) for e in third_party.emails] == [
            ("Principal", "contact@dupre.fr")
        ]
        assert [(u.type, u.value) for u in third_party.urls] == [
            ("Site web", "https://www.dupre.fr")
        ]
        ref = third_party.external_references[0]
        assert (ref.codification, ref.key, ref.name, ref.value) == (
            "EXTERNAL",
            "SELLSY",
            "Sellsy",
            str(flagged.id),
        )
        assert await _altior_by_sellsy_id(acme, hidden.id) is None

        await _flag(acme, "companies", hidden.id, True)
        await wait_for(lambda: _altior_by_sellsy_id(acme, hidden.id), "company flagged later")

        # Altior -> Sellsy
        made = await acme.altior.create_third_party(
            ThirdPartyCreate.model_validate(
                {
                    "kind": "moral",
                    "name": "Menuiserie Lefèvre",
                    "establishment_id": 1,
                    "siret": "552 100 554 00014",
                    "phones": [{"type": "Fixe", "value": "01 23 45 67 89"}],
                }
            )
        )

        async def in_sellsy() -> bool:
            return bool(await acme.sellsy.find_companies(references=[f"ALTIOR-{made.id}"]))

        await wait_for(in_sellsy, "Altior third party in Sellsy")
        [company] = await acme.sellsy.find_companies(references=[f"ALTIOR-{made.id}"])
        assert (company.name, company.phone_number) == ("Menuiserie Lefèvre", "01 23 45 67 89")

        # an update on each side reaches the other
        await acme.sellsy.update_company(flagged.id, CompanyUpdate(email="commandes@dupre.fr"))

        async def email_in_altior() -> bool:
            tp = await _altior_by_sellsy_id(acme, flagged.id)
            return [e.value for e in tp.emails] == ["commandes@dupre.fr"]

        await wait_for(email_in_altior, "Sellsy update in Altior")
        await acme.altior.update_third_party(
            made.id, ThirdPartyUpdate.model_validate({"name": "Menuiserie Lefèvre & Fils"})
        )

        async def name_in_sellsy() -> bool:
            got = await acme.sellsy.get_company(company.id)
            return got.name == "Menuiserie Lefèvre & Fils"

        await wait_for(name_in_sellsy, "Altior update in Sellsy")

        # quiescence: ten more poll cycles write nothing on either side
        await wait_for(
            lambda: (
                stack.metric(
                    "sync_streams_events_total",
                    tenant="acme-prod",
                    direction="export",
                    outcome="echo",
                )
                >= 1
            ),
            "our own writes seen back as echoes",
        )
        import asyncio

        await asyncio.sleep(3 * stack.poll_interval)
        before = await _writes(stack, acme)
        await asyncio.sleep(10 * stack.poll_interval)
        assert await _writes(stack, acme) == before
