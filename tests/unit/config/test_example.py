"""The issue's example (examples/tenants/acme-prod.yaml) loads as is, with sane defaults."""

from __future__ import annotations

import pydantic
import pytest

from sync_streams.config import (
    ImportTrigger,
    StepRule,
    TenantConfig,
    load_tenant,
    load_tenants,
)

from .conftest import ALTIOR_KEY, EXAMPLE, REPO, SELLSY_SECRET


@pytest.mark.usefixtures("secrets_env")
def test_the_issue_example_loads_with_every_value_in_its_place() -> None:
    config = load_tenant(EXAMPLE)

    assert config.tenant == "acme-prod"
    assert (config.client, config.environment) == ("ACME", "production")
    assert config.integration_referent == "Jeanne Martin <jeanne.martin@example.com>"
    assert config.altior.api_url == "http://127.0.0.1:8082"
    assert config.altior.api_key.get_secret_value() == ALTIOR_KEY
    assert config.altior.reference_user == "sync.sellsy"
    assert config.altior.establishment == "ACME Lyon"
    assert config.altior.external_reference.model_dump() == {
        "codification": "EXTERNAL",
        "key": "SELLSY",
        "name": "Sellsy",
    }
    assert config.sellsy.account_id == "48213"
    assert config.sellsy.client_id == "0c4f0d3e-2f7a-4d5e-9a59-5f1c1a0b7e11"
    assert config.sellsy.client_secret.get_secret_value() == SELLSY_SECRET
    assert config.sellsy.api_url == "http://127.0.0.1:8081/v2"
    assert config.sellsy.token_url == "http://127.0.0.1:8081/oauth2/access-tokens"
    third = config.third_parties
    assert third.export_to_sellsy and third.import_from_sellsy
    assert third.company_filter_field == third.contact_filter_field == "Synchronisation Altior"
    assert (third.init.export_all, third.init.import_all, third.init.match_on_siret) == (
        True,
        True,
        True,
    )
    assert third.mapping.email_type == "Principal"
    assert third.mapping.civility.to_altior("ms") == "Mme"
    assert third.mapping.phone_types.mobile == "Portable"
    assert third.mapping.website_url_type == "Site web"
    deals = config.deals
    assert deals.opportunity_filter_field is None
    assert (deals.pipeline_field, deals.step_field) == ("Workflow", "Etape")
    assert deals.import_triggers == (
        ImportTrigger(pipeline="Ventes", step="Signature", establishments=("ACME Lyon",)),
    )
    assert deals.on_quote_created == (StepRule(pipeline="Ventes", step="Devis envoyé"),)
    assert deals.target_step("order_created", "Ventes") == "Commande reçue"
    assert deals.target_step("deal_closed", "Ventes") == "Clôturé"
    assert deals.target_step("deal_closed", "Achats") is None
    assert deals.trigger_for("Ventes", "Signature") is deals.import_triggers[0]


@pytest.mark.usefixtures("secrets_env")
def test_keys_added_beyond_the_form_have_defaults() -> None:
    config = load_tenant(EXAMPLE)

    assert config.paused is False
    assert config.poll_interval_seconds == 30
    assert config.altior.timeout_seconds == config.sellsy.timeout_seconds == 30


@pytest.mark.usefixtures("secrets_env")
def test_a_loaded_configuration_cannot_be_changed() -> None:
    config = load_tenant(EXAMPLE)

    with pytest.raises(pydantic.ValidationError):
        config.paused = True  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        config.deals.step_field = "x"  # type: ignore[misc]
    assert isinstance(config.deals.import_triggers, tuple)
    assert hash(config) == hash(load_tenant(EXAMPLE))


@pytest.mark.usefixtures("secrets_env")
def test_every_example_in_the_examples_directory_is_valid() -> None:
    tenants = load_tenants([REPO / "examples" / "tenants"])

    assert "acme-prod" in tenants
    assert all(isinstance(config, TenantConfig) for config in tenants.values())


def test_civility_mapping_back_from_altior_prefers_mr_then_mrs_then_ms() -> None:
    from sync_streams.config import CivilityMapping

    mapping = CivilityMapping(mr="M", mrs="Mme", ms="Mlle")
    assert mapping.to_sellsy("Mme") == "mrs"
    assert mapping.to_sellsy("Mlle") == "ms"
    assert mapping.to_sellsy("Dr") is None
    assert CivilityMapping().to_sellsy("Mme") == "mrs"
    assert mapping.to_altior("mx") is None
