"""Third parties: common form of each side, Altior and Sellsy bodies, what survives."""

from __future__ import annotations

from typing import Any

import pytest

from sync_streams.config.third_parties import CivilityMapping, PhoneTypes, ThirdPartiesMapping
from sync_streams.errors import MalformedRecordError
from sync_streams.pipeline.mapping import (
    MappingConfig,
    altior_third_party_body,
    altior_to_common,
    external_sellsy_id,
    sellsy_company_body,
    sellsy_entity_for,
    sellsy_individual_body,
    sellsy_to_common,
)

from .apis import altior_store, sellsy_store
from .samples import (
    CONFIG,
    OTHER_REFERENCE,
    altior_moral,
    altior_physique,
    sellsy_company,
    sellsy_individual,
)


def patch(existing: dict[str, Any], fields: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """PATCH body for ``existing``, linked to the Sellsy id it already carries by default."""
    sellsy_id = kw.get("sellsy_id", external_sellsy_id(existing, CONFIG))
    return altior_third_party_body(
        fields, CONFIG, existing=existing, establishment_id=1, sellsy_id=sellsy_id
    )


def phones(record: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["type"], p["value"]) for p in record["phones"]]


# --- common form -------------------------------------------------------------------------


def test_sellsy_company_common_form() -> None:
    assert sellsy_to_common("company", sellsy_company(), CONFIG) == {
        "kind": "company",
        "name": "Boulangerie Dupré SARL",
        "siret": "73282932000074",
        "email": "Contact@Dupre.fr",
        "phone": "04 78 12 34 56",
        "mobile": "+33 6 12 34 56 78",
        "fax": "04.78.12.34.57",
        "website": "https://www.dupre.fr",
        "archived": False,
    }


def test_altior_moral_common_form_takes_the_first_entry_of_each_configured_type() -> None:
    assert altior_to_common("third_party", altior_moral(), CONFIG) == {
        "kind": "company",
        "name": "Boulangerie Dupré SARL",
        "siret": "73282932000074",
        "email": "contact@dupre.fr",
        "phone": "+33 4 78 12 34 56",
        "mobile": "06 12 34 56 78",
        "fax": "04 78 12 34 57",
        "website": "https://www.dupre.fr",
        "archived": False,
    }


def test_types_come_from_the_configuration() -> None:
    config = MappingConfig(
        mapping=ThirdPartiesMapping(
            email_type="Facturation",
            phone_types=PhoneTypes(phone="Portable", mobile="Fixe", fax="Fax"),
            website_url_type="Boutique",
        )
    )
    record = altior_moral(urls=[{"type": "Boutique", "value": "https://boutique.dupre.fr"}])
    common = altior_to_common("third_party", record, config)
    assert common["email"] == "compta@dupre.fr"
    assert common["phone"] == "06 12 34 56 78"
    assert common["mobile"] == "+33 4 78 12 34 56"
    assert common["website"] == "https://boutique.dupre.fr"


def test_person_common_form_on_both_sides() -> None:
    expected = {
        "kind": "person",
        "civility": "Mme",
        "first_name": "Élodie",
        "last_name": "Lefèvre",
        "email": "elodie.lefevre@example.fr",
        "phone": None,
        "mobile": "06 98 76 54 32",
        "fax": None,
        "website": None,
        "archived": False,
    }
    assert sellsy_to_common("individual", sellsy_individual(), CONFIG) == expected
    assert altior_to_common("third_party", altior_physique(), CONFIG) == expected


@pytest.mark.parametrize(("sellsy", "altior"), [("mr", "M"), ("mrs", "Mme"), ("ms", "Mme")])
def test_sellsy_civility_becomes_the_configured_abbreviation(sellsy: str, altior: str) -> None:
    common = sellsy_to_common("individual", sellsy_individual(civility=sellsy), CONFIG)
    assert common["civility"] == altior


