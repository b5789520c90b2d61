"""``opportunityAll`` and the start-up checks of the deal flow."""

from __future__ import annotations

from sync_streams.domain.events import ChangeEvent
from sync_streams.flows.registry import sources_for
from sync_streams.jobs.deals import run_opportunity_all
from sync_streams.kafka.declarations import load_topology
from sync_streams.pollers.bootstrap import _wants_init
from sync_streams.pollers.poller import BadRecord
from tests.support.fakes import RecordingPublisher
from tests.unit.flows.conftest import MakeWorld, World
from tests.unit.flows.fakes import DEAL_FLAG


async def _no_bad(bad: BadRecord) -> None:
    raise AssertionError(f"unexpected unreadable record: {bad.error}")


async def _run(w: World) -> list[ChangeEvent]:
    publisher = RecordingPublisher()
    topology = load_topology(prefix="t", partitions=4)
    await run_opportunity_all(w.runtime, publisher, topology, on_bad=_no_bad)
    return [ChangeEvent.from_json_value(m.json()) for m in publisher.on("t.changes.bulk")]


async def test_imports_exactly_the_opportunities_at_or_past_a_trigger_once(
    make_world: MakeWorld,
) -> None:
    w = await make_world(
        deals_init_import_all=True, opportunity_filter_field="Synchronisation Altior (opportunités)"
    )
    company = w.sellsy.add_company("Boulangerie Dupré")
    w.link_company(company, 7)

    def opp(step: str, pipeline: str = "Ventes", flag: bool = True, status: str = "open") -> int:
        return w.sellsy.add_opportunity(
            f"{pipeline} {step}",
            pipeline,
            step,
            company_id=company,
            flag=(DEAL_FLAG, flag),
            status=status,
        )

    wanted = {opp("Signature"), opp("Commande reçue"), opp("Clôturé", status="won")}
    opp("Qualification")  # before the trigger
    opp("Signature", flag=False)  # not flagged
    opp("Accord signé", pipeline="Partenariats")  # no trigger in that pipeline

    events = await _run(w)
    assert {int(e.source_id) for e in events} == wanted
    assert all(e.origin == "init" for e in events)
    for event in events:
        await w.handle(event)
    assert len(w.altior.affaires) == 3

    for event in await _run(w):  # run twice: nothing new
        await w.handle(event)
    assert len(w.altior.affaires) == 3


async def test_does_nothing_unless_the_form_asks(make_world: MakeWorld) -> None:
    w = await make_world(deals_init_import_all=False)
    company = w.sellsy.add_company("Boulangerie Dupré")
    w.sellsy.add_opportunity("Four", "Ventes", "Signature", company_id=company)
    assert await _run(w) == []


async def test_first_start_runs_it_when_asked(make_world: MakeWorld) -> None:
    third_parties_off = {"import_from_sellsy": False, "export_to_sellsy": False}
    asked = await make_world(deals_init_import_all=True, **third_parties_off)
    assert _wants_init(asked.runtime)
    not_asked = await make_world(deals_init_import_all=False, **third_parties_off)
    assert not _wants_init(not_asked.runtime)


async def test_a_missing_step_disables_only_the_deal_flow(make_world: MakeWorld) -> None:
    w = await make_world(on_quote_created=[{"pipeline": "Ventes", "step": "Devis signé"}])

    assert set(w.runtime.disabled) == {"deals"}
    assert "deals.on_quote_created[0].step" in w.runtime.disabled["deals"]
    assert "Devis signé" in w.runtime.disabled["deals"]
    assert w.runtime.state_of("deals") == "disabled"
    assert w.runtime.state_of("third_parties") == "running"
    polled = {(s.system, s.entity) for s in sources_for(w.runtime)}
    assert ("sellsy", "company") in polled and ("altior", "third_party") in polled
    assert not polled & {("sellsy", "opportunity"), ("altior", "affaire"), ("altior", "quote")}

    company = w.sellsy.add_company("Boulangerie Dupré")
    w.link_company(company, 7)
    opp = w.sellsy.add_opportunity("Four", "Ventes", "Signature", company_id=company)
    await w.handle(w.opportunity_event(opp))
    assert w.altior.affaires == {}
    assert w.count("disabled") == 1


async def test_sources_follow_the_form(make_world: MakeWorld) -> None:
    w = await make_world(deals_export=False, on_order_created=[], on_deal_closed=[])
    polled = {(s.system, s.entity) for s in sources_for(w.runtime)}
    assert {("sellsy", "opportunity"), ("altior", "quote")} <= polled
    assert not polled & {("altior", "affaire"), ("altior", "order"), ("altior", "affaire_closure")}


async def test_an_unknown_opportunity_flag_disables_only_the_deal_flow(
    make_world: MakeWorld,
) -> None:
    w = await make_world(opportunity_filter_field="Champ inexistant")
    assert set(w.runtime.disabled) == {"deals"}
    assert "Champ inexistant" in w.runtime.disabled["deals"]
    assert w.runtime.filter_fields.company is not None  # third parties keep their flag
