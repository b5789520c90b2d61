"""Deals: opportunity and affaire common forms, bodies, status calls."""

from __future__ import annotations

import pytest

from sync_streams.errors import MalformedRecordError
from sync_streams.pipeline.mapping import (
    MappingConfig,
    PipelineCatalog,
    StatusAction,
    altior_affaire_body,
    altior_status_actions,
    altior_to_common,
    sellsy_opportunity_body,
    sellsy_to_common,
)

from .apis import altior_store, sellsy_store
from .samples import CATALOG, CONFIG, affaire, opportunity

COMMON = {
    "name": "Four à pain 2024",
    "amount": "12500.00",
    "currency": "EUR",
    "status": "open",
    "pipeline": "Ventes",
    "step": "Proposition",
}


def test_common_form_is_the_same_on_both_sides() -> None:
    assert sellsy_to_common("opportunity", opportunity(), CONFIG) == COMMON
    assert altior_to_common("affaire", affaire(), CONFIG) == COMMON


@pytest.mark.parametrize(
    ("sellsy", "common"),
    [
        ("open", "open"),
        ("late", "open"),
        ("won", "won"),
        ("lost", "lost"),
        ("cancelled", "closed"),
        ("closed", "closed"),
        ("paused", "paused"),  # a status Sellsy adds later is carried
    ],
)
def test_sellsy_statuses_fold_onto_altiors(sellsy: str, common: str) -> None:
    assert sellsy_to_common("opportunity", opportunity(status=sellsy), CONFIG)["status"] == common


def test_folded_status_written_back_changes_nothing() -> None:
    for status in ("late", "cancelled"):
        existing = opportunity(status=status)
        common = sellsy_to_common("opportunity", existing, CONFIG)
        assert sellsy_opportunity_body(common, existing, catalog=CATALOG) == {}


def test_amount_has_two_decimals_rounded_half_up() -> None:
    record = opportunity(amount={"value": "1234.565", "currency": "EUR"})
    assert sellsy_to_common("opportunity", record, CONFIG)["amount"] == "1234.57"
    record = opportunity(amount={"value": 99, "currency": "EUR"})
    assert sellsy_to_common("opportunity", record, CONFIG)["amount"] == "99.00"


def test_without_configured_custom_fields_pipeline_and_step_are_absent() -> None:
    common = altior_to_common("affaire", affaire(), MappingConfig())
    assert common["pipeline"] is None and common["step"] is None


def test_affaire_create_body() -> None:
    body = altior_affaire_body(
        COMMON, CONFIG, existing=None, establishment_ids=[1, 2], third_party_id=412, sellsy_id=5501
    )
    assert body == {
        "name": "Four à pain 2024",
        "third_party_id": 412,
        "establishment_ids": [1, 2],
        "amount": {"value": "12500.00", "currency": "EUR"},
        "custom_fields": {"Workflow": "Ventes", "Etape": "Proposition"},
        "external_references": [
            {"codification": "EXTERNAL", "key": "SELLSY", "name": "Sellsy", "value": "5501"}
        ],
    }
    assert "status" not in body


def test_affaire_create_needs_third_party_and_establishments() -> None:
    with pytest.raises(ValueError, match="third_party_id"):
        altior_affaire_body(COMMON, CONFIG, existing=None, sellsy_id=5501)


def test_affaire_update_moves_etape_only_and_keeps_other_custom_fields() -> None:
    existing = affaire(custom_fields={"Workflow": "Ventes", "Etape": "Proposition", "Marge": 12})
    body = altior_affaire_body(
        {**COMMON, "step": "Négociation"}, CONFIG, existing=existing, sellsy_id=5501
    )
    assert body == {"custom_fields": {"Etape": "Négociation"}}
    stored = altior_store(existing, body)
    assert stored["custom_fields"] == {"Workflow": "Ventes", "Etape": "Négociation", "Marge": 12}


