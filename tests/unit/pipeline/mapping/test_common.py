"""Comparing values by meaning, aligning spellings, and channel slots."""

from __future__ import annotations

from sync_streams.config.third_parties import PhoneTypes, ThirdPartiesMapping
from sync_streams.pipeline.mapping import (
    MappingConfig,
    align,
    altior_third_party_body,
    altior_to_common,
    changed_fields,
    comparable,
    name_key,
    same_value,
)
from sync_streams.pipeline.rules import SideView, resolve_conflict

from .apis import altior_store
from .samples import CONFIG, altior_moral


def test_values_compared_by_meaning() -> None:
    assert same_value("phone", "01 23 45 67 89", "+33 1 23 45 67 89")
    assert same_value("phone", "0262 12 34 56", "+262 262 12 34 56")
    assert not same_value("phone", "01 23 45 67 89", "01 23 45 67 88")
    assert same_value("email", "Contact@Dupre.FR", "contact@dupre.fr")
    assert same_value("pipeline", "Étude", "etude")
    assert same_value("amount", "12500", "12500.00")
    assert same_value("name", "Dupré  SARL", "Dupré SARL")
    assert not same_value("name", "DUPRÉ SARL", "Dupré SARL")  # case is a real change
    assert not same_value("website", "https://dupre.fr", "https://DUPRE.fr")
    assert same_value("fax", None, None)
    assert not same_value("fax", None, "01 23 45 67 89")


def test_name_key() -> None:
    assert name_key("  Négociation   finale ") == "negociation finale"
    assert name_key("ÉTAPE") == name_key("etape")


def test_comparable_and_changed_fields() -> None:
    fields = {"phone": "01 23 45 67 89", "email": "A@B.fr", "name": "X"}
    assert comparable(fields) == {"phone": "+33123456789", "email": "a@b.fr", "name": "X"}
    current = {"phone": "+33 1 23 45 67 89", "email": "a@b.fr", "name": "Y"}
    assert changed_fields(fields, current) == {"name": "X"}


def test_align_then_resolve_conflict_sees_no_difference_of_spelling() -> None:
    sellsy = {"phone": "01 23 45 67 89", "email": "A@b.fr", "name": "Dupré"}
    altior = {"phone": "+33 1 23 45 67 89", "email": "a@b.fr", "name": "Dupré SARL"}
    aligned = align(sellsy, altior)
    assert aligned == {"phone": "+33 1 23 45 67 89", "email": "a@b.fr", "name": "Dupré"}
    resolution = resolve_conflict(SideView(fields=aligned), SideView(fields=altior))
    assert set(resolution.winners) | set(resolution.divergent) == {"name"}


def test_two_fields_sharing_one_type_take_its_first_and_second_entries() -> None:
    config = MappingConfig(mapping=ThirdPartiesMapping(phone_types=PhoneTypes(fax="Fixe")))
    record = altior_moral(phones=[{"type": "Fixe", "value": "01"}, {"type": "Fixe", "value": "02"}])
    common = altior_to_common("third_party", record, config)
    assert (common["phone"], common["fax"]) == ("01", "02")
    body = altior_third_party_body(
        {"fax": "03 00 00 00 00"}, config, existing=record, establishment_id=1, sellsy_id=48213
    )
    assert body == {
        "phones": [{"type": "Fixe", "value": "01"}, {"type": "Fixe", "value": "03 00 00 00 00"}]
    }
    assert altior_to_common("third_party", altior_store(record, body), config)["fax"] == (
        "03 00 00 00 00"
    )


def test_a_missing_entry_is_appended() -> None:
    record = altior_moral(phones=[{"type": "Portable", "value": "06 12 34 56 78"}])
    body = altior_third_party_body(
        {"phone": "04 78 12 34 56"}, CONFIG, existing=record, establishment_id=1, sellsy_id=48213
    )
    assert body == {"phones": [{"type": "Fixe", "value": "04 78 12 34 56"}]}
    stored = altior_store(record, body)
    assert [p["type"] for p in stored["phones"]] == ["Portable", "Fixe"]
