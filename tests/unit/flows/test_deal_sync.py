"""Deal pairs through the real handler and the real deal kind, over fake APIs.

What a user checks: an opportunity reaching its trigger shows up in Altior, in the
trigger's establishment, on its company's third party (brought along when needed),
with Workflow/Etape; it follows the opportunity afterwards; an Altior affaire
becomes an opportunity of the right company; nothing is written once converged.
"""

from __future__ import annotations

import pytest

from sync_streams.errors import SkippableError
from tests.unit.flows.conftest import MakeWorld
from tests.unit.flows.fakes import COMPANY_FLAG, DEAL_FLAG


async def test_opportunity_comes_down_at_its_trigger_and_follows(make_world: MakeWorld) -> None:
    w = await make_world()
    company = w.sellsy.add_company("Boulangerie Dupré")
    w.link_company(company, 7)
    opp = w.sellsy.add_opportunity("Four à sole", "Ventes", "Qualification", company_id=company)

    await w.handle(w.opportunity_event(opp))
    assert w.affaire_of(opp) is None  # before the trigger: not imported
    assert w.count("filtered") == 1

    w.sellsy.edit(opp, step="Signature")
    await w.handle(w.opportunity_event(opp))
    affaire = w.affaire_of(opp)
    assert affaire is not None
    assert affaire["third_party_id"] == 7
    assert affaire["establishment_ids"] == [2]  # the trigger's establishment (ACME Paris)
    assert affaire["custom_fields"] == {"Workflow": "Ventes", "Etape": "Signature"}
    assert (affaire["name"], affaire["amount"]["value"]) == ("Four à sole", "1000.00")

    # once imported, the affaire follows: name, amount, step, status
    w.sellsy.edit(
        opp,
        step="Qualification",
        name="Four à sole 6 bouches",
        amount={"value": "1250", "currency": "EUR"},
    )
    await w.handle(w.opportunity_event(opp))
    assert affaire["custom_fields"]["Etape"] == "Qualification"
    assert (affaire["name"], affaire["amount"]["value"]) == ("Four à sole 6 bouches", "1250.00")
    w.sellsy.edit(opp, status="won")
    await w.handle(w.opportunity_event(opp))
    assert affaire["status"] == "won"


async def test_past_the_trigger_counts_and_other_pipelines_do_not(make_world: MakeWorld) -> None:
    w = await make_world()
    company = w.sellsy.add_company("Menuiserie Lefèvre")
    w.link_company(company, 7)
    past = w.sellsy.add_opportunity("Agencement", "Ventes", "Commande reçue", company_id=company)
    other = w.sellsy.add_opportunity(
        "Partenariat", "Partenariats", "Accord signé", company_id=company
    )
    await w.poll_deals()
    assert w.affaire_of(past) is not None
    assert w.affaire_of(other) is None


async def test_filter_field_must_be_ticked(make_world: MakeWorld) -> None:
    w = await make_world(opportunity_filter_field="Synchronisation Altior (opportunités)")
    company = w.sellsy.add_company("Boulangerie Dupré")
    w.link_company(company, 7)
    opp = w.sellsy.add_opportunity(
        "Four", "Ventes", "Signature", company_id=company, flag=(DEAL_FLAG, False)
    )
    await w.handle(w.opportunity_event(opp))
    assert w.affaire_of(opp) is None
    w.sellsy.opportunities[opp]["_embed"]["custom_fields"][0]["value"] = True
    await w.handle(w.opportunity_event(opp))
    assert w.affaire_of(opp) is not None


async def test_unsynced_company_comes_along_with_the_deal(make_world: MakeWorld) -> None:
    w = await make_world()
    # not flagged: the company alone would never come down
    company = w.sellsy.add_company(
        "Garage Martin", _embed={"custom_fields": [{"id": COMPANY_FLAG, "value": False}]}
    )
    opp = w.sellsy.add_opportunity("Pont élévateur", "Ventes", "Signature", company_id=company)

    await w.handle(w.opportunity_event(opp))

    affaire = w.affaire_of(opp)
    assert affaire is not None
    third_party = w.altior.third_parties[affaire["third_party_id"]]
    assert third_party["name"] == "Garage Martin"
    assert third_party["external_references"][0]["value"] == str(company)
    assert w.count("applied") == 2  # its company, then the deal


