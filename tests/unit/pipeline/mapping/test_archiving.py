"""Archiving: Sellsy ``is_archived`` <-> Altior ``archived``, for third parties and contacts.

Read both ways (missing or null is "not archived", anything but a boolean is
malformed), written into both sides' create and update bodies, valid for both APIs,
and hashed so that a record that is not archived keeps the hash it had before the
flag was synchronised (the upgrade produces no event).
"""

from __future__ import annotations

from typing import Any

import pytest

from sync_streams.altior.writes import ContactCreate as AltiorContactCreate
from sync_streams.altior.writes import ContactUpdate as AltiorContactUpdate
from sync_streams.altior.writes import ThirdPartyCreate, ThirdPartyUpdate
from sync_streams.domain.hashing import content_hash
from sync_streams.errors import MalformedRecordError
from sync_streams.pipeline.mapping import (
    DEAL_FIELDS,
    CustomFieldRef,
    altior_contact_body,
    altior_third_party_body,
    altior_to_common,
    changed_fields,
    comparable,
    external_sellsy_id,
    hashed_form,
    same_value,
    sellsy_company_body,
    sellsy_contact_body,
    sellsy_individual_body,
    sellsy_to_common,
    sync_hash,
)
from sync_streams.sellsy.models.writes import (
    CompanyCreate,
    CompanyUpdate,
    ContactCreate,
    ContactUpdate,
    IndividualCreate,
    IndividualUpdate,
)

from .apis import altior_store, sellsy_store
from .samples import (
    CONFIG,
    affaire,
    altior_contact,
    altior_moral,
    altior_physique,
    opportunity,
    sellsy_company,
    sellsy_contact,
    sellsy_individual,
)
from .test_bodies_match_specs import altior_request, sellsy_request

FLAG = CustomFieldRef(id=7, name="Synchronisation Altior")

SELLSY_SAMPLES = [
    ("company", sellsy_company),
    ("individual", sellsy_individual),
    ("contact", sellsy_contact),
]
ALTIOR_SAMPLES = [
    ("third_party", altior_moral),
    ("third_party", altior_physique),
    ("altior_contact", altior_contact),
]


def sellsy_body(entity: str, fields: dict[str, Any], existing: dict[str, Any] | None) -> Any:
    if entity == "company":
        return sellsy_company_body(fields, existing, reference="ALTIOR-412")
    if entity == "individual":
        return sellsy_individual_body(fields, existing, CONFIG)
    return sellsy_contact_body(fields, existing, CONFIG)


def altior_body(entity: str, fields: dict[str, Any], existing: dict[str, Any] | None) -> Any:
    """The body for ``existing``, linked to the Sellsy id it already carries."""
    sellsy_id = external_sellsy_id(existing, CONFIG) if existing is not None else 48213
    if entity == "third_party":
        return altior_third_party_body(
            fields, CONFIG, existing=existing, establishment_id=1, sellsy_id=sellsy_id
        )
    return altior_contact_body(
        fields, CONFIG, existing=existing, establishment_id=1, sellsy_id=sellsy_id
    )


# --- reading -------------------------------------------------------------------------------


@pytest.mark.parametrize(("entity", "sample"), SELLSY_SAMPLES)
def test_sellsy_is_archived_reads_as_archived(entity: str, sample: Any) -> None:
    assert sellsy_to_common(entity, sample(is_archived=True), CONFIG)["archived"] is True
    assert sellsy_to_common(entity, sample(is_archived=False), CONFIG)["archived"] is False
    assert sellsy_to_common(entity, sample(is_archived=None), CONFIG)["archived"] is False
    record = sample()
    del record["is_archived"]
    assert sellsy_to_common(entity, record, CONFIG)["archived"] is False


@pytest.mark.parametrize(("entity", "sample"), ALTIOR_SAMPLES)
def test_altior_archived_reads_as_archived(entity: str, sample: Any) -> None:
    assert altior_to_common(entity, sample(archived=True), CONFIG)["archived"] is True
    assert altior_to_common(entity, sample(archived=None), CONFIG)["archived"] is False
    record = sample()
    del record["archived"]
    assert altior_to_common(entity, record, CONFIG)["archived"] is False


@pytest.mark.parametrize("value", ["false", 0, 1, [], {"archived": True}])
def test_a_flag_that_is_not_a_boolean_is_malformed_never_guessed(value: Any) -> None:
    with pytest.raises(MalformedRecordError) as caught:
        sellsy_to_common("company", sellsy_company(is_archived=value), CONFIG)
    assert caught.value.field == "is_archived"
    assert "expected a boolean" in caught.value.reason
    with pytest.raises(MalformedRecordError) as caught:
        altior_to_common("altior_contact", altior_contact(archived=value), CONFIG)
    assert caught.value.field == "archived"


