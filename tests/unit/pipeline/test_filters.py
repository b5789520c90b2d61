"""Which Sellsy records come down to Altior: the sync flag and the filter rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sync_streams.config.loader import load_tenant
from sync_streams.errors import ConfigError, MalformedRecordError
from sync_streams.pipeline.filters import (
    CustomFieldRef,
    FilterFields,
    passes_import_filter,
    resolve_custom_field,
    resolve_filter_fields,
    sync_flag,
)
from sync_streams.pipeline.mapping import MappingConfig
from sync_streams.sellsy.models import CustomFieldDefinition

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "tenants" / "acme-prod.yaml"
BOOL = CustomFieldRef(id=7, name="Synchronisation Altior", type="boolean")
CHECKBOX = CustomFieldRef(id=9, name="Synchro", type="checkbox")
FILTERED = MappingConfig(
    company_filter_field="Synchronisation Altior",
    contact_filter_field="Synchro contact",
    opportunity_filter_field="Envoyer vers Altior",
)
OPEN = MappingConfig()


def record(*values: dict[str, Any]) -> dict[str, Any]:
    return {"id": 1, "name": "Dupré", "_embed": {"custom_fields": list(values)}}


def boolean(value: Any, field_id: int = 7) -> dict[str, Any]:
    return {"id": field_id, "code": "synchro", "type": "boolean", "value": value}


def checkbox(value: Any, field_id: int = 9) -> dict[str, Any]:
    items = [{"id": 15, "label": "Oui", "checked": False}, {"id": 16, "label": "Prioritaire"}]
    return {"id": field_id, "type": "checkbox", "parameters": {"items": items}, "value": value}


# --- sync_flag -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (None, None),
        ("Yes", True),
        ("No", False),
        ("oui", True),
        (1, True),
        (0, False),
        ("", False),
    ],
)
def test_boolean_flag(value: Any, expected: bool | None) -> None:
    assert sync_flag(record(boolean(value)), BOOL) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([15], True),
        ([15, 16], True),
        ([], False),
        (None, None),
        ([{"id": 15, "checked": False}], False),
        ([{"id": 15, "checked": False}, {"id": 16, "checked": True}], True),
        (16, True),
    ],
)
def test_checkbox_flag_is_any_checked_choice(value: Any, expected: bool | None) -> None:
    assert sync_flag(record(checkbox(value)), CHECKBOX) is expected


def test_flag_found_by_id_among_other_fields() -> None:
    snapshot = record(boolean(False, field_id=3), {"id": "7", "value": True})
    assert sync_flag(snapshot, BOOL) is True  # id as text, type taken from the reference


def test_flag_not_embedded_is_none() -> None:
    assert sync_flag({"id": 1}, BOOL) is None
    assert sync_flag({"id": 1, "_embed": None}, BOOL) is None
    assert sync_flag({"id": 1, "_embed": {"custom_fields": None}}, BOOL) is None
    assert sync_flag(record(boolean(True, field_id=8)), BOOL) is None


@pytest.mark.parametrize(
    ("snapshot", "field"),
    [
        (record(boolean("peut-être")), "_embed.custom_fields[0].value"),
        (record(boolean([1, 2]) | {"type": "boolean"}), "_embed.custom_fields[0].value"),
        (record(boolean(True, 3), checkbox({"a": 1})), "_embed.custom_fields[1].value"),
        ({"_embed": "cf"}, "_embed"),
        ({"_embed": {"custom_fields": {"7": True}}}, "_embed.custom_fields"),
        ({"_embed": {"custom_fields": ["x"]}}, "_embed.custom_fields[0]"),
    ],
)
def test_malformed_flag_names_the_field(snapshot: dict[str, Any], field: str) -> None:
    ref = CHECKBOX if "checkbox" in str(snapshot) else BOOL
    with pytest.raises(MalformedRecordError) as caught:
        sync_flag(snapshot, ref)
    assert caught.value.field == field


# --- passes_import_filter -------------------------------------------------------------------


@pytest.mark.parametrize("entity", ["company", "individual"])
def test_companies_and_individuals_need_the_company_flag(entity: str) -> None:
    ticked = passes_import_filter(entity, record(boolean(True)), FILTERED, BOOL)
    assert ticked.passes
    unticked = passes_import_filter(entity, record(boolean(False)), FILTERED, BOOL)
    assert not unticked.passes
    assert "not ticked" in unticked.reason
    unset = passes_import_filter(entity, record(), FILTERED, BOOL)
    assert not unset.passes
    assert "not set" in unset.reason


def test_checkbox_company_flag() -> None:
    assert passes_import_filter("company", record(checkbox([16])), FILTERED, CHECKBOX).passes
    assert not passes_import_filter("company", record(checkbox([])), FILTERED, CHECKBOX).passes


def test_without_a_filter_field_everything_passes() -> None:
    for entity in ("company", "individual", "contact", "opportunity"):
        assert passes_import_filter(entity, record(boolean(False)), OPEN, None).passes


def test_linked_contacts_follow_their_company() -> None:
    unticked = record(boolean(False))
    assert passes_import_filter(
        "contact", unticked, FILTERED, BOOL, linked_company_synced=True
    ).passes
    verdict = passes_import_filter(
        "contact", record(boolean(True)), FILTERED, BOOL, linked_company_synced=False
    )
    assert not verdict.passes
    assert "company is not synced" in verdict.reason


def test_free_contacts_obey_their_own_flag() -> None:
    assert passes_import_filter("contact", record(boolean(True)), FILTERED, BOOL).passes
    assert not passes_import_filter("contact", record(boolean(False)), FILTERED, BOOL).passes
    no_contact_filter = MappingConfig(company_filter_field="Synchronisation Altior")
    assert passes_import_filter("contact", record(), no_contact_filter, None).passes


def test_opportunities_need_their_flag_when_set() -> None:
    assert passes_import_filter("opportunity", record(boolean(True)), FILTERED, BOOL).passes
    assert not passes_import_filter("opportunity", record(), FILTERED, BOOL).passes


def test_an_unresolved_filter_field_lets_nothing_through() -> None:
    verdict = passes_import_filter("company", record(boolean(True)), FILTERED, None)
    assert not verdict.passes
    assert "not resolved" in verdict.reason


def test_altior_records_are_not_filtered() -> None:
    assert passes_import_filter("third_party", {}, FILTERED, None).passes


def test_malformed_flag_raises_rather_than_guessing() -> None:
    with pytest.raises(MalformedRecordError):
        passes_import_filter("company", record(boolean("bof")), FILTERED, BOOL)


def test_the_tenant_configuration_is_accepted_as_is() -> None:
    tenant = load_tenant(EXAMPLE, resolve_secrets=False)
    assert not passes_import_filter("company", record(boolean(False)), tenant, BOOL).passes
    assert passes_import_filter("opportunity", record(), tenant, None).passes


# --- resolution at start-up ------------------------------------------------------------------

DEFINITIONS: list[dict[str, Any]] = [
    {
        "id": 7,
        "name": "Synchronisation Altior",
        "code": "sync-altior",
        "type": "boolean",
        "related_object": ["client", "prospect", "supplier"],
    },
    {
        "id": 8,
        "name": "Synchronisation Altior",
        "code": "sync-altior-contact",
        "type": "checkbox",
        "related_objects": ["contact"],  # the spelling real responses use
    },
    {"id": 9, "name": "Envoyer vers Altior", "type": "boolean", "related_object": "opportunity"},
    {"id": 10, "name": "Remarques", "type": "simple-text", "related_object": ["client"]},
    {"id": 11, "name": "Doublon", "type": "boolean", "related_object": ["client"]},
    {"id": 12, "name": "doublon", "type": "boolean", "related_object": ["prospect"]},
]


def test_resolve_by_name_without_case_or_accents_within_the_objects() -> None:
    company = resolve_custom_field(
        "SYNCHRONISATION altior", DEFINITIONS, related_objects=("client", "prospect", "supplier")
    )
    contact = resolve_custom_field(
        "Synchronisation Altior", DEFINITIONS, related_objects=("contact",)
    )
    assert (company.id, company.type) == (7, "boolean")
    assert (contact.id, contact.type) == (8, "checkbox")


def test_resolve_by_code_first() -> None:
    assert resolve_custom_field("sync-altior-contact", DEFINITIONS).id == 8


def test_resolve_accepts_client_models() -> None:
    models = [CustomFieldDefinition.model_validate(d) for d in DEFINITIONS]
    assert resolve_custom_field("Envoyer vers Altior", models).id == 9


@pytest.mark.parametrize(
    ("wanted", "objects", "message"),
    [
        ("Absent", (), "not found"),
        ("Envoyer vers Altior", ("contact",), "not found applying to contact"),
        ("Doublon", ("client", "prospect"), "ambiguous"),
        ("Remarques", (), "expected a Yes/No"),
    ],
)
def test_resolution_problems_are_one_clear_line(
    wanted: str, objects: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_custom_field(wanted, DEFINITIONS, related_objects=objects)
    assert len(caught.value.problems) == 1
    assert message in caught.value.problems[0]
    assert wanted in caught.value.problems[0]


def test_resolve_filter_fields_of_a_tenant() -> None:
    tenant = load_tenant(EXAMPLE, resolve_secrets=False)
    fields = resolve_filter_fields(tenant, DEFINITIONS)
    assert fields == FilterFields(
        company=CustomFieldRef(
            id=7, name="Synchronisation Altior", code="sync-altior", type="boolean"
        ),
        contact=CustomFieldRef(
            id=8, name="Synchronisation Altior", code="sync-altior-contact", type="checkbox"
        ),
        opportunity=None,
    )
    assert fields.for_entity("individual") == fields.company
    assert fields.for_entity("contact") == fields.contact
    assert fields.for_entity("third_party") is None


def test_resolve_filter_fields_reports_every_problem() -> None:
    config = MappingConfig(
        company_filter_field="Inconnu",
        contact_filter_field="Remarques",
        opportunity_filter_field=None,
    )
    with pytest.raises(ConfigError) as caught:
        resolve_filter_fields(config, DEFINITIONS)
    assert len(caught.value.problems) == 2
    assert caught.value.problems[0].startswith("company_filter_field: ")
    assert caught.value.problems[1].startswith("contact_filter_field: ")
