"""Import triggers and the moves Altior quotes, orders and closures ask for."""

from __future__ import annotations

from typing import Any

import pytest

from sync_streams.config.deals import DealsSettings
from sync_streams.pipeline.mapping import (
    is_backwards,
    plan_move,
    target_step,
    trigger_for,
    trigger_reached,
)

from .samples import CATALOG

DEALS = DealsSettings.model_validate(
    {
        "export_to_sellsy": True,
        "import_from_sellsy": True,
        "opportunity_filter_field": None,
        "pipeline_field": "Workflow",
        "step_field": "Etape",
        "import_triggers": [
            {"pipeline": "Ventes", "step": "Proposition", "establishments": ["Lyon"]},
            {"pipeline": "Maintenance", "step": "Devis envoyé"},
        ],
        "on_quote_created": [{"pipeline": "Ventes", "step": "Proposition"}],
        "on_order_created": [{"pipeline": "Ventes", "step": "Signé"}],
        "on_deal_closed": [{"pipeline": "Ventes", "step": "Signé"}],
    }
)


def opp(pipeline: str | None, step: str | None) -> dict[str, Any]:
    return {"name": "Four", "pipeline": pipeline, "step": step}


def test_trigger_matches_names_without_case_or_accents() -> None:
    trigger = trigger_for(opp("VENTES", "proposition"), DEALS)
    assert trigger is not None
    assert trigger.establishments == ("Lyon",)
    assert trigger_for(opp("maintenance", "Devis envoye"), DEALS) is not None
    assert trigger_for(opp("Ventes", "Découverte"), DEALS) is None
    assert trigger_for(opp(None, None), DEALS) is None


def test_trigger_reached_counts_steps_past_the_trigger() -> None:
    assert trigger_reached(opp("Ventes", "Négociation"), DEALS, CATALOG) is not None
    assert trigger_reached(opp("Ventes", "Signé"), DEALS, CATALOG) is not None
    assert trigger_reached(opp("Ventes", "Découverte"), DEALS, CATALOG) is None
    assert trigger_reached(opp("Ventes", "Inconnue"), DEALS, CATALOG) is None
    assert trigger_reached(opp("Autre", "Signé"), DEALS, CATALOG) is None


@pytest.mark.parametrize(
    ("kind", "pipeline", "expected"),
    [
        ("quote", "Ventes", "Proposition"),
        ("order", "ventes", "Signé"),
        ("closed", "VENTES", "Signé"),
        ("quote", "Maintenance", None),
        ("order", None, None),
    ],
)
def test_target_step(kind: Any, pipeline: str | None, expected: str | None) -> None:
    assert target_step(kind, pipeline, DEALS) == expected


def test_is_backwards() -> None:
    assert is_backwards(3, 2)
    assert not is_backwards(2, 3)
    assert not is_backwards(2, 2)


def test_quote_then_order_then_late_quote() -> None:
    at_discovery = opp("Ventes", "Découverte")
    move = plan_move("quote", at_discovery, DEALS, CATALOG)
    assert (move.move, move.step, move.outcome) == (True, "Proposition", "move")
    signed = opp("Ventes", "Signé")
    late_quote = plan_move("quote", signed, DEALS, CATALOG)
    assert (late_quote.move, late_quote.outcome) == (False, "backwards")
    assert "rank" in late_quote.reason


def test_moves_that_do_nothing() -> None:
    assert plan_move("order", opp("Ventes", "signe"), DEALS, CATALOG).outcome == "already_there"
    no_rule = plan_move("quote", opp("Maintenance", "Demande"), DEALS, CATALOG)
    assert (no_rule.move, no_rule.outcome) == (False, "no_rule")
    assert "Maintenance" in no_rule.reason
    odd = DealsSettings.model_validate(
        {**DEALS.model_dump(), "on_quote_created": [{"pipeline": "Ventes", "step": "Absente"}]}
    )
    assert plan_move("quote", opp("Ventes", "Découverte"), odd, CATALOG).outcome == "unknown_step"


def test_a_move_from_an_unknown_current_step_goes_ahead() -> None:
    move = plan_move("order", opp("Ventes", "Étape supprimée"), DEALS, CATALOG)
    assert (move.move, move.step) == (True, "Signé")
