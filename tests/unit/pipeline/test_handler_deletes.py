"""Hard deletes, archived records and reconciliation events in the handler.

A delete is reported, never propagated nor undone by a re-creation; an archived
record gets no new twin; a reconciliation pass costs nothing for what was synced
and counts what the polls had missed.
"""

from __future__ import annotations

from sync_streams.observability.status import worker_status
from sync_streams.pipeline.rosters import Rosters
from sync_streams.pipeline.sides import SideRecord
from sync_streams.pipeline.state import state_key
from tests.unit.pipeline.test_handler import World


def _deleted(w: World, system: str) -> float:
    return float(w.metrics.deleted_twins.labels("acme-prod", system, "thing")._value.get())


async def test_a_twin_deleted_in_sellsy_is_reported_not_recreated() -> None:
    w = World()
    await w.handler.handle(w.altior.edit("7", name="Dupré"))
    [sellsy_id] = w.sellsy.records
    del w.sellsy.records[sellsy_id]  # a user deletes the company in Sellsy

    await w.handler.handle(w.altior.edit("7", name="Dupré SA"))
    await w.handler.handle(w.altior.edit("7", name="Dupré SAS"))

    assert w.sellsy.records == {}  # not re-created
    assert w.altior.records["7"] == {"name": "Dupré SAS"}  # the survivor is left alone
    assert _deleted(w, "sellsy") == 1  # reported once, not at every change
    assert w.count("twin_deleted", "export") == 2
    await w.handler.handle(w.altior.event("7"))  # a poll's re-read of the same version
    assert w.count("twin_deleted", "export") == 2 and w.count("duplicate", "export") == 1
    state = w.tables.states.get(state_key("acme-prod", "altior", "thing", "7"))
    assert state is not None and state.deleted == "sellsy" and state.deleted_at is not None
    assert state.link() is not None  # the link stays, marked


async def test_a_deleted_twin_shows_in_the_tenants_status_problems() -> None:
    w = World()
    await w.handler.handle(w.altior.edit("7", name="Dupré"))
    w.sellsy.records.clear()
    await w.handler.handle(w.altior.edit("7", name="Dupré SA"))

    class Registry:
        def get(self, tenant: str) -> None:
            return None

        def ids(self) -> list[str]:
            return ["acme-prod"]

    report = worker_status(
        metrics=w.metrics,
        registry=Registry(),
        problems={},
        assigned={0},
        partitions=1,
        ready=True,
    )
    [tenant] = report.tenants
    assert tenant.deleted_twins == {"sellsy": 1}
    assert any("deleted in sellsy" in problem for problem in tenant.problems())


async def test_a_source_deleted_while_its_change_is_merged_is_reported() -> None:
    w = World()
    await w.handler.handle(w.sellsy.edit("1", name="Dupré", phone="01"))
    [altior_id] = w.altior.records
    w.altior.edit(altior_id, phone="02")  # Altior changed a field too: a merge back
    event = w.sellsy.edit("1", name="Dupré SA")
    del w.sellsy.records["1"]  # deleted before the merge writes back to it

    await w.handler.handle(event)

    assert _deleted(w, "sellsy") == 1 and w.sellsy.records == {}


async def test_a_record_listed_again_after_a_404_syncs_again() -> None:
    """A 404 from a flaky API must not end a pair for good: once the record shows up
    again at its own side, the mark is lifted."""
    w = World()
    await w.handler.handle(w.altior.edit("7", name="Dupré"))
    [sellsy_id] = w.sellsy.records
    kept = w.sellsy.records.pop(sellsy_id)
    await w.handler.handle(w.altior.edit("7", name="Dupré SA"))
    w.sellsy.records[sellsy_id] = kept  # it was there after all

    await w.handler.handle(w.sellsy.edit(sellsy_id, phone="01"))

    assert w.altior.records["7"]["phone"] == "01"
    state = w.tables.states.get(state_key("acme-prod", "altior", "thing", "7"))
    assert state is not None and state.deleted is None


async def test_an_archived_record_without_a_twin_is_not_created() -> None:
    w = World()
    await w.handler.handle(w.sellsy.edit("1", name="Old Co", archived=True))
    assert w.altior.records == {} and w.count("archived") == 1

    await w.handler.handle(w.sellsy.edit("1", archived=False))  # brought back to life
    assert list(w.altior.records.values()) == [{"name": "Old Co", "archived": False}]


async def test_archiving_a_synced_record_is_synced_like_any_field() -> None:
    w = World()
    await w.handler.handle(w.sellsy.edit("1", name="Co", archived=False))
    [altior_id] = w.altior.records
    await w.handler.handle(w.sellsy.edit("1", archived=True))
    assert w.altior.records[altior_id]["archived"] is True


