"""Contacts end to end: real Kafka, both sandboxes over HTTP, a real worker.

What a user checks (issue 6, acceptance 4): a Sellsy contact linked to a synced
company appears in Altior attached to that company's third party; a contact linked
to no company obeys its own "Synchronisation Altior" flag; a contact whose company
is not synced yet comes down, attached, once the company is flagged and synced.
And the other way: an Altior contact of an exported third party appears in Sellsy
linked to the company.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sync_streams.altior.writes import ContactCreate as AltiorContactCreate
from sync_streams.altior.writes import ThirdPartyCreate
from sync_streams.sellsy.models.writes import CompanyCreate, ContactCreate
from tests.support.stack import Tenant, sync_stack, wait_for

pytestmark = pytest.mark.integration


async def _company(tenant: Tenant, name: str, *, flagged: bool) -> int:
    made = await tenant.sellsy.create_company(
        CompanyCreate.model_validate({"type": "client", "name": name})
    )
    if flagged:
        await tenant.flag("companies", made.id)
    return made.id


async def _contact(
    tenant: Tenant, first: str, last: str, *, company: int | None = None, flagged: bool = False
) -> int:
    email = f"{first.lower()}.{last.lower()}@example.fr"
    body = {"civility": "mrs", "first_name": first, "last_name": last, "email": email}
    made = await tenant.sellsy.create_contact(ContactCreate.model_validate(body))
    if company is not None:
        await tenant.sellsy.link_contact_to_company(company, made.id)
    if flagged:
        await tenant.flag("contacts", made.id)
    return made.id


async def _altior_contact(tenant: Tenant, sellsy_id: int) -> Any:
    return await tenant.altior.find_contact_by_external_reference(str(sellsy_id))


async def _altior_company(tenant: Tenant, sellsy_id: int) -> Any:
    return await tenant.altior.find_third_party_by_external_reference(str(sellsy_id))


async def test_contacts_follow_their_company_or_their_own_flag(
    kafka_url: str, unique_prefix: str, tmp_path: Path
) -> None:
    async with sync_stack(kafka_url, unique_prefix, tmp_path) as stack:
        acme = await stack.add_tenant("acme-prod", export_to_sellsy=False)
        await stack.start_worker()

        synced = await _company(acme, "Boulangerie Dupré", flagged=True)
        later = await _company(acme, "Garage Martin", flagged=False)
        follower = await _contact(acme, "Anne", "Dupré", company=synced)  # not flagged itself
        free_flagged = await _contact(acme, "Luc", "Bernard", flagged=True)
        free_unflagged = await _contact(acme, "Chloé", "Petit")
        early = await _contact(acme, "Marc", "Martin", company=later)  # its company waits

        await wait_for(lambda: _altior_contact(acme, follower), "linked contact in Altior")
        await wait_for(lambda: _altior_contact(acme, free_flagged), "flagged free contact")
        company = await _altior_company(acme, synced)
        contact = await _altior_contact(acme, follower)
        assert (contact.first_name, contact.last_name) == ("Anne", "Dupré")
        assert contact.civility == "Mme"
        assert [e.value for e in contact.emails] == ["anne.dupré@example.fr"]
        assert contact.third_party_id == company.id
        assert (await _altior_contact(acme, free_flagged)).third_party_id is None

        # neither the unflagged free contact nor the one of the unsynced company came down
        # (the other two did, so their events were handled)
        assert await _altior_contact(acme, free_unflagged) is None
        assert await _altior_contact(acme, early) is None
        assert await _altior_company(acme, later) is None

        # its company flagged and synced: the waiting contact comes down, attached to it
        await acme.flag("companies", later)
        await wait_for(lambda: _altior_contact(acme, early), "contact seen before its company")
        later_company = await _altior_company(acme, later)
        assert later_company is not None
        assert (await _altior_contact(acme, early)).third_party_id == later_company.id

        # an unlinked contact obeys its own flag, ticked later too
        await acme.flag("contacts", free_unflagged)
        await wait_for(lambda: _altior_contact(acme, free_unflagged), "contact flagged later")
        assert (await _altior_contact(acme, free_unflagged)).third_party_id is None

        # each Sellsy contact exactly once in Altior
        contacts = [c async for page in acme.altior.contact_pages() for c in page.items]
        refs = sorted(int(c.external_references[0].value) for c in contacts)
        assert refs == sorted([follower, free_flagged, early, free_unflagged])


async def test_altior_contact_of_exported_third_party_is_linked_in_sellsy(
    kafka_url: str, unique_prefix: str, tmp_path: Path
) -> None:
    async with sync_stack(kafka_url, unique_prefix, tmp_path) as stack:
        acme = await stack.add_tenant("acme-prod")
        await stack.start_worker()

        third_party = await acme.altior.create_third_party(
            ThirdPartyCreate.model_validate(
                {"kind": "moral", "name": "Menuiserie Lefèvre", "establishment_id": 1}
            )
        )
        contact = await acme.altior.create_contact(
            AltiorContactCreate.model_validate(
                {
                    "last_name": "Lefèvre",
                    "first_name": "Paul",
                    "civility": "M",
                    "establishment_id": 1,
                    "third_party_id": third_party.id,
                    "emails": [{"type": "Principal", "value": "paul@lefevre.fr"}],
                }
            )
        )

        async def contact_in_sellsy() -> bool:
            found = await acme.altior.get_contact(contact.id)
            return bool(found.external_references)

        await wait_for(contact_in_sellsy, "Altior contact exported (external reference)")
        exported = await acme.altior.get_contact(contact.id)
        sellsy_id = int(exported.external_references[0].value)
        sellsy_contact = await acme.sellsy.get_contact(sellsy_id)
        assert (sellsy_contact.first_name, sellsy_contact.last_name) == ("Paul", "Lefèvre")
        assert sellsy_contact.civility == "mr"
        assert sellsy_contact.email == "paul@lefevre.fr"

        [company] = await acme.sellsy.find_companies(references=[f"ALTIOR-{third_party.id}"])
        linked = await acme.sellsy.list_contact_companies(sellsy_id)
        assert [c.id for c in linked] == [company.id]
        # one Sellsy contact for it, not two
        assert len([c async for c in acme.sellsy.iter_contacts()]) == 1