def test_ms_can_have_its_own_abbreviation() -> None:
    config = MappingConfig(mapping=ThirdPartiesMapping(civility=CivilityMapping(ms="Mlle")))
    assert sellsy_to_common("individual", sellsy_individual(), config)["civility"] == "Mlle"
    body = sellsy_individual_body({"civility": "Mlle"}, sellsy_individual(civility="mrs"), config)
    assert body == {"civility": "ms"}


def test_unknown_altior_kind_is_carried_not_guessed() -> None:
    common = altior_to_common("third_party", altior_moral(kind="association"), CONFIG)
    assert common == {"kind": "association"}
    assert sellsy_entity_for(common["kind"]) is None
    assert sellsy_entity_for("company") == "company"
    assert sellsy_entity_for("person") == "individual"


def test_numbers_where_text_is_expected_are_accepted_for_phones_and_siret() -> None:
    record = sellsy_company(phone_number=478123456, legal_france={"siret": 73282932000074})
    common = sellsy_to_common("company", record, CONFIG)
    assert common["phone"] == "478123456"
    assert common["siret"] == "73282932000074"


def test_blank_values_are_absent() -> None:
    common = sellsy_to_common("company", sellsy_company(email="   ", website=""), CONFIG)
    assert common["email"] is None
    assert common["website"] is None


# --- Altior bodies --------------------------------------------------------------------------


def test_create_body_for_a_company() -> None:
    common = sellsy_to_common("company", sellsy_company(), CONFIG)
    body = altior_third_party_body(
        common, CONFIG, existing=None, establishment_id=3, sellsy_id=48213
    )
    assert body == {
        "kind": "moral",
        "establishment_id": 3,
        "name": "Boulangerie Dupré SARL",
        "siret": "73282932000074",
        "emails": [{"type": "Principal", "value": "Contact@Dupre.fr"}],
        "phones": [
            {"type": "Fixe", "value": "04 78 12 34 56"},
            {"type": "Portable", "value": "+33 6 12 34 56 78"},
            {"type": "Fax", "value": "04.78.12.34.57"},
        ],
        "urls": [{"type": "Site web", "value": "https://www.dupre.fr"}],
        "external_references": [
            {"codification": "EXTERNAL", "key": "SELLSY", "name": "Sellsy", "value": "48213"}
        ],
    }


def test_create_body_uses_the_configured_external_reference() -> None:
    common = sellsy_to_common("company", sellsy_company(), OTHER_REFERENCE)
    body = altior_third_party_body(
        common, OTHER_REFERENCE, existing=None, establishment_id=3, sellsy_id=48213
    )
    assert body["external_references"] == [
        {"codification": "EXT2", "key": "CRM", "name": "Mon CRM", "value": "48213"}
    ]


def test_create_body_for_a_person_has_no_name_and_no_nulls() -> None:
    common = sellsy_to_common("individual", sellsy_individual(), CONFIG)
    body = altior_third_party_body(common, CONFIG, existing=None, establishment_id=1, sellsy_id=7)
    assert body["kind"] == "physique"
    assert "name" not in body
    assert body["civility"] == "Mme"
    assert None not in body.values()
    assert body["phones"] == [{"type": "Portable", "value": "06 98 76 54 32"}]


def test_create_needs_the_required_name() -> None:
    with pytest.raises(MalformedRecordError) as caught:
        altior_third_party_body(
            {"kind": "company", "name": None},
            CONFIG,
            existing=None,
            establishment_id=1,
            sellsy_id=1,
        )
    assert caught.value.field == "name"


def test_the_second_fixe_survives_a_sellsy_phone_change() -> None:
    existing = altior_moral()
    body = patch(existing, {"phone": "04 72 00 00 01"})
    assert body == {"phones": [{"type": "Fixe", "value": "04 72 00 00 01"}]}
    stored = altior_store(existing, body)
    assert phones(stored) == [
        ("Fixe", "04 72 00 00 01"),
        ("Fixe", "04 78 99 99 99"),
        ("Portable", "06 12 34 56 78"),
        ("Fax", "04 78 12 34 57"),
    ]