async def test_reconciliation_rechecks_for_free_and_counts_what_polls_missed() -> None:
    w = World()
    await w.handler.handle(w.sellsy.edit("1", name="Seen"))
    w.sellsy.edit("2", name="Missed by the polls")
    writes = (w.sellsy.writes, w.altior.writes)

    for record_id in ("1", "2"):
        await w.handler.handle(w.sellsy.event(record_id).with_origin("reconcile"))

    assert w.altior.writes == writes[1] + 1  # only the missed one was written
    assert sorted(r["name"] for r in w.altior.records.values()) == ["Missed by the polls", "Seen"]
    assert w.metrics.reconcile_recovered.labels("acme-prod")._value.get() == 1


async def test_a_refused_version_is_not_retried_by_each_reconciliation_pass() -> None:
    w = World()
    event = w.sellsy.edit("1", name="Refused")
    w.handler.remember_refusal(event)
    await w.handler.handle(event.with_origin("reconcile"))
    assert w.altior.records == {} and w.count("duplicate") == 1


async def test_a_reconciliation_pass_finds_a_deleted_twin_whose_survivor_never_changes() -> None:
    w = World()
    await w.handler.handle(w.altior.edit("7", name="Quiet Co"))
    await w.handler.handle(w.altior.edit("8", name="Other Co"))
    [gone, kept] = sorted(w.sellsy.records)
    del w.sellsy.records[gone]
    reads = 0
    real_read = w.sellsy.read

    async def counting_read(record_id: str, entity: str) -> SideRecord | None:
        nonlocal reads
        reads += 1
        return await real_read(record_id, entity)

    w.sellsy.read = counting_read  # type: ignore[method-assign]
    w.handler.rosters.record("acme-prod", "sellsy", "thing", frozenset({kept}), w.clock.tick())

    for altior_id in ("7", "8"):  # the Altior pass brings both survivors, unchanged
        await w.handler.handle(w.altior.event(altior_id).with_origin("reconcile"))

    assert reads == 1  # only the twin the Sellsy pass did not list is read
    assert _deleted(w, "sellsy") == 1
    state = w.tables.states.get(state_key("acme-prod", "altior", "thing", "7"))
    assert state is not None and state.deleted == "sellsy"
    await w.handler.handle(w.altior.edit("7", name="Quiet Co v2"))
    assert w.sellsy.records.keys() == {kept}  # still not re-created


async def test_a_roster_older_than_the_link_or_a_twin_still_there_marks_nothing() -> None:
    w = World()
    rosters = Rosters()
    await w.handler.handle(w.altior.edit("7", name="New Co"))
    [sellsy_id] = w.sellsy.records
    state = w.tables.states.get(state_key("acme-prod", "altior", "thing", "7"))
    assert state is not None and state.synced_at is not None
    rosters.record("acme-prod", "sellsy", "thing", frozenset(), state.synced_at)
    assert not rosters.missing("acme-prod", "sellsy", "thing", sellsy_id, state.synced_at)
    rosters.record("acme-prod", "sellsy", "thing", frozenset(), w.clock.tick())
    assert rosters.missing("acme-prod", "sellsy", "thing", sellsy_id, state.synced_at)
    rosters.forget("acme-prod")
    assert not rosters.missing("acme-prod", "sellsy", "thing", sellsy_id, state.synced_at)

    # listed late by its API: the roster misses it, the read finds it, nothing is marked
    w.handler.rosters.record("acme-prod", "sellsy", "thing", frozenset(), w.clock.tick())
    await w.handler.handle(w.altior.event("7").with_origin("reconcile"))
    assert _deleted(w, "sellsy") == 0


async def test_a_forced_replay_of_the_survivor_re_creates_its_deleted_twin() -> None:
    w = World()
    await w.handler.handle(w.altior.edit("7", name="Dupré"))
    [old_id] = w.sellsy.records
    del w.sellsy.records[old_id]
    await w.handler.handle(w.altior.edit("7", name="Dupré SA"))  # marked, not re-created
    assert w.sellsy.records == {}

    await w.handler.handle(w.altior.event("7").with_origin("replay", force=True))

    [new_id] = w.sellsy.records
    assert new_id != old_id and w.sellsy.records[new_id] == {"name": "Dupré SA"}
    state = w.tables.states.get(state_key("acme-prod", "altior", "thing", "7"))
    assert state is not None and state.deleted is None and state.sellsy.id == new_id
    await w.handler.handle(w.altior.edit("7", name="Dupré SAS"))  # synced again
    assert w.sellsy.records[new_id] == {"name": "Dupré SAS"}
