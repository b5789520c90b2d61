"""Contacts and affaires over real HTTP: links, custom fields, documents, closing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sync_streams.altior import (
    AffaireCreate,
    AltiorClient,
    AmountWrite,
    Channel,
    ContactCreate,
    ContactUpdate,
    OrderCreate,
    QuoteCreate,
    sellsy_reference,
)
from sync_streams.errors import RejectedError
from tests.support.altior_sandbox import AltiorSandbox

pytestmark = pytest.mark.integration


async def seeded_third_party(sandbox: AltiorSandbox, api_key: str) -> int:
    created = await sandbox.seed(
        api_key,
        {
            "third_parties": [
                {"kind": "moral", "name": "Menuiserie Lefèvre", "establishment": "ACME Paris"}
            ]
        },
    )
    return created["third_parties"][0]


async def test_contacts_link_to_third_parties_and_can_be_found_by_sellsy_id(
    sandbox: AltiorSandbox, api_key: str, client: AltiorClient
) -> None:
    third_party = await seeded_third_party(sandbox, api_key)
    establishment = (await client.list_establishments())[1].id
    contact = await client.create_contact(
        ContactCreate(
            civility="Mme",
            first_name="Sophie",
            last_name="Lefèvre",
            position="Acheteuse",
            third_party_id=third_party,
            establishment_id=establishment,
            emails=[Channel(type="Principal", value="s.lefevre@menuiserie-lefevre.fr")],
            custom_fields={"Newsletter": True},
            external_references=[sellsy_reference(311)],
        )
    )
    found = await client.find_contact_by_external_reference("311")
    assert found is not None and found.third_party_id == third_party
    assert found.custom_fields == {"Newsletter": True}
    linked = [c.id async for p in client.contact_pages(third_party_id=third_party) for c in p.items]
    assert linked == [contact.id]
    freed = await client.update_contact(contact.id, ContactUpdate(third_party_id=None))
    assert freed.third_party_id is None
    assert [c.id async for p in client.contact_pages(linked=False) for c in p.items] == [contact.id]
    with pytest.raises(RejectedError) as raised:
        await client.update_contact(contact.id, ContactUpdate(third_party_id=987_654))
    assert raised.value.body["error"]["field"] == "third_party_id"


async def test_an_affaire_carries_workflow_and_step_then_closes_once(
    sandbox: AltiorSandbox, api_key: str, client: AltiorClient
) -> None:
    third_party = await seeded_third_party(sandbox, api_key)
    establishments = [e.id for e in await client.list_establishments()]
    affaire = await client.create_affaire(
        AffaireCreate(
            name="Agencement atelier",
            third_party_id=third_party,
            establishment_ids=establishments,
            amount=AmountWrite(value="42000"),
            external_references=[sellsy_reference(9001)],
            custom_fields={"Workflow": "Ventes", "Etape": "Négociation"},
        )
    )
    assert affaire.reference.startswith("AFF-") and affaire.status == "open"
    assert str(affaire.amount.value if affaire.amount else "") == "42000.00"
    moved = await client.set_custom_fields("affaire", affaire.id, {"Etape": "Gagnée"})
    assert moved.custom_fields == {"Workflow": "Ventes", "Etape": "Gagnée"}
    await client.add_quote(affaire.id, QuoteCreate(label="Devis", amount=AmountWrite(value="1")))
    order = await client.add_order(
        affaire.id, OrderCreate(label="Cde", amount=AmountWrite(value="1"))
    )
    assert order.number.startswith("CDE-") and order.status == "confirmed"
    assert [q.label for q in await client.list_affaire_quotes(affaire.id)] == ["Devis"]
    when = datetime(2024, 6, 30, 17, 0, tzinfo=UTC)
    won = await client.close_affaire(affaire.id, "won", closed_at=when)
    assert won.status == "won" and won.closed_at == when
    assert (await client.close_affaire(affaire.id, "won")).updated_at == won.updated_at
    with pytest.raises(RejectedError) as raised:
        await client.add_order(
            affaire.id, OrderCreate(label="Trop tard", amount=AmountWrite(value="1"))
        )
    assert raised.value.code == "affaire_closed"
    reopened = await client.reopen_affaire(affaire.id)
    assert reopened.status == "open" and reopened.closed_at is None
    assert (await client.find_affaire_by_external_reference("9001")) == reopened
    with pytest.raises(RejectedError) as unknown:
        await client.set_custom_fields("affaire", affaire.id, {"Pipeline": "x"})
    assert unknown.value.body["error"]["field"] == "custom_fields.Pipeline"
