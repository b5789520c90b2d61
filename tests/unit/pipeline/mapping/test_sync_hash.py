"""The content hash pollers and writers share: what changes it and what does not."""

from __future__ import annotations

from typing import Any

from sync_streams.config.third_parties import PhoneTypes, ThirdPartiesMapping
from sync_streams.pipeline.mapping import (
    CustomFieldRef,
    MappingConfig,
    altior_third_party_body,
    hashed_form,
    sellsy_to_common,
    sync_hash,
)

from .apis import altior_store
from .samples import CONFIG, affaire, altior_moral, flag, opportunity, sellsy_company

FLAG = CustomFieldRef(id=7, name="Synchronisation Altior")


def company_hash(record: dict[str, Any], config: MappingConfig = CONFIG) -> str:
    return sync_hash("sellsy", "company", record, config, FLAG)


def test_unsynced_fields_do_not_change_the_hash() -> None:
    base = sellsy_company()
    touched = sellsy_company(
        updated_at="2024-06-01T00:00:00Z", note="Nouvelle note", reference="CLI-9", type="supplier"
    )
    touched["legal_france"] = {**base["legal_france"], "vat": "FR12732829320"}
    assert company_hash(touched) == company_hash(base)


def test_respelling_does_not_change_the_hash() -> None:
    respelled = sellsy_company(
        phone_number="+33 4 78 12 34 56",
        email="contact@dupre.fr",
        legal_france={"siret": "73282932000074"},
        name="  Boulangerie   Dupré SARL ",
    )
    assert company_hash(respelled) == company_hash(sellsy_company())


def test_a_synced_change_changes_the_hash() -> None:
    base = company_hash(sellsy_company())
    assert company_hash(sellsy_company(name="Boulangerie Dupré & Fils")) != base
    assert company_hash(sellsy_company(name="BOULANGERIE DUPRÉ SARL")) != base  # case counts
    assert company_hash(sellsy_company(phone_number="04 78 12 34 00")) != base
    assert company_hash(sellsy_company(legal_france={"siret": None})) != base


def test_ticking_the_flag_changes_the_hash() -> None:
    unset = company_hash(sellsy_company())
    unticked = company_hash(sellsy_company(_embed={"custom_fields": [flag(7, False)]}))
    ticked = company_hash(sellsy_company(_embed={"custom_fields": [flag(7, True)]}))
    assert len({unset, unticked, ticked}) == 3
    other_field = sellsy_company(_embed={"custom_fields": [flag(8, True)]})
    assert company_hash(other_field) == unset


def test_without_flag_field_the_flag_is_not_hashed() -> None:
    ticked = sellsy_company(_embed={"custom_fields": [flag(7, True)]})
    assert sync_hash("sellsy", "company", ticked, CONFIG) == sync_hash(
        "sellsy", "company", sellsy_company(), CONFIG
    )


def test_the_hash_depends_on_the_mapping_config() -> None:
    swapped = MappingConfig(
        mapping=ThirdPartiesMapping(phone_types=PhoneTypes(phone="Portable", mobile="Fixe"))
    )
    record = altior_moral()
    assert sync_hash("altior", "third_party", record, swapped) != sync_hash(
        "altior", "third_party", record, CONFIG
    )


def test_links_are_part_of_the_hash() -> None:
    assert sync_hash("sellsy", "opportunity", opportunity(company_id=1), CONFIG) != sync_hash(
        "sellsy", "opportunity", opportunity(company_id=2), CONFIG
    )
    assert sync_hash("altior", "affaire", affaire(third_party_id=1), CONFIG) != sync_hash(
        "altior", "affaire", affaire(third_party_id=2), CONFIG
    )
    assert hashed_form("altior", "affaire", affaire(), CONFIG)["links"] == {"third_party_id": 412}


def test_both_sides_hash_the_same_fields_once_in_sync() -> None:
    """After a sync both records mean the same: their hashed fields are equal."""
    sellsy = sellsy_company()
    written = altior_store(
        None,
        altior_third_party_body(
            sellsy_to_common("company", sellsy, CONFIG),
            CONFIG,
            existing=None,
            establishment_id=1,
            sellsy_id=48213,
        ),
    )
    assert (
        hashed_form("sellsy", "company", sellsy, CONFIG)["fields"]
        == hashed_form("altior", "third_party", written, CONFIG)["fields"]
    )


def test_our_write_read_back_is_recognised_as_the_echo() -> None:
    """The writer hashes what it read back; the poller's later copy hashes the same."""
    existing = altior_moral()
    body = altior_third_party_body(
        {"name": "Dupré & Fils"}, CONFIG, existing=existing, establishment_id=1, sellsy_id=48213
    )
    read_back = altior_store(existing, body)
    polled = {**read_back, "updated_at": "2024-05-02T09:16:00.000001Z", "updated_by": 9}
    assert sync_hash("altior", "third_party", polled, CONFIG) == sync_hash(
        "altior", "third_party", read_back, CONFIG
    )
