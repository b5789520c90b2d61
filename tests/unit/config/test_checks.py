"""Start-up name checks: one line per mismatch, grouped by the flow it must stop."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from sync_streams.config import LoadContext, TenantConfig
from sync_streams.config.base import CONTEXT_KEY
from sync_streams.config.checks import ApiInventory, check_against_apis

MATCHING = ApiInventory(
    altior_establishments={"ACME Lyon", "ACME Paris"},
    altior_users={"sync.sellsy", "admin"},
    altior_custom_fields={"Workflow", "Etape"},
    altior_civilities={"M", "Mme"},
    altior_email_types={"Principal", "Facturation"},
    altior_phone_types={"Fixe", "Fax", "Portable"},
    altior_url_types={"Site web"},
    sellsy_custom_fields={"Synchronisation Altior", "sync-altior"},
    sellsy_pipelines={
        "Ventes": ["Découverte", "Devis envoyé", "Signature", "Commande reçue", "Clôturé"],
        "Achats": ["Demande", "Reçu"],
    },
)


def config_from(data: dict[str, Any]) -> TenantConfig:
    context = LoadContext(resolve_secrets=False)
    return TenantConfig.model_validate(data, context={CONTEXT_KEY: context})


@pytest.fixture
def config(example_data: dict[str, Any]) -> TenantConfig:
    return config_from(example_data)


def test_the_example_matches_apis_that_have_its_names(config: TenantConfig) -> None:
    report = check_against_apis(config, MATCHING)

    assert report.ok
    assert report.by_flow == {"third_parties": (), "deals": ()}
    assert report.flows_to_disable == frozenset()
    assert report.warnings == ()


def test_unknown_inventory_skips_the_checks(config: TenantConfig) -> None:
    assert check_against_apis(config, ApiInventory()).ok


def test_a_wrong_mapping_type_stops_only_the_third_party_flow(config: TenantConfig) -> None:
    report = check_against_apis(config, replace(MATCHING, altior_phone_types={"Fixe", "Fax"}))

    assert report.by_flow["third_parties"] == (
        "third_parties.mapping.phone_types.mobile: phone type 'Portable' does not exist in "
        "Altior; known: 'Fax', 'Fixe'",
    )
    assert report.by_flow["deals"] == ()
    assert report.flows_to_disable == {"third_parties"}


def test_a_wrong_step_stops_only_the_deal_flow_and_hints_the_exact_spelling(
    config: TenantConfig,
) -> None:
    pipelines = {"Ventes": ["Devis envoye", "Signature", "Commande reçue", "Clôturé"]}

    report = check_against_apis(config, replace(MATCHING, sellsy_pipelines=pipelines))

    assert report.by_flow["deals"] == (
        "deals.on_quote_created[0].step: step 'Devis envoyé' does not exist in the Sellsy "
        "pipeline 'Ventes'; the closest is 'Devis envoye' (names must match exactly)",
    )
    assert report.flows_to_disable == {"deals"}


def test_an_unknown_pipeline_is_reported_for_every_rule_using_it(config: TenantConfig) -> None:
    report = check_against_apis(config, replace(MATCHING, sellsy_pipelines={"Sales": ["Won"]}))

    keys = [line.split(": ")[0] for line in report.by_flow["deals"]]
    assert keys == [
        "deals.import_triggers[0].pipeline",
        "deals.on_quote_created[0].pipeline",
        "deals.on_order_created[0].pipeline",
        "deals.on_deal_closed[0].pipeline",
    ]
    assert (
        "pipeline 'Ventes' does not exist in Sellsy; known: 'Sales'" in report.by_flow["deals"][0]
    )


def test_a_wrong_establishment_or_user_stops_both_flows(config: TenantConfig) -> None:
    inventory = replace(MATCHING, altior_establishments={"ACME Lyon 2"}, altior_users={"sync"})

    report = check_against_apis(config, inventory)

    assert report.flows_to_disable == {"third_parties", "deals"}
    assert report.by_flow["third_parties"] == (
        "altior.establishment: establishment 'ACME Lyon' does not exist in Altior; "
        "did you mean 'ACME Lyon 2'?",
        "altior.reference_user: user 'sync.sellsy' does not exist in Altior; known: 'sync'",
    )
    assert report.by_flow["deals"][:2] == report.by_flow["third_parties"]
    assert report.by_flow["deals"][2].startswith(
        "deals.import_triggers[0].establishments[0]: establishment 'ACME Lyon'"
    )


def test_custom_fields_are_checked_on_their_own_side(config: TenantConfig) -> None:
    inventory = replace(MATCHING, sellsy_custom_fields=set(), altior_custom_fields={"Workflow"})

    report = check_against_apis(config, inventory)

    assert report.by_flow["third_parties"] == (
        "third_parties.company_filter_field: custom field 'Synchronisation Altior' does not "
        "exist in Sellsy; Sellsy reports none",
        "third_parties.contact_filter_field: custom field 'Synchronisation Altior' does not "
        "exist in Sellsy; Sellsy reports none",
    )
    assert report.by_flow["deals"] == (
        "deals.step_field: custom field 'Etape' does not exist in Altior; known: 'Workflow'",
    )


def test_a_sellsy_field_code_is_as_good_as_its_name(example_data: dict[str, Any]) -> None:
    example_data["third_parties"]["company_filter_field"] = "sync-altior"

    assert check_against_apis(config_from(example_data), MATCHING).ok


def test_checks_of_a_flow_that_is_off_are_skipped(example_data: dict[str, Any]) -> None:
    example_data["deals"].update(export_to_sellsy=False, import_from_sellsy=False)
    example_data["third_parties"]["import_from_sellsy"] = False
    inventory = replace(
        MATCHING, sellsy_pipelines={}, altior_custom_fields=set(), sellsy_custom_fields=set()
    )

    report = check_against_apis(config_from(example_data), inventory)

    assert report.ok  # filter fields only matter when importing; deals are off


def test_every_civility_value_is_checked(example_data: dict[str, Any]) -> None:
    example_data["third_parties"]["mapping"]["civility"]["ms"] = "Mlle"

    report = check_against_apis(config_from(example_data), MATCHING)

    assert report.by_flow["third_parties"] == (
        "third_parties.mapping.civility.ms: civility 'Mlle' does not exist in Altior; "
        "known: 'M', 'Mme'",
    )


def test_steps_that_move_a_deal_backwards_are_warnings_not_mismatches(
    example_data: dict[str, Any],
) -> None:
    example_data["deals"]["on_order_created"] = [{"pipeline": "Ventes", "step": "Découverte"}]

    report = check_against_apis(config_from(example_data), MATCHING)

    assert report.ok
    assert report.warnings == (
        "deals.on_order_created: in pipeline 'Ventes' the order step 'Découverte' comes before "
        "the quote step 'Devis envoyé' (on_quote_created); opportunities would move backwards",
    )