def test_other_email_types_survive() -> None:
    existing = altior_moral()
    stored = altior_store(existing, patch(existing, {"email": "bonjour@dupre.fr"}))
    assert stored["emails"] == [
        {"type": "Principal", "value": "bonjour@dupre.fr"},
        {"type": "Facturation", "value": "compta@dupre.fr"},
    ]


def test_clearing_the_main_phone_keeps_the_second_fixe_as_main() -> None:
    existing = altior_moral()
    body = patch(existing, {"phone": None})
    assert body == {
        "phones": [{"type": "Fixe", "value": "04 78 99 99 99"}, {"type": "Fixe", "value": None}]
    }
    stored = altior_store(existing, body)
    assert ("Fixe", "04 78 99 99 99") in phones(stored)
    assert altior_to_common("third_party", stored, CONFIG)["phone"] == "04 78 99 99 99"
    assert len([p for p in phones(stored) if p[0] == "Fixe"]) == 1


def test_clearing_the_only_fax_removes_it() -> None:
    existing = altior_moral()
    stored = altior_store(existing, patch(existing, {"fax": None}))
    assert [t for t, _ in phones(stored)] == ["Fixe", "Fixe", "Portable"]


def test_same_number_spelled_differently_is_not_rewritten() -> None:
    existing = altior_moral()
    same = {
        "phone": "04 78 12 34 56",  # stored "+33 4 78 12 34 56"
        "email": "CONTACT@DUPRE.FR",  # stored lowercase
        "siret": "73282932000074",
        "website": "https://www.dupre.fr",
        "name": "Boulangerie Dupré SARL",
    }
    assert patch(existing, same) == {}


def test_update_sends_only_what_changed() -> None:
    existing = altior_moral()
    assert patch(existing, {"name": "Dupré & Fils", "mobile": "06 12 34 56 78"}) == {
        "name": "Dupré & Fils"
    }


def test_update_adds_a_missing_sellsy_reference_and_keeps_others() -> None:
    other = {"codification": "COMPTA", "key": "SAGE", "name": "Sage", "value": "411DUP"}
    existing = altior_moral(external_references=[other])
    body = patch(existing, {}, sellsy_id=48213)
    assert body == {
        "external_references": [
            {"codification": "EXTERNAL", "key": "SELLSY", "name": "Sellsy", "value": "48213"}
        ]
    }
    assert len(altior_store(existing, body)["external_references"]) == 2


def test_required_names_are_never_cleared() -> None:
    assert patch(altior_moral(), {"name": None}) == {}
    assert patch(altior_physique(), {"last_name": None}) == {}
    assert patch(altior_physique(), {"first_name": None}) == {"first_name": None}


def test_fields_of_the_other_kind_are_ignored() -> None:
    """A physique's SIRET and name are not Sellsy's to wipe."""
    existing = altior_physique(siret="73282932000074")
    assert patch(existing, {"siret": None, "name": "X"}) == {}


def test_siret_rules_towards_altior() -> None:
    existing = altior_moral()
    # a 14-digit SIRET with a bad key is carried and stored (never matched)
    assert patch(existing, {"siret": "73282932000075"}) == {"siret": "73282932000075"}
    # letters cannot be stored by Altior: left alone, not cleared
    assert patch(existing, {"siret": "SIRET EN COURS"}) == {}
    assert patch(existing, {"siret": None}) == {"siret": None}


def test_invalid_siret_is_carried_as_written() -> None:
    typed = sellsy_company(legal_france={"siret": "en cours"})
    assert sellsy_to_common("company", typed, CONFIG)["siret"] == "en cours"
    spaced = sellsy_company(legal_france={"siret": "732 829 320 00075"})
    assert sellsy_to_common("company", spaced, CONFIG)["siret"] == "73282932000075"


def test_civility_altior_cannot_hold_is_not_sent() -> None:
    common = sellsy_to_common("individual", sellsy_individual(civility="dr"), CONFIG)
    assert common["civility"] == "dr"
    assert patch(altior_physique(), {"civility": "dr"}) == {}


