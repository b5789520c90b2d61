"""Quotes, orders and closures in Altior move the linked Sellsy opportunity.

Checked as a salesperson would see it in Sellsy: the step (and, on closure, the
status); and as ops would on the dashboard: ``sync_streams_deal_moves_total``.
"""

from __future__ import annotations

import logging

import pytest

from tests.unit.flows.conftest import MakeWorld, World


async def _imported(w: World, step: str = "Signature", pipeline: str = "Ventes") -> tuple[int, int]:
    """An opportunity already in Altior: (opportunity id, affaire id)."""
    company = w.sellsy.add_company("Boulangerie Dupré")
    w.link_company(company, 7)
    opp = w.sellsy.add_opportunity(
        "Four à sole", pipeline, "Signature" if pipeline == "Ventes" else step, company_id=company
    )
    await w.handle(w.opportunity_event(opp))
    affaire = w.affaire_of(opp)
    assert affaire is not None
    if step != "Signature" and pipeline == "Ventes":
        w.sellsy.edit(opp, step=step)
    return opp, affaire["id"]


def _step(w: World, opp: int) -> str:
    return str(w.sellsy.opportunities[opp]["step"]["name"])


async def test_quote_then_order_then_late_quote_then_closure(make_world: MakeWorld) -> None:
    w = await make_world()
    opp, affaire = await _imported(w)

    await w.handle(w.document_event("quote", w.altior.document("quote", affaire)))
    assert _step(w, opp) == "Devis envoyé"
    await w.handle(w.document_event("order", w.altior.document("order", affaire)))
    assert _step(w, opp) == "Commande reçue"

    writes = len(w.sellsy.writes())
    await w.handle(w.document_event("quote", w.altior.document("quote", affaire)))
    assert _step(w, opp) == "Commande reçue"  # never backwards
    assert len(w.sellsy.writes()) == writes
    assert w.moves("backwards") == 1

    await w.altior.close_affaire(affaire, "won")
    await w.handle(await w.closure_event(affaire))
    assert _step(w, opp) == "Clôturé"
    assert w.sellsy.opportunities[opp]["status"] == "won"
    assert w.moves("moved") == 3


async def test_moves_reach_etape_in_altior_through_the_opportunity(make_world: MakeWorld) -> None:
    w = await make_world()
    _opp, affaire = await _imported(w)
    await w.handle(w.document_event("quote", w.altior.document("quote", affaire)))
    await w.poll_deals()  # the Sellsy poller sees the move like a salesperson's
    assert w.altior.affaires[affaire]["custom_fields"]["Etape"] == "Devis envoyé"


async def test_a_quote_moves_once_whatever_is_redelivered(make_world: MakeWorld) -> None:
    w = await make_world()
    opp, affaire = await _imported(w)
    quote = w.altior.document("quote", affaire)
    event = w.document_event("quote", quote)
    await w.handle(event)
    assert _step(w, opp) == "Devis envoyé"
    w.sellsy.edit(opp, step="Qualification")  # a salesperson moves it back by hand
    writes = len(w.sellsy.writes())

    await w.handle(event)  # Kafka redelivers it
    quote["status"] = "sent"  # the quote is edited in Altior
    await w.handle(w.document_event("quote", quote))

    assert _step(w, opp) == "Qualification"
    assert len(w.sellsy.writes()) == writes
    assert w.count("duplicate", "export") == 1


async def test_replayed_from_scratch_a_quote_never_moves_back(make_world: MakeWorld) -> None:
    w = await make_world()
    opp, affaire = await _imported(w)
    quote = w.document_event("quote", w.altior.document("quote", affaire))
    await w.handle(quote)
    await w.handle(w.document_event("order", w.altior.document("order", affaire)))
    for key in [k for k in w.tables.states.backing if "quote" in k]:
        del w.tables.states.backing[key]  # the quote's record state is lost
    await w.handle(quote)
    assert _step(w, opp) == "Commande reçue"


async def test_no_rule_for_the_pipeline_moves_nothing_and_says_so_once(
    make_world: MakeWorld, caplog: pytest.LogCaptureFixture
) -> None:
    w = await make_world(
        import_triggers=[
            {"pipeline": "Ventes", "step": "Signature"},
            {"pipeline": "Partenariats", "step": "Négociation"},
        ]
    )
    opp, affaire = await _imported(w, step="Négociation", pipeline="Partenariats")
    caplog.set_level(logging.INFO)
    for _ in range(3):
        await w.handle(w.document_event("quote", w.altior.document("quote", affaire)))
    assert _step(w, opp) == "Négociation"
    assert w.moves("no_rule") == 3
    told = [r for r in caplog.records if "move nothing" in r.getMessage()]
    assert len(told) == 1 and "Partenariats" in told[0].getMessage()


async def test_document_of_an_affaire_on_its_way_waits_for_its_link(make_world: MakeWorld) -> None:
    w = await make_world()
    company = w.sellsy.add_company("Boulangerie Dupré")
    w.link_company(company, 7)
    affaire = w.altior.add_affaire("Vitrine", 7)
    await w.handle(w.document_event("quote", w.altior.document("quote", affaire)))
    assert w.count("waiting", "export") == 1

    await w.handle(w.affaire_event(affaire))  # exported: the quote is replayed
    opp = w.linked_opportunity(affaire)
    assert opp is not None
    assert _step(w, opp) == "Devis envoyé"


async def test_closure_of_an_open_affaire_only_carries_status_when_already_there(
    make_world: MakeWorld,
) -> None:
    w = await make_world()
    opp, affaire = await _imported(w, step="Clôturé")
    await w.altior.close_affaire(affaire, "lost")
    await w.handle(await w.closure_event(affaire))
    assert (_step(w, opp), w.sellsy.opportunities[opp]["status"]) == ("Clôturé", "lost")
    assert w.moves("already_there") == 1
    # reopened, then an unrelated edit: nothing more
    writes = len(w.sellsy.writes())
    await w.altior.reopen_affaire(affaire)
    await w.handle(await w.closure_event(affaire))
    assert len(w.sellsy.writes()) == writes


async def test_moves_off_with_the_deal_flow(make_world: MakeWorld) -> None:
    w = await make_world()
    opp, affaire = await _imported(w)
    w.runtime.disabled["deals"] = "deals.on_quote_created[0].step: step 'X' does not exist"
    await w.handle(w.document_event("quote", w.altior.document("quote", affaire)))
    assert _step(w, opp) == "Signature"
    assert w.count("disabled", "export") == 1
