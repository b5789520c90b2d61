"""Creates toward Sellsy whose answer is lost after Sellsy made them (issue 9, F1).

Real Kafka, both sandboxes over HTTP, a real worker.  The Sellsy sandbox's
``lose_answer`` fault makes the record, then closes the connection without an
answer, as a production timeout does.  An Altior natural person, contact and affaire
created that way each appear in Sellsy exactly once, linked both ways, with no dead
letter: the worker looked for what its lost attempt made before creating again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from sync_streams.altior.writes import AffaireCreate, ContactCreate, ThirdPartyCreate
from sync_streams.sellsy import MalformedSellsyRecord
from tests.support.stack import Tenant, sync_stack, wait_for

pytestmark = pytest.mark.integration


def _sellsy_id(record: Any) -> int | None:
    refs = [r.value for r in record.external_references if r.key == "SELLSY"]
    return int(refs[0].removeprefix("individual-")) if refs else None


async def _exported(read: Callable[[], Awaitable[Any]], what: str) -> int:
    """Wait until the Altior record carries its Sellsy id; return it."""
    found: list[int] = []

    async def named() -> bool:
        sellsy_id = _sellsy_id(await read())
        if sellsy_id is not None:
            found.append(sellsy_id)
        return bool(found)

    await wait_for(named, what)
    return found[0]


async def _lose_next_write(stack: Any, tenant: Tenant) -> None:
    await stack.sellsy_sandbox.set_faults(tenant.sellsy_account, lose_answer_next=1)


async def test_creates_whose_answer_is_lost_are_made_once_in_sellsy(
    kafka_url: str, unique_prefix: str, tmp_path: Path
) -> None:
    async with sync_stack(kafka_url, unique_prefix, tmp_path) as stack:
        acme = await stack.add_tenant("acme-prod", deals_export=True)
        await stack.start_worker()
        altior = acme.altior
        lyon = next(e.id for e in await altior.list_establishments() if e.name == "ACME Lyon")
        company = await altior.create_third_party(
            ThirdPartyCreate(kind="moral", name="Menuiserie Lefèvre", establishment_id=lyon)
        )
        company_id = await _exported(lambda: altior.get_third_party(company.id), "company")

        await _lose_next_write(stack, acme)
        person = await altior.create_third_party(
            ThirdPartyCreate(
                kind="physique",
                name="Martin Jeanne",
                first_name="Jeanne",
                last_name="Martin",
                establishment_id=lyon,
            )
        )
        individual_id = await _exported(lambda: altior.get_third_party(person.id), "individual")

        await _lose_next_write(stack, acme)
        contact = await altior.create_contact(
            ContactCreate(
                first_name="Paul",
                last_name="Lefèvre",
                establishment_id=lyon,
                third_party_id=company.id,
            )
        )
        contact_id = await _exported(lambda: altior.get_contact(contact.id), "contact")

        await _lose_next_write(stack, acme)
        affaire = await altior.create_affaire(
            AffaireCreate(
                name="Agencement atelier", third_party_id=company.id, establishment_ids=[lyon]
            )
        )
        opportunity_id = await _exported(lambda: altior.get_affaire(affaire.id), "opportunity")

        # each create's answer was lost once, after Sellsy had made the record
        calls = await stack.sellsy_sandbox.calls(client_id=acme.config.sellsy.client_id)
        lost = [(c["method"], c["path"], c["status"]) for c in calls if c["fault"] == "lose_answer"]
        assert lost == [
            ("POST", "/v2/individuals", 201),
            ("POST", "/v2/contacts", 201),
            ("POST", "/v2/opportunities", 201),
        ]
        # and Sellsy holds each exactly once: the one Altior names
        sellsy = acme.sellsy
        people = [
            i.id
            async for i in sellsy.iter_individuals()
            if not isinstance(i, MalformedSellsyRecord) and i.last_name == "Martin"
        ]
        assert people == [individual_id]
        contacts = [
            c.id async for c in sellsy.iter_contacts() if not isinstance(c, MalformedSellsyRecord)
        ]
        assert contacts == [contact_id]
        deals = [
            o.id
            async for o in sellsy.iter_opportunities()
            if not isinstance(o, MalformedSellsyRecord)
        ]
        assert deals == [opportunity_id]
        linked = await sellsy.list_contact_companies(contact_id)
        assert [c.id for c in linked] == [company_id]
        assert await stack.dead_letters() == []