def test_deals_have_no_archive_flag() -> None:
    assert "archived" not in DEAL_FIELDS
    assert "archived" not in sellsy_to_common("opportunity", opportunity(), CONFIG)
    assert "archived" not in altior_to_common("affaire", affaire(), CONFIG)


# --- writing: Sellsy -> Altior ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("sellsy_entity", "sample", "altior_entity", "existing"),
    [
        ("company", sellsy_company, "third_party", altior_moral),
        ("individual", sellsy_individual, "third_party", altior_physique),
        ("contact", sellsy_contact, "altior_contact", altior_contact),
    ],
)
def test_archiving_in_sellsy_archives_the_altior_twin_and_back(
    sellsy_entity: str, sample: Any, altior_entity: str, existing: Any
) -> None:
    archived = sellsy_to_common(sellsy_entity, sample(is_archived=True), CONFIG)
    twin = existing()
    body = altior_body(altior_entity, archived, twin)
    assert body == {"archived": True}  # nothing else differs: only the flag is sent
    stored = altior_store(twin, body)
    assert comparable(altior_to_common(altior_entity, stored, CONFIG)) == comparable(archived)

    restored = sellsy_to_common(sellsy_entity, sample(is_archived=False), CONFIG)
    back = altior_body(altior_entity, restored, stored)
    assert back == {"archived": False}
    after = altior_to_common(altior_entity, altior_store(stored, back), CONFIG)
    assert comparable(after) == comparable(restored)
    # the flag unchanged: nothing to write
    assert altior_body(altior_entity, restored, twin) == {}


@pytest.mark.parametrize(("entity", "sample"), SELLSY_SAMPLES)
def test_archiving_in_altior_archives_the_sellsy_twin_and_back(entity: str, sample: Any) -> None:
    twin = sample()
    assert sellsy_body(entity, {"archived": True}, twin) == {"is_archived": True}
    stored = sellsy_store(twin, {"is_archived": True})
    assert sellsy_to_common(entity, stored, CONFIG)["archived"] is True
    assert sellsy_body(entity, {"archived": False}, stored) == {"is_archived": False}
    assert sellsy_body(entity, {"archived": False}, twin) == {}
    missing = sample()
    del missing["is_archived"]
    assert sellsy_body(entity, {"archived": False}, missing) == {}  # missing means no


def test_the_twin_of_an_archived_record_is_created_archived() -> None:
    company = sellsy_to_common("company", sellsy_company(is_archived=True), CONFIG)
    assert altior_body("third_party", company, None)["archived"] is True
    contact = sellsy_to_common("contact", sellsy_contact(is_archived=True), CONFIG)
    assert altior_body("altior_contact", contact, None)["archived"] is True
    for entity, sample in ALTIOR_SAMPLES:
        common = altior_to_common(entity, sample(archived=True), CONFIG)
        sellsy_entity = {"company": "company", "person": "individual"}.get(
            common.get("kind", ""), "contact"
        )
        assert sellsy_body(sellsy_entity, common, None)["is_archived"] is True


def test_a_create_says_nothing_of_a_flag_that_is_not_set() -> None:
    """Both APIs create records unarchived: the bodies stay as they were."""
    for entity, sample in SELLSY_SAMPLES:
        common = sellsy_to_common(entity, sample(), CONFIG)
        target = "altior_contact" if entity == "contact" else "third_party"
        assert "archived" not in altior_body(target, common, None)
    for entity, sample in ALTIOR_SAMPLES:
        common = altior_to_common(entity, sample(), CONFIG)
        sellsy_entity = {"company": "company", "person": "individual"}.get(
            common.get("kind", ""), "contact"
        )
        assert "is_archived" not in sellsy_body(sellsy_entity, common, None)


def test_a_null_flag_is_written_as_not_archived_and_garbage_is_refused() -> None:
    archived = altior_moral(archived=True)
    assert altior_body("third_party", {"archived": None}, archived) == {"archived": False}
    with pytest.raises(MalformedRecordError) as caught:
        altior_body("third_party", {"archived": "yes"}, altior_moral())
    assert caught.value.field == "archived"
    with pytest.raises(MalformedRecordError) as caught:
        sellsy_body("company", {"archived": "yes"}, sellsy_company())
    assert caught.value.field == "archived"


# --- the bodies are valid for both APIs and our client models --------------------------------


