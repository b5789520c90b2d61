"""Archiving end to end (fault matrix scenario 10, archive): real Kafka, both sandboxes
over HTTP, a real worker.

What a user checks: archiving a synced Sellsy company archives its Altior third
party; archiving an Altior contact or third party archives its Sellsy twin;
un-archiving, on either side, un-archives the other; then the sync is quiet.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from sync_streams.altior.writes import ContactCreate as AltiorContactCreate
from sync_streams.altior.writes import ContactUpdate as AltiorContactUpdate
from sync_streams.altior.writes import ThirdPartyCreate, ThirdPartyUpdate
from sync_streams.sellsy.models.writes import CompanyCreate, CompanyUpdate
from tests.support.stack import Stack, Tenant, sync_stack, wait_for

pytestmark = pytest.mark.integration


def archived_is(
    read: Callable[[], Awaitable[Any]], flag: str, wanted: bool
) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        record = await read()
        return record is not None and getattr(record, flag) is wanted

    return check


async def _writes(stack: Stack, tenant: Tenant) -> tuple[int, int]:
    """The worker's writes so far (the users' own calls use other credentials)."""
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


async def test_archiving_and_unarchiving_cross_both_ways(
    kafka_url: str, unique_prefix: str, tmp_path: Path
) -> None:
    async with sync_stack(kafka_url, unique_prefix, tmp_path) as stack:
        acme = await stack.add_tenant("acme-prod")
        await stack.start_worker()

        # a synced Sellsy company, and an Altior third party with a contact, synced up
        company = await acme.sellsy.create_company(
            CompanyCreate.model_validate({"type": "client", "name": "Boulangerie Dupré"})
        )
        await acme.flag("companies", company.id)
        made = await acme.altior.create_third_party(
            ThirdPartyCreate.model_validate(
                {"kind": "moral", "name": "Menuiserie Lefèvre", "establishment_id": 1}
            )
        )
        person = await acme.altior.create_contact(
            AltiorContactCreate.model_validate(
                {
                    "last_name": "Lefèvre",
                    "first_name": "Paul",
                    "establishment_id": 1,
                    "third_party_id": made.id,
                }
            )
        )

        async def twin_of_company() -> Any:
            return await acme.altior.find_third_party_by_external_reference(str(company.id))

        async def exported(read: Callable[[], Awaitable[Any]]) -> bool:
            return bool((await read()).external_references)

        async def made_now() -> Any:
            return await acme.altior.get_third_party(made.id)

        async def person_now() -> Any:
            return await acme.altior.get_contact(person.id)

        await wait_for(twin_of_company, "Sellsy company in Altior")
        await wait_for(lambda: exported(made_now), "Altior third party in Sellsy")
        await wait_for(lambda: exported(person_now), "Altior contact in Sellsy")
        twin = await twin_of_company()
        assert twin.archived is False
        made_in_sellsy = int((await made_now()).external_references[0].value)
        person_in_sellsy = int((await person_now()).external_references[0].value)

        async def company_now() -> Any:
            return await acme.sellsy.get_company(company.id)

        async def made_in_sellsy_now() -> Any:
            return await acme.sellsy.get_company(made_in_sellsy)

        async def person_in_sellsy_now() -> Any:
            return await acme.sellsy.get_contact(person_in_sellsy)

        assert (await made_in_sellsy_now()).is_archived is False
        assert (await person_in_sellsy_now()).is_archived is False

        # Sellsy company archived -> Altior third party archived; un-archived in Sellsy
        # -> back in Altior
        await acme.sellsy.update_company(company.id, CompanyUpdate(is_archived=True))
        await wait_for(archived_is(twin_of_company, "archived", True), "archive in Altior")
        await acme.sellsy.update_company(company.id, CompanyUpdate(is_archived=False))
        await wait_for(archived_is(twin_of_company, "archived", False), "un-archive in Altior")
        # archived in Sellsy again, un-archived in Altior (the side the sync wrote to)
        await acme.sellsy.update_company(company.id, CompanyUpdate(is_archived=True))
        await wait_for(archived_is(twin_of_company, "archived", True), "archive again")
        await acme.altior.update_third_party(
            twin.id, ThirdPartyUpdate.model_validate({"archived": False})
        )
        await wait_for(archived_is(company_now, "is_archived", False), "un-archive from Altior")

        # Altior contact archived -> Sellsy contact archived; and back
        archive = AltiorContactUpdate.model_validate({"archived": True})
        await acme.altior.update_contact(person.id, archive)
        await wait_for(
            archived_is(person_in_sellsy_now, "is_archived", True), "contact archive in Sellsy"
        )
        unarchive = AltiorContactUpdate.model_validate({"archived": False})
        await acme.altior.update_contact(person.id, unarchive)
        await wait_for(
            archived_is(person_in_sellsy_now, "is_archived", False), "contact back in Sellsy"
        )

        # Altior third party archived -> Sellsy company archived; and back
        await acme.altior.update_third_party(
            made.id, ThirdPartyUpdate.model_validate({"archived": True})
        )
        await wait_for(
            archived_is(made_in_sellsy_now, "is_archived", True), "third party archive in Sellsy"
        )
        await acme.altior.update_third_party(
            made.id, ThirdPartyUpdate.model_validate({"archived": False})
        )
        await wait_for(
            archived_is(made_in_sellsy_now, "is_archived", False), "third party back in Sellsy"
        )

        # every pair agrees, and a few more poll cycles write nothing on either side
        assert (await company_now()).is_archived is (await twin_of_company()).archived is False
        assert (await person_in_sellsy_now()).is_archived is (await person_now()).archived is False
        assert (await made_in_sellsy_now()).is_archived is (await made_now()).archived is False
        await asyncio.sleep(3 * stack.poll_interval)
        before = await _writes(stack, acme)
        await asyncio.sleep(8 * stack.poll_interval)
        assert await _writes(stack, acme) == before
