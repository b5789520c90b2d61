"""Third parties over real HTTP: typed channels, external references, merge, validation."""

from __future__ import annotations

import pytest

from sync_streams.altior import (
    AltiorClient,
    Channel,
    ChannelUpdate,
    ContactUpdate,
    ThirdPartyCreate,
    ThirdPartyUpdate,
    replace_main,
    sellsy_reference,
)
from sync_streams.errors import NotFoundError, PreconditionFailedError, RejectedError

pytestmark = pytest.mark.integration


async def lyon(client: AltiorClient) -> int:
    [establishment] = [e for e in await client.list_establishments() if e.name == "ACME Lyon"]
    return establishment.id


async def test_create_with_two_typed_phones_and_a_sellsy_reference_then_find_it(
    client: AltiorClient,
) -> None:
    created = await client.create_third_party(
        ThirdPartyCreate(
            kind="moral",
            name="Boulangerie Dupré SARL",
            establishment_id=await lyon(client),
            siret="732 829 320 00074",
            phones=[
                Channel(type="Fixe", value="04 78 12 34 56"),
                Channel(type="Portable", value="+33 6 12 34 56 78"),
            ],
            emails=[Channel(type="Principal", value="contact@dupre.fr")],
            external_references=[sellsy_reference(48213)],
        )
    )
    found = await client.find_third_party_by_external_reference("48213")
    assert found is not None and found.id == created.id
    assert [(p.type, p.value) for p in found.phones] == [
        ("Fixe", "04 78 12 34 56"),
        ("Portable", "+33 6 12 34 56 78"),
    ]
    assert found.external_value("SELLSY") == "48213"
    assert found.external_references[0].name == "Sellsy"  # filled from the codification
    assert found.siret == "73282932000074"
    [user] = [u for u in await client.list_users() if u.login == "sync.sellsy"]
    assert found.created_by == user.id
    assert await client.find_third_party_by_external_reference("99999") is None
    assert [tp.id for tp in await client.find_third_parties_by_siret("73282932000074")] == [
        created.id
    ]


async def test_updating_the_main_fixe_keeps_a_second_fixe_typed_in_altior(
    client: AltiorClient,
) -> None:
    created = await client.create_third_party(
        ThirdPartyCreate(
            kind="moral",
            name="Menuiserie Lefèvre",
            establishment_id=await lyon(client),
            phones=[
                Channel(type="Fixe", value="01 42 68 53 00"),
                Channel(type="Fixe", value="01 42 68 53 01"),
                Channel(type="Fax", value="01 42 68 53 09"),
            ],
        )
    )
    updated = await client.update_third_party(
        created.id, ThirdPartyUpdate(phones=[replace_main("Fixe", "01 42 68 99 99")])
    )
    assert updated.channel_values("phones", "Fixe") == ["01 42 68 99 99", "01 42 68 53 01"]
    assert updated.main_channel("phones", "Fax") == "01 42 68 53 09"
    assert updated.updated_at > created.updated_at
    again = await client.update_third_party(
        created.id, ThirdPartyUpdate(phones=[replace_main("Fixe", "01 42 68 99 99")])
    )
    assert again.updated_at == updated.updated_at  # no change, no new version
    only_one = await client.update_third_party(
        created.id,
        ThirdPartyUpdate(
            phones=[replace_main("Fixe", "01 42 68 99 99"), ChannelUpdate(type="Fixe", value=None)]
        ),
    )
    assert only_one.channel_values("phones", "Fixe") == ["01 42 68 99 99"]


async def test_a_second_record_cannot_take_the_same_external_reference(
    client: AltiorClient,
) -> None:
    establishment = await lyon(client)
    first = await client.create_third_party(
        ThirdPartyCreate(
            kind="moral",
            name="A",
            establishment_id=establishment,
            external_references=[sellsy_reference(7)],
        )
    )
    with pytest.raises(RejectedError) as raised:
        await client.create_third_party(
            ThirdPartyCreate(
                kind="moral",
                name="B",
                establishment_id=establishment,
                external_references=[sellsy_reference(7)],
            )
        )
    assert raised.value.status == 409 and raised.value.code == "duplicate_external_reference"
    assert raised.value.body["error"]["details"][0]["record_id"] == first.id


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {"phones": [Channel(type="Fixe", value="01"), Channel(type="Bureau", value="02")]},
            "phones[1].type",
        ),
        ({"civility": "Dr"}, "civility"),
        ({"siret": "1234"}, "siret"),
        ({"emails": [Channel(type="Principal", value="pas-une-adresse")]}, "emails[0].value"),
        ({"custom_fields": {"Inconnu": "x"}}, "custom_fields.Inconnu"),
        ({"establishment_id": 999_999}, "establishment_id"),
    ],
)
async def test_validation_errors_name_the_field(
    client: AltiorClient, payload: dict[str, object], field: str
) -> None:
    base: dict[str, object] = {"kind": "moral", "name": "X", "establishment_id": await lyon(client)}
    with pytest.raises(RejectedError) as raised:
        await client.create_third_party(ThirdPartyCreate.model_validate({**base, **payload}))
    assert raised.value.status == 422
    assert raised.value.body["error"]["field"] == field


async def test_natural_person_name_follows_its_names(client: AltiorClient) -> None:
    person = await client.create_third_party(
        ThirdPartyCreate(
            kind="physique",
            civility="Mme",
            first_name="Élodie",
            last_name="Garnier",
            establishment_id=await lyon(client),
        )
    )
    assert person.name == "GARNIER Élodie"
    renamed = await client.update_third_party(person.id, ThirdPartyUpdate(last_name="Morel"))
    assert renamed.name == "MOREL Élodie"


async def test_unknown_ids_are_404(client: AltiorClient) -> None:
    with pytest.raises(NotFoundError):
        await client.get_third_party(987_654)
    with pytest.raises(NotFoundError):
        await client.update_contact(987_654, ContactUpdate(position="Gérant"))


async def test_a_conditional_update_is_refused_once_the_record_moved_on(
    client: AltiorClient,
) -> None:
    created = await client.create_third_party(
        ThirdPartyCreate(kind="moral", name="Version SARL", establishment_id=await lyon(client))
    )
    read_at = created.model_dump(mode="json")["updated_at"]
    renamed = await client.update_third_party(
        created.id, ThirdPartyUpdate(name="Version SA"), if_match=read_at
    )
    assert renamed.name == "Version SA"

    with pytest.raises(PreconditionFailedError) as refused:  # based on the old version
        await client.update_third_party(
            created.id, ThirdPartyUpdate(name="Lost edit"), if_match=read_at
        )
    assert refused.value.status == 412 and refused.value.code == "precondition_failed"
    stored = await client.get_third_party(created.id)
    assert stored.name == "Version SA"  # nothing written
    again = await client.update_third_party(
        created.id,
        ThirdPartyUpdate(name="Version SAS"),
        if_match=stored.updated_at.isoformat(),  # the same instant, spelt "+00:00"
    )
    assert again.name == "Version SAS"