@pytest.mark.parametrize("value", [True, False])
def test_sellsy_bodies_with_the_flag_are_valid(value: bool) -> None:
    twin = not value
    update = sellsy_body("company", {"archived": value}, sellsy_company(is_archived=twin))
    sellsy_request("PUT", "/companies/48213", update)
    CompanyUpdate.model_validate(update)
    update = sellsy_body("individual", {"archived": value}, sellsy_individual(is_archived=twin))
    sellsy_request("PUT", "/individuals/7301", update)
    IndividualUpdate.model_validate(update)
    update = sellsy_body("contact", {"archived": value}, sellsy_contact(is_archived=twin))
    sellsy_request("PUT", "/contacts/901", update)
    ContactUpdate.model_validate(update)
    if value:
        company = altior_to_common("third_party", altior_moral(archived=True), CONFIG)
        create = sellsy_body("company", company, None)
        sellsy_request("POST", "/companies", create)
        CompanyCreate.model_validate(create)
        person = altior_to_common("third_party", altior_physique(archived=True), CONFIG)
        create = sellsy_body("individual", person, None)
        sellsy_request("POST", "/individuals", create)
        IndividualCreate.model_validate(create)
        contact = altior_to_common("altior_contact", altior_contact(archived=True), CONFIG)
        create = sellsy_body("contact", contact, None)
        sellsy_request("POST", "/contacts", create)
        ContactCreate.model_validate(create)


@pytest.mark.parametrize("value", [True, False])
def test_altior_bodies_with_the_flag_are_valid(value: bool) -> None:
    twin = not value
    update = altior_body("third_party", {"archived": value}, altior_moral(archived=twin))
    altior_request("PATCH", "/third-parties/412", update, "ThirdPartyUpdate")
    assert ThirdPartyUpdate.model_validate(update).payload() == {"archived": value}
    update = altior_body("altior_contact", {"archived": value}, altior_contact(archived=twin))
    altior_request("PATCH", "/contacts/77", update, "ContactUpdate")
    assert AltiorContactUpdate.model_validate(update).payload() == {"archived": value}
    if value:
        company = sellsy_to_common("company", sellsy_company(is_archived=True), CONFIG)
        create = altior_body("third_party", company, None)
        altior_request("POST", "/third-parties", create, "ThirdPartyCreate")
        assert ThirdPartyCreate.model_validate(create).payload()["archived"] is True
        contact = sellsy_to_common("contact", sellsy_contact(is_archived=True), CONFIG)
        create = altior_body("altior_contact", contact, None)
        altior_request("POST", "/contacts", create, "ContactCreate")
        assert AltiorContactCreate.model_validate(create).payload()["archived"] is True


# --- comparing and hashing ----------------------------------------------------------------


def test_not_archived_and_missing_mean_the_same() -> None:
    assert same_value("archived", False, None)
    assert not same_value("archived", True, False)
    assert not same_value("archived", True, None)
    assert changed_fields({"archived": False}, {}) == {}
    assert changed_fields({"archived": True}, {"archived": False}) == {"archived": True}


def _pre_upgrade_hash(entity: str, record: dict[str, Any]) -> str:
    """The hash as computed before ``archived`` was a common field."""
    form = hashed_form("sellsy", entity, record, CONFIG, FLAG)
    form["fields"] = {k: v for k, v in form["fields"].items() if k != "archived"}
    return content_hash(form)


@pytest.mark.parametrize(("entity", "sample"), SELLSY_SAMPLES)
def test_a_record_that_is_not_archived_keeps_its_hash_across_the_upgrade(
    entity: str, sample: Any
) -> None:
    record = sample()
    assert sync_hash("sellsy", entity, record, CONFIG, FLAG) == _pre_upgrade_hash(entity, record)
    missing = sample()
    del missing["is_archived"]
    assert sync_hash("sellsy", entity, missing, CONFIG, FLAG) == sync_hash(
        "sellsy", entity, record, CONFIG, FLAG
    )


def test_archiving_or_unarchiving_changes_the_hash() -> None:
    plain = sync_hash("altior", "third_party", altior_moral(), CONFIG)
    archived = sync_hash("altior", "third_party", altior_moral(archived=True), CONFIG)
    assert archived != plain
    assert sync_hash("altior", "third_party", altior_moral(archived=False), CONFIG) == plain
    assert comparable({"archived": True}) == {"archived": True}
    sellsy = sync_hash("sellsy", "contact", sellsy_contact(is_archived=True), CONFIG)
    assert sellsy != sync_hash("sellsy", "contact", sellsy_contact(), CONFIG)