def test_affaire_update_amount_and_relink() -> None:
    existing = affaire()
    body = altior_affaire_body(
        {"amount": "13000"}, CONFIG, existing=existing, third_party_id=500, sellsy_id=5501
    )
    assert body == {"amount": {"value": "13000.00", "currency": "EUR"}, "third_party_id": 500}
    assert (
        altior_affaire_body(
            {"amount": "12500"}, CONFIG, existing=existing, third_party_id=412, sellsy_id=5501
        )
        == {}
    )


@pytest.mark.parametrize(
    ("current", "wanted", "actions"),
    [
        ("open", "open", ()),
        ("open", "won", (StatusAction(action="close", status="won"),)),
        ("won", "won", ()),
        ("won", "open", (StatusAction(action="reopen"),)),
        (
            "won",
            "lost",
            (StatusAction(action="reopen"), StatusAction(action="close", status="lost")),
        ),
        ("open", "paused", ()),
        ("open", None, ()),
    ],
)
def test_status_actions(current: str, wanted: str | None, actions: tuple[StatusAction]) -> None:
    assert altior_status_actions({"status": wanted}, affaire(status=current)) == actions


def test_opportunity_create_body_in_named_pipeline_and_step() -> None:
    common = {**COMMON, "pipeline": "maintenance", "step": "DEVIS ENVOYE"}
    body = sellsy_opportunity_body(
        common, None, catalog=CATALOG, related=[{"id": 48213, "type": "company"}]
    )
    assert body == {
        "name": "Four à pain 2024",
        "pipeline": 2,
        "step": 22,
        "related": [{"id": 48213, "type": "company"}],
        "amount": "12500.00",
        "status": "open",
    }


def test_opportunity_create_defaults_to_first_step_of_default_pipeline() -> None:
    common = {**COMMON, "pipeline": None, "step": None}
    body = sellsy_opportunity_body(
        common, None, catalog=CATALOG, related=[{"id": 7301, "type": "individual"}]
    )
    assert (body["pipeline"], body["step"]) == (1, 11)
    common = {**COMMON, "pipeline": "Ventes", "step": "Inconnue"}
    body = sellsy_opportunity_body(
        common, None, catalog=CATALOG, related=[{"id": 7301, "type": "individual"}]
    )
    assert (body["pipeline"], body["step"]) == (1, 11)


def test_opportunity_create_needs_related() -> None:
    with pytest.raises(ValueError, match="related"):
        sellsy_opportunity_body(COMMON, None, catalog=CATALOG)
    with pytest.raises(MalformedRecordError):
        sellsy_opportunity_body(
            {"name": None}, None, catalog=CATALOG, related=[{"id": 1, "type": "company"}]
        )


def test_opportunity_update_is_minimal() -> None:
    existing = opportunity()
    assert sellsy_opportunity_body(COMMON, existing, catalog=CATALOG) == {}
    body = sellsy_opportunity_body(
        {**COMMON, "step": "Signé", "status": "won", "amount": "13000.00", "currency": "USD"},
        existing,
        catalog=CATALOG,
    )
    assert body == {"amount": "13000.00", "status": "won", "pipeline": 1, "step": 14}
    stored = sellsy_store(existing, body, CATALOG)
    assert sellsy_to_common("opportunity", stored, CONFIG)["step"] == "Signé"


def test_opportunity_update_ignores_what_sellsy_cannot_take() -> None:
    existing = opportunity()
    fields = {"step": "Pas une étape", "status": "paused", "amount": None}
    assert sellsy_opportunity_body(fields, existing, catalog=CATALOG) == {}


def test_catalog_from_raw_sellsy_items() -> None:
    catalog = PipelineCatalog.from_sellsy(
        [{"id": 1, "name": "Ventes", "is_default": True}, {"id": 2, "name": "Autre"}],
        {1: [{"id": 11, "name": "Découverte", "rank": 3}, {"id": 12, "name": "Signé", "rank": 9}]},
    )
    assert catalog.rank("VENTES", "signe") == 9
    assert catalog.default_pipeline() is not None
    assert catalog.default_pipeline().name == "Ventes"  # type: ignore[union-attr]
    assert catalog.step("Autre", "x") is None
