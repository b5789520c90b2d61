"""Models: spec field names, tolerance to new fields/values, custom field kinds,
and one malformed record never costing the rest of its page."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from sync_streams.errors import MalformedRecordError
from sync_streams.sellsy import MalformedSellsyRecord, SellsyClient, decode
from sync_streams.sellsy.models import (
    Company,
    CompanyCreate,
    CompanyUpdate,
    Contact,
    CustomFieldDefinition,
    CustomFieldValue,
    Opportunity,
)
from tests.unit.sellsy.fakes import FakeSellsy, company, page


def test_company_reads_the_fields_we_sync() -> None:
    parsed = decode(Company, company(12, mobile_number="+33600000000", main_contact_id=4),
                    entity="company")  # fmt: skip
    assert parsed.legal_france is not None
    assert (parsed.siret, parsed.legal_france.siren) == ("73282932000074", "732829320")
    assert parsed.main_contact_id == 4
    assert parsed.updated_at is not None and parsed.updated_at.utcoffset() is not None
    assert parsed.is_archived is False


def test_new_fields_and_enum_values_are_kept_not_refused() -> None:
    raw = company(1, type="partner", brand_new_field={"x": 1})
    parsed = decode(Company, raw, entity="company")
    assert parsed.type == "partner"
    assert parsed.model_extra == {"brand_new_field": {"x": 1}}
    contact = decode(Contact, {"id": 3, "civility": "mx", "updated": "2024-05-02T10:00:00Z"},
                     entity="contact")  # fmt: skip
    assert contact.civility == "mx"
    opportunity = decode(Opportunity, {"id": 5, "status": "frozen"}, entity="opportunity")
    assert opportunity.status == "frozen"


def test_numbers_where_the_spec_says_string_are_read_as_strings() -> None:
    parsed = decode(Company, company(1, phone_number=33100000000), entity="company")
    assert parsed.phone_number == "33100000000"


def test_opportunity_fields() -> None:
    raw: dict[str, Any] = {
        "id": 9,
        "name": "Refonte du site",
        "amount": {"value": "1500.00", "currency": "EUR"},
        "pipeline": {"id": 1, "name": "Ventes"},
        "step": {"id": 3, "name": "Devis envoyé"},
        "status": "open",
        "probability": 60,
        "due_date": "2024-07-01",
        "company_id": 12,
        "individual_id": None,
        "contact_ids": [4, 5],
        "created": "2024-05-02T10:00:00+02:00",
        "updated_status": None,
        "related": [{"id": 12, "type": "company"}],
    }
    parsed = decode(Opportunity, raw, entity="opportunity")
    assert parsed.amount is not None and parsed.amount.value == "1500.00"
    assert parsed.step is not None and parsed.step.name == "Devis envoyé"
    assert parsed.related is not None and parsed.related[0].type == "company"
    assert str(parsed.due_date) == "2024-07-01"


def test_custom_field_definitions_read_both_related_object_spellings() -> None:
    spec_shape = {"id": 1, "type": "boolean", "related_object": ["client", "prospect"]}
    field_shape = {"id": 1, "type": "boolean", "related_objects": ["client", "prospect"]}
    for raw in (spec_shape, field_shape):
        parsed = CustomFieldDefinition.model_validate(raw)
        assert parsed.related_object == ["client", "prospect"]


def test_boolean_and_checkbox_values() -> None:
    synced = CustomFieldValue.model_validate(
        {"id": 7, "name": "Synchronisation Altior", "type": "boolean", "value": True}
    )
    assert synced.as_bool() is True
    unset = CustomFieldValue.model_validate({"id": 7, "type": "boolean", "value": None})
    assert unset.as_bool() is None
    with pytest.raises(ValueError, match="yes/no"):
        CustomFieldValue.model_validate(
            {"id": 7, "type": "boolean", "value": "peut-être"}
        ).as_bool()
    choices = {"items": [{"id": 1, "label": "Mail"}, {"id": 2, "label": "Téléphone"}]}
    ticked = CustomFieldValue.model_validate(
        {"id": 8, "type": "checkbox", "value": [2], "parameters": choices}
    )
    assert ticked.item_ids() == [2]
    assert ticked.item_labels() == ["Téléphone"]
    one = CustomFieldValue.model_validate({"id": 9, "type": "select", "value": 1})
    assert one.item_ids() == [1]


def test_embedded_custom_fields_are_found_by_id() -> None:
    embed = {"custom_fields": [{"id": 7, "type": "boolean", "value": False}]}
    parsed = decode(Company, company(1, _embed=embed), entity="company")
    found = parsed.custom_field(7)
    assert found is not None and found.as_bool() is False
    assert parsed.custom_field(8) is None
    assert decode(Company, company(2), entity="company").custom_fields == []


def test_a_malformed_record_names_its_field_and_keeps_the_payload() -> None:
    raw = company(5, legal_france="73282932000074")
    with pytest.raises(MalformedRecordError) as caught:
        decode(Company, raw, entity="company")
    error = caught.value
    assert isinstance(error, MalformedSellsyRecord)
    assert error.field == "legal_france"
    assert error.payload == raw
    assert (error.entity, error.record_id) == ("company", 5)
    assert "company 5" in str(error)


def test_nested_problems_get_a_dotted_path() -> None:
    raw = company(5, _embed={"custom_fields": [{"id": "seven", "value": True}]})
    with pytest.raises(MalformedSellsyRecord) as caught:
        decode(Company, raw, entity="company")
    assert caught.value.field == "_embed.custom_fields.0.id"


async def test_one_bad_record_does_not_lose_the_rest_of_its_page(
    fake: FakeSellsy, client: SellsyClient
) -> None:
    fake.validate_responses = False  # the bad record is off-spec on purpose
    records = [company(1), company(2, updated_at="hier"), "not even an object", company(4)]
    fake.route("POST", "/companies/search", page(records, limit=100, total=4, offset="x"))
    items = [item async for item in client.iter_companies()]
    assert [type(i).__name__ for i in items] == [
        "Company",
        "MalformedSellsyRecord",
        "MalformedSellsyRecord",
        "Company",
    ]
    bad = items[1]
    assert isinstance(bad, MalformedSellsyRecord)
    assert (bad.field, bad.record_id, bad.payload) == ("updated_at", 2, records[1])


def test_write_bodies_send_only_what_was_set() -> None:
    assert CompanyUpdate(email=None, reference="ALT-1").payload() == {
        "email": None,
        "reference": "ALT-1",
    }
    with pytest.raises(ValidationError):
        CompanyUpdate(type="client")  # type: ignore[call-arg]  # not updatable in Sellsy
    with pytest.raises(ValidationError):
        CompanyCreate(name="X")  # type: ignore[call-arg]  # type is required
