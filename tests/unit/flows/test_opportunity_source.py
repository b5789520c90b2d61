"""Opportunity change capture without an "updated" filter: bounded reads, changes only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sync_streams.flows.deal_sources import OpportunitySource, sellsy_opportunities
from sync_streams.pollers.poller import BadRecord, PolledRecord
from tests.unit.flows.conftest import MakeWorld, World


async def _cycle(source: OpportunitySource, since: Any) -> list[str]:
    out: list[str] = []
    async for item in source.changed_since(since):
        assert not isinstance(item, BadRecord)
        assert isinstance(item, PolledRecord)
        out.append(item.source_id)
    return out


def _searches(w: World) -> int:
    return sum(1 for c in w.sellsy.calls if c[1] == "/opportunities/search")


async def _history(w: World) -> dict[str, int]:
    """Closed deals and deals before the trigger (never read), a few open ones past it."""
    company = w.sellsy.add_company("Boulangerie Dupré")
    ids = {}
    for index in range(250):
        w.sellsy.add_opportunity(
            f"Ancienne {index}", "Ventes", "Clôturé", company_id=company, status="won"
        )
        w.sellsy.add_opportunity(f"Piste {index}", "Ventes", "Prospection", company_id=company)
    ids["open"] = w.sellsy.add_opportunity("Four", "Ventes", "Signature", company_id=company)
    ids["early"] = w.sellsy.add_opportunity(
        "Vitrine", "Ventes", "Qualification", company_id=company
    )
    return ids


async def test_each_cycle_reads_open_watched_deals_and_a_status_window(
    make_world: MakeWorld,
) -> None:
    w = await make_world()
    ids = await _history(w)
    source = sellsy_opportunities(w.runtime)

    first = await _cycle(source, w.clock.tick())
    assert first == [str(ids["open"])]  # the 500 others are neither open past the trigger nor moved
    assert _searches(w) == 2  # one page of open watched deals, one page of the window

    # quiet cycle: nothing published, still two calls
    second = await _cycle(source, w.clock.tick())
    assert second == [] and _searches(w) == 4

    # an amount edit on the open deal (no timestamp moves) and a step move elsewhere
    before_edits = w.clock.tick()
    w.sellsy.edit(ids["open"], amount={"value": "2000.00", "currency": "EUR"})
    w.sellsy.edit(ids["early"], step="Signature")
    third = await _cycle(source, before_edits)
    assert sorted(third) == sorted([str(ids["open"]), str(ids["early"])])
    assert _searches(w) == 6


async def test_a_failed_cycle_publishes_its_changes_again(make_world: MakeWorld) -> None:
    w = await make_world()
    ids = await _history(w)
    source = sellsy_opportunities(w.runtime)
    since = w.clock.tick()
    assert await _cycle(source, since) == [str(ids["open"])]
    # the poller could not publish: its cursor did not move, the same window comes again
    assert await _cycle(source, since) == [str(ids["open"])]
    # the cursor moved: that attempt was published; nothing changed since
    assert await _cycle(source, since + timedelta(seconds=5)) == []


async def test_events_carry_the_cycle_start_so_the_cursor_moves(make_world: MakeWorld) -> None:
    w = await make_world()
    ids = await _history(w)
    source = sellsy_opportunities(w.runtime)
    stamps = [
        item.updated_at
        async for item in source.changed_since(w.clock.now)
        if isinstance(item, PolledRecord)
    ]
    assert stamps and all(s is not None for s in stamps)
    assert ids