# --- Sellsy bodies --------------------------------------------------------------------------


def test_sellsy_company_create_body() -> None:
    common = altior_to_common("third_party", altior_moral(), CONFIG)
    assert sellsy_company_body(common, None) == {
        "type": "client",
        "name": "Boulangerie Dupré SARL",
        "legal_france": {"siret": "73282932000074"},
        "email": "contact@dupre.fr",
        "phone_number": "+33 4 78 12 34 56",
        "mobile_number": "06 12 34 56 78",
        "fax_number": "04 78 12 34 57",
        "website": "https://www.dupre.fr",
    }
    body = sellsy_company_body(common, None, sellsy_type="prospect", reference="ALTIOR-412")
    assert body["type"] == "prospect"
    assert body["reference"] == "ALTIOR-412"


def test_sellsy_company_update_is_minimal_and_keeps_other_legal_fields() -> None:
    existing = sellsy_company()
    body = sellsy_company_body({"siret": "35600000000048", "phone": "04 78 12 34 56"}, existing)
    assert body == {"legal_france": {"siret": "35600000000048"}}
    stored = sellsy_store(existing, body)
    assert stored["legal_france"]["siren"] == "732829320"


def test_sellsy_company_update_clears_a_channel_but_never_the_name() -> None:
    existing = sellsy_company()
    assert sellsy_company_body({"fax": None, "name": None}, existing) == {"fax_number": None}


def test_mme_written_back_to_ms_changes_nothing() -> None:
    existing = sellsy_individual(civility="ms")
    assert sellsy_individual_body({"civility": "Mme"}, existing, CONFIG) == {}
    existing = sellsy_individual(civility="mr")
    assert sellsy_individual_body({"civility": "Mme"}, existing, CONFIG) == {"civility": "mrs"}


def test_abbreviation_sellsy_cannot_hold_is_not_sent() -> None:
    existing = sellsy_individual(civility="mr")
    assert sellsy_individual_body({"civility": "Dr"}, existing, CONFIG) == {}
    assert sellsy_individual_body({"civility": None}, existing, CONFIG) == {"civility": None}


def test_sellsy_individual_create_body() -> None:
    common = altior_to_common("third_party", altior_physique(), CONFIG)
    assert sellsy_individual_body(common, None, CONFIG) == {
        "type": "client",
        "civility": "mrs",
        "first_name": "Élodie",
        "last_name": "Lefèvre",
        "email": "elodie.lefevre@example.fr",
        "mobile_number": "06 98 76 54 32",
    }


def test_sellsy_creates_need_their_required_fields() -> None:
    with pytest.raises(MalformedRecordError) as caught:
        sellsy_company_body({"kind": "company", "name": None}, None)
    assert caught.value.field == "name"
    with pytest.raises(MalformedRecordError) as caught:
        sellsy_individual_body({"first_name": "Anne"}, None, CONFIG)
    assert caught.value.field == "last_name"


def test_a_company_and_an_individual_with_the_same_sellsy_id_get_distinct_references() -> None:
    """Sellsy numbers companies and individuals apart; Altior references are unique."""
    company = sellsy_to_common("company", sellsy_company(id=12), CONFIG)
    person = sellsy_to_common("individual", sellsy_individual(id=12), CONFIG)
    made = [
        altior_third_party_body(fields, CONFIG, existing=None, establishment_id=1, sellsy_id=12)
        for fields in (company, person)
    ]
    values = [body["external_references"][0]["value"] for body in made]
    assert values == ["12", "individual-12"]
    assert [external_sellsy_id(body, CONFIG) for body in made] == ["12", "12"]


def test_an_individuals_reference_of_the_bare_form_is_rewritten_once() -> None:
    bare = altior_physique(
        external_references=[
            {"codification": "EXTERNAL", "key": "SELLSY", "name": "Sellsy", "value": "7301"}
        ]
    )
    body = patch(bare, {})
    assert body["external_references"][0]["value"] == "individual-7301"
    assert patch(altior_store(bare, body), {}) == {}
