"""A synced change costs one write on the other side, and our own writes never bounce back.

An Altior third party with more than Sellsy can hold (two "Fixe" phones, a second email
type) is exported: Sellsy gets one create, Altior one PATCH (the external reference), and
then nothing else happens on either side, however often the pollers look.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from sync_streams.altior.writes import ThirdPartyCreate
from tests.support.stack import Stack, Tenant, sync_stack, wait_for

pytestmark = pytest.mark.integration


async def _writes(stack: Stack, tenant: Tenant) -> tuple[list[str], list[str]]:
    sellsy = [
        f"{c['method']} {c['path']}"
        for c in await stack.sellsy_sandbox.calls(
            tenant.sellsy_account, client_id=tenant.config.sellsy.client_id
        )
        if c["method"] in ("POST", "PUT")
        and "/search" not in c["path"]
        and "/oauth2/" not in c["path"]
    ]
    altior = [
        f"{c['method']} {c['path']}"
        for c in await stack.altior_sandbox.calls(tenant.altior_key)
        if c["method"] in ("POST", "PATCH")
    ]
    return sellsy, altior


async def test_export_costs_one_write_per_side_and_settles(
    kafka_url: str, unique_prefix: str, tmp_path: Path
) -> None:
    async with sync_stack(kafka_url, unique_prefix, tmp_path) as stack:
        acme = await stack.add_tenant("acme-prod")
        await stack.start_worker()
        made = await acme.altior.create_third_party(
            ThirdPartyCreate.model_validate(
                {
                    "kind": "moral",
                    "name": "Claire Vasseur Conseil",
                    "establishment_id": 1,
                    "phones": [
                        {"type": "Fixe", "value": "01 23 45 67 89"},
                        {"type": "Fixe", "value": "01 98 76 54 32"},
                        {"type": "Portable", "value": "+33 6 11 22 33 44"},
                    ],
                    "emails": [
                        {"type": "Facturation", "value": "factures@vasseur.fr"},
                        {"type": "Principal", "value": "contact@vasseur.fr"},
                    ],
                    "urls": [{"type": "Site web", "value": "www.vasseur.fr"}],
                }
            )
        )

        async def exported() -> Any:
            return await acme.sellsy.find_companies(references=[f"ALTIOR-{made.id}"])

        await wait_for(exported, "export to Sellsy")
        await asyncio.sleep(12 * stack.poll_interval)
        sellsy, altior = await _writes(stack, acme)
        assert sellsy == ["POST /v2/companies"]
        assert altior == [f"PATCH /api/v1/third-parties/{made.id}"]
        after = await acme.altior.get_third_party(made.id)
        assert sorted((p.type, p.value) for p in after.phones) == sorted(
            (p.type, p.value) for p in made.phones
        )
        assert sorted((e.type, e.value) for e in after.emails) == sorted(
            (e.type, e.value) for e in made.emails
        )
