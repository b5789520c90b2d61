"""Contacts: common form, bodies both ways, the link to a third party."""

from __future__ import annotations

from typing import Any

import pytest

from sync_streams.errors import MalformedRecordError
from sync_streams.pipeline.mapping import (
    altior_contact_body,
    altior_to_common,
    sellsy_contact_body,
    sellsy_to_common,
)

from .apis import altior_store
from .samples import CONFIG, altior_contact, sellsy_contact

EXPECTED = {
    "civility": "M",
    "first_name": "Jean-François",
    "last_name": "Müller",
    "position": "Directeur administratif",
    "email": "jf.muller@dupre.fr",
    "phone": "04 78 12 34 50",
    "mobile": None,
    "fax": None,
    "website": None,
    "archived": False,
}


def test_common_form_is_the_same_on_both_sides() -> None:
    assert sellsy_to_common("contact", sellsy_contact(), CONFIG) == EXPECTED
    assert altior_to_common("altior_contact", altior_contact(), CONFIG) == EXPECTED
    assert altior_to_common("contact", altior_contact(), CONFIG) == EXPECTED


def test_create_body_attaches_the_third_party_and_the_reference() -> None:
    body = altior_contact_body(
        EXPECTED, CONFIG, existing=None, establishment_id=2, sellsy_id=901, third_party_id=412
    )
    assert body == {
        "establishment_id": 2,
        "civility": "M",
        "first_name": "Jean-François",
        "last_name": "Müller",
        "position": "Directeur administratif",
        "emails": [{"type": "Principal", "value": "jf.muller@dupre.fr"}],
        "phones": [{"type": "Fixe", "value": "04 78 12 34 50"}],
        "third_party_id": 412,
        "external_references": [
            {"codification": "EXTERNAL", "key": "SELLSY", "name": "Sellsy", "value": "901"}
        ],
    }


def test_a_free_contact_has_no_third_party() -> None:
    body = altior_contact_body(EXPECTED, CONFIG, existing=None, establishment_id=2, sellsy_id=901)
    assert "third_party_id" not in body


def test_update_keeps_the_link_unless_told() -> None:
    existing = altior_contact()
    kw: dict[str, Any] = {"existing": existing, "establishment_id": 1, "sellsy_id": 901}
    assert altior_contact_body(EXPECTED, CONFIG, **kw) == {}
    assert altior_contact_body(EXPECTED, CONFIG, third_party_id=412, **kw) == {}
    assert altior_contact_body(EXPECTED, CONFIG, third_party_id=500, **kw) == {
        "third_party_id": 500
    }
    assert altior_contact_body(EXPECTED, CONFIG, third_party_id=None, **kw) == {
        "third_party_id": None
    }


def test_second_fixe_of_a_contact_survives() -> None:
    existing = altior_contact(
        phones=[
            {"type": "Fixe", "value": "04 78 12 34 50"},
            {"type": "Fixe", "value": "0478000001"},
        ]
    )
    body = altior_contact_body(
        {"phone": "04 78 12 34 99"}, CONFIG, existing=existing, establishment_id=1, sellsy_id=901
    )
    stored = altior_store(existing, body)
    assert [p["value"] for p in stored["phones"]] == ["04 78 12 34 99", "0478000001"]


@pytest.mark.parametrize(
    ("sellsy", "expected"), [("mr", {}), ("mrs", {"civility": "Mme"}), ("ms", {"civility": "Mme"})]
)
def test_civility_towards_altior(sellsy: str, expected: dict[str, str]) -> None:
    common = sellsy_to_common("contact", sellsy_contact(civility=sellsy), CONFIG)
    body = altior_contact_body(
        common, CONFIG, existing=altior_contact(), establishment_id=1, sellsy_id=901
    )
    assert body == expected


def test_sellsy_contact_bodies() -> None:
    common = altior_to_common("altior_contact", altior_contact(civility="Mme"), CONFIG)
    create = sellsy_contact_body(common, None, CONFIG)
    assert create == {
        "civility": "mrs",
        "first_name": "Jean-François",
        "last_name": "Müller",
        "position": "Directeur administratif",
        "email": "jf.muller@dupre.fr",
        "phone_number": "04 78 12 34 50",
    }
    existing = sellsy_contact(civility="ms")
    assert sellsy_contact_body(common, existing, CONFIG) == {}
    assert sellsy_contact_body({"position": None}, existing, CONFIG) == {"position": None}


def test_contact_without_last_name_cannot_be_created() -> None:
    with pytest.raises(MalformedRecordError) as caught:
        altior_contact_body(
            {"first_name": "Anne"}, CONFIG, existing=None, establishment_id=1, sellsy_id=1
        )
    assert caught.value.field == "last_name"
    with pytest.raises(MalformedRecordError):
        sellsy_contact_body({"first_name": "Anne"}, None, CONFIG)
