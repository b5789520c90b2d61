"""A snapshot whose synced fields have the wrong type is malformed, naming the field.

The pipeline dead-letters those events with the field, so an operator sees at once
what the API sent; anything else in the record may be odd without consequence.
"""

from __future__ import annotations

from typing import Any

import pytest

from sync_streams.domain.events import ChangeEvent, DeadLetter
from sync_streams.errors import MalformedRecordError, SkippableError
from sync_streams.pipeline.mapping import altior_to_common, sellsy_to_common, source_version

from .factories_time import T0
from .samples import (
    CONFIG,
    affaire,
    altior_contact,
    altior_moral,
    opportunity,
    sellsy_company,
    sellsy_contact,
    sellsy_individual,
)

SELLSY_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("company", sellsy_company(name=42), "name"),
    ("company", sellsy_company(name=True), "name"),
    ("company", sellsy_company(email=["a@b.fr"]), "email"),
    ("company", sellsy_company(legal_france="73282932000074"), "legal_france"),
    ("company", sellsy_company(legal_france={"siret": {"v": 1}}), "legal_france.siret"),
    ("company", sellsy_company(phone_number=True), "phone_number"),
    ("company", sellsy_company(website=3.5), "website"),
    ("company", sellsy_company(updated_at="2024-13-45T99:00:00"), "updated_at"),
    ("company", sellsy_company(updated_at=1714640100), "updated_at"),
    ("individual", sellsy_individual(last_name={"fr": "Lefèvre"}), "last_name"),
    ("individual", sellsy_individual(civility=1), "civility"),
    ("contact", sellsy_contact(position=["DAF"]), "position"),
    ("contact", sellsy_contact(updated="hier"), "updated"),
    ("company", sellsy_company(is_archived="no"), "is_archived"),
    ("individual", sellsy_individual(is_archived=1), "is_archived"),
    ("contact", sellsy_contact(is_archived="true"), "is_archived"),
    ("opportunity", opportunity(amount="12500"), "amount"),
    ("opportunity", opportunity(amount={"value": "douze", "currency": "EUR"}), "amount.value"),
    ("opportunity", opportunity(amount={"value": "1", "currency": 978}), "amount.currency"),
    ("opportunity", opportunity(pipeline="Ventes"), "pipeline"),
    ("opportunity", opportunity(step={"id": 1, "name": 12}), "step.name"),
    ("opportunity", opportunity(status=["open"]), "status"),
    ("opportunity", opportunity(created="2024-02-30T10:00:00Z"), "created"),
]

ALTIOR_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("third_party", altior_moral(kind=None), "kind"),
    ("third_party", altior_moral(name=12), "name"),
    ("third_party", altior_moral(phones="04 78 12 34 56"), "phones"),
    ("third_party", altior_moral(phones=[{"type": "Fixe", "value": 478}]), "phones[0].value"),
    ("third_party", altior_moral(emails=[{"type": 1, "value": "a@b.fr"}]), "emails[0].type"),
    ("third_party", altior_moral(urls=["https://x.fr"]), "urls[0]"),
    ("third_party", altior_moral(updated_at="not a date"), "updated_at"),
    ("altior_contact", altior_contact(third_party_id="douze"), "third_party_id"),
    ("altior_contact", altior_contact(first_name=False), "first_name"),
    ("third_party", altior_moral(archived="maybe"), "archived"),
    ("altior_contact", altior_contact(archived=0), "archived"),
    ("affaire", affaire(amount={"value": [], "currency": "EUR"}), "amount.value"),
    ("affaire", affaire(custom_fields=["Workflow"]), "custom_fields"),
    ("affaire", affaire(custom_fields={"Workflow": 3, "Etape": "x"}), "custom_fields.Workflow"),
    ("affaire", affaire(closed_at="demain"), "closed_at"),
]


@pytest.mark.parametrize(("entity", "snapshot", "field"), SELLSY_CASES)
def test_malformed_sellsy_snapshot_names_the_field(
    entity: str, snapshot: dict[str, Any], field: str
) -> None:
    with pytest.raises(MalformedRecordError) as caught:
        sellsy_to_common(entity, snapshot, CONFIG)
    assert caught.value.field == field
    assert isinstance(caught.value, SkippableError)


@pytest.mark.parametrize(("entity", "snapshot", "field"), ALTIOR_CASES)
def test_malformed_altior_snapshot_names_the_field(
    entity: str, snapshot: dict[str, Any], field: str
) -> None:
    with pytest.raises(MalformedRecordError) as caught:
        altior_to_common(entity, snapshot, CONFIG)
    assert caught.value.field == field


def test_unsynced_fields_may_be_anything() -> None:
    odd = sellsy_company(note=123, social="x", owner=[1], capital={"a": 1}, is_archived=None)
    assert sellsy_to_common("company", odd, CONFIG)["name"] == "Boulangerie Dupré SARL"
    odd_altior = altior_moral(created_by="someone", establishment_id="x")
    assert altior_to_common("third_party", odd_altior, CONFIG)["kind"] == "company"


def test_unknown_enum_values_are_tolerated() -> None:
    assert sellsy_to_common("contact", sellsy_contact(civility="dr"), CONFIG)["civility"] == "dr"
    assert sellsy_to_common("company", sellsy_company(type="partner"), CONFIG)["kind"] == "company"
    assert sellsy_to_common("opportunity", opportunity(status="frozen"), CONFIG)["status"] == (
        "frozen"
    )
    assert altior_to_common("affaire", affaire(status="suspended"), CONFIG)["status"] == (
        "suspended"
    )
    unknown_type = altior_moral(phones=[{"type": "Bureau", "value": "01 02 03 04 05"}])
    assert altior_to_common("third_party", unknown_type, CONFIG)["phone"] is None


def test_the_dead_letter_carries_reason_and_field() -> None:
    snapshot = sellsy_company(legal_france="73282932000074")
    event = ChangeEvent.from_snapshot(
        tenant="acme",
        system="sellsy",
        entity="company",
        source_id=48213,
        snapshot=snapshot,
        observed_at=T0,
    )
    with pytest.raises(MalformedRecordError) as caught:
        sellsy_to_common(event.entity, event.snapshot, CONFIG)
    letter = DeadLetter.for_error(
        caught.value, tenant="acme", stage="map", original=event, failed_at=T0
    )
    assert letter.field == "legal_france"
    assert letter.reason == "expected an object, got text"
    assert letter.original_event().snapshot == snapshot


def test_source_versions() -> None:
    assert source_version("sellsy", "company", sellsy_company()) == T0
    assert source_version("sellsy", "contact", sellsy_contact()) == T0
    assert source_version("sellsy", "opportunity", opportunity()) is None
    stamp = source_version("altior", "third_party", altior_moral())
    assert stamp is not None and stamp.microsecond == 123
    with pytest.raises(MalformedRecordError) as caught:
        source_version("sellsy", "contact", sellsy_contact(updated="32/01/2024"))
    assert caught.value.field == "updated"
    with pytest.raises(ValueError, match="entity"):
        source_version("sellsy", "invoice", {})