async def test_third_party_import_off_dead_letters_the_deal_with_the_reason(
    make_world: MakeWorld,
) -> None:
    w = await make_world(import_from_sellsy=False)
    company = w.sellsy.add_company("Garage Martin")
    opp = w.sellsy.add_opportunity("Pont élévateur", "Ventes", "Signature", company_id=company)
    with pytest.raises(SkippableError, match="third-party import is off"):
        await w.handle(w.opportunity_event(opp))
    assert w.altior.affaires == {} and w.altior.third_parties == {}


async def test_altior_affaire_becomes_an_opportunity_of_its_company(make_world: MakeWorld) -> None:
    w = await make_world()
    company = w.sellsy.add_company("Boulangerie Dupré")
    w.link_company(company, 7)
    plain = w.altior.add_affaire("Vitrine réfrigérée", 7)
    named = w.altior.add_affaire(
        "Accord cadre", 7, custom_fields={"Workflow": "Partenariats", "Etape": "Négociation"}
    )

    await w.handle(w.affaire_event(plain))
    await w.handle(w.affaire_event(named))

    first = w.sellsy.opportunities[w.linked_opportunity(plain) or 0]
    assert first["company_id"] == company
    assert (first["pipeline"]["name"], first["step"]["name"]) == ("Ventes", "Prospection")
    assert first["amount"]["value"] == "500.00"
    second = w.sellsy.opportunities[w.linked_opportunity(named) or 0]
    assert (second["pipeline"]["name"], second["step"]["name"]) == ("Partenariats", "Négociation")
    # the affaire knows its opportunity and where it stands
    assert w.altior.affaires[plain]["custom_fields"] == {
        "Workflow": "Ventes",
        "Etape": "Prospection",
    }
    assert w.altior.affaires[plain]["external_references"][0]["value"] == str(first["id"])


async def test_redelivered_affaire_after_a_lost_state_does_not_create_twice(
    make_world: MakeWorld,
) -> None:
    w = await make_world()
    company = w.sellsy.add_company("Boulangerie Dupré")
    w.link_company(company, 7)
    affaire = w.altior.add_affaire("Vitrine", 7)
    event = w.affaire_event(affaire)
    await w.handle(event)
    w.states.crash()  # the state written after the create was lost with a crash
    w.link_company(company, 7)
    await w.handle(event)
    assert len(w.sellsy.opportunities) == 1


async def test_quiet_after_convergence(make_world: MakeWorld) -> None:
    w = await make_world()
    company = w.sellsy.add_company("Boulangerie Dupré")
    w.link_company(company, 7)
    w.sellsy.add_opportunity("Four", "Ventes", "Signature", company_id=company)
    w.altior.add_affaire("Vitrine", 7)
    for _ in range(3):
        await w.poll_deals()
    writes = (len(w.sellsy.writes()), len(w.altior.writes()))
    for _ in range(10):
        await w.poll_deals()
    assert (len(w.sellsy.writes()), len(w.altior.writes())) == writes


async def test_exported_affaire_brings_its_third_party_along(make_world: MakeWorld) -> None:
    w = await make_world()
    w.altior.third_parties[7] = {
        "id": 7,
        "kind": "moral",
        "name": "Menuiserie Lefèvre",
        "establishment_id": 1,
        "updated_at": w.clock.tick().isoformat(),
    }
    affaire = w.altior.add_affaire("Agencement atelier", 7)

    await w.handle(w.affaire_event(affaire))

    opportunity = w.sellsy.opportunities[w.linked_opportunity(affaire) or 0]
    company = w.sellsy.companies[opportunity["company_id"]]
    assert company["name"] == "Menuiserie Lefèvre"
    assert company["reference"] == "ALTIOR-7"


async def test_third_party_export_off_dead_letters_the_affaire(make_world: MakeWorld) -> None:
    w = await make_world(export_to_sellsy=False)
    affaire = w.altior.add_affaire("Agencement atelier", 7)
    with pytest.raises(SkippableError, match="third-party export is off"):
        await w.handle(w.affaire_event(affaire))
    assert w.sellsy.opportunities == {}
