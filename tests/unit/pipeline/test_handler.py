"""The handler's orchestration over two in-memory systems (no network, no Kafka).

Each fake system stores records in common form and reports the hash its poller
would compute, so echo suppression, merges and crash recovery are exercised for
real; only the APIs are replaced.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sync_streams.domain.envelope import System
from sync_streams.domain.events import ChangeEvent
from sync_streams.domain.hashing import content_hash
from sync_streams.errors import FatalError, PreconditionFailedError
from sync_streams.observability.metrics import WorkerMetrics
from sync_streams.pipeline.handler import StageFailure, SyncHandler, Verdict
from sync_streams.pipeline.sides import (
    Announce,
    CounterpartExists,
    MissingDependency,
    SideRecord,
)
from sync_streams.pipeline.state import RecordState, link_key, state_key
from tests.unit.crashable_tables import CrashableStates

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = T0

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass
class FakeSystem:
    system: System
    clock: Clock
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: dict[str, datetime] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)  # other side id -> our id
    writes: int = 0
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    needs: dict[str, str] = field(default_factory=dict)  # field value -> link key required
    creates_uniquely: bool = False  # refuses a second counterpart, like Altior
    conditional_updates: bool = False  # refuses an update based on an old version, like Altior
    reads: int = 0
    lookups: int = 0
    announced: list[str] = field(default_factory=list)
    fail_after_create: bool = False

    def record(self, record_id: str) -> SideRecord:
        fields = self.records[record_id]
        return SideRecord(
            record_id,
            "thing",
            dict(fields),
            content_hash(fields),
            self.versions[record_id],
            dict(fields),
        )

    def edit(self, record_id: str, **changes: Any) -> ChangeEvent:
        self.records.setdefault(record_id, {}).update(changes)
        self.versions[record_id] = self.clock.tick()
        return self.event(record_id)

    def event(self, record_id: str) -> ChangeEvent:
        rec = self.record(record_id)
        return ChangeEvent(
            tenant="acme-prod",
            system=self.system,
            entity="thing",
            source_id=record_id,
            source_updated_at=rec.version,
            content_hash=rec.hash,
            snapshot=rec.fields,
            observed_at=self.clock.now,
        )

    # SideAdapter
    def view(self, event: ChangeEvent) -> SideRecord:
        return SideRecord(
            event.source_id,
            event.entity,
            dict(event.snapshot),
            event.content_hash,
            event.source_updated_at,
        )

    async def read(self, record_id: str, entity: str) -> SideRecord | None:
        self.reads += 1
        return self.record(record_id) if record_id in self.records else None

    async def find_counterpart(
        self, source: SideRecord, event: ChangeEvent, *, attempted_since: datetime | None
    ) -> SideRecord | None:
        if attempted_since is None:  # no attempt announced: nothing to search for
            return None
        self.lookups += 1
        ours = self.refs.get(source.id)
        return self.record(ours) if ours in self.records else None

    async def create(
        self, source: SideRecord, event: ChangeEvent, announce: Announce
    ) -> SideRecord:
        for value, needed in self.needs.items():
            if value in source.fields.values():
                raise MissingDependency(f"needs {needed}", waiting_for=needed)
        if self.creates_uniquely and source.id in self.refs:
            raise CounterpartExists(self.refs[source.id])
        await announce()
        self.announced.append(source.id)
        new_id = str(next(self.ids) + 100)
        self.writes += 1
        self.records[new_id] = dict(source.fields)
        self.versions[new_id] = self.clock.tick()
        self.refs[source.id] = new_id
        if self.fail_after_create:
            raise FatalError("created, then the next call failed")
        return self.record(new_id)

    async def anchor(self, record: SideRecord, counterpart_id: str) -> SideRecord:
        self.refs[counterpart_id] = record.id
        return record

    async def update(
        self, current: SideRecord, changes: dict[str, Any], event: ChangeEvent
    ) -> SideRecord:
        if self.conditional_updates and current.version != self.versions[current.id]:
            raise PreconditionFailedError("changed meanwhile", system=self.system, status=412)
        self.writes += 1
        self.records[current.id].update(changes)
        self.versions[current.id] = self.clock.tick()
        return self.record(current.id)


@dataclass
class Runtime:
    paused: bool = False
    ready: bool = True
    off: set[str] = field(default_factory=set)

    def flow_on(self, flow: str, direction: str) -> bool:
        return direction not in self.off


@dataclass
class Kind:
    sellsy: FakeSystem
    altior: FakeSystem
    kind: str = "thing"
    flow: str = "third_parties"
    blocked: set[str] = field(default_factory=set)

    def handles(self, event: ChangeEvent) -> bool:
        return event.entity == "thing"

    def adapters(self, runtime: Any) -> dict[System, Any]:
        return {"sellsy": self.sellsy, "altior": self.altior}

    def admit(self, runtime: Any, source: SideRecord, event: ChangeEvent) -> Verdict:
        flagged = source.fields.get("name") not in self.blocked
        return Verdict(flagged, "" if flagged else "not flagged")


class World:
    def __init__(self) -> None:
        self.clock = Clock()
        self.sellsy = FakeSystem("sellsy", self.clock)
        self.altior = FakeSystem("altior", self.clock)
        self.kind = Kind(self.sellsy, self.altior)
        self.runtime = Runtime()
        self.states = CrashableStates()
        self.tables = self.states.tables()
        self.metrics = WorkerMetrics()
        self.handler = SyncHandler(
            {"acme-prod": self.runtime},
            self.tables,  # type: ignore[arg-type]
            [self.kind],
            self.metrics,
            clock=lambda: self.clock.now,
        )  # type: ignore[list-item]

    async def poll_everything(self) -> None:
        """Every record of both systems re-read, as overlapping poll windows do."""
        for system in (self.sellsy, self.altior):
            for record_id in list(system.records):
                await self.handler.handle(system.event(record_id))

    def count(self, outcome: str, direction: str = "import") -> float:
        value = self.metrics.events.labels("acme-prod", direction, outcome)._value.get()
        return float(value)


async def test_create_then_quiescence_then_update_flows_back_and_forth() -> None:
    w = World()
    await w.handler.handle(w.sellsy.edit("1", name="Dupré", phone="0478"))
    [altior_id] = w.altior.records
    assert w.altior.records[altior_id] == {"name": "Dupré", "phone": "0478"}

    writes = (w.sellsy.writes, w.altior.writes)
    for _ in range(10):
        await w.poll_everything()
    assert (w.sellsy.writes, w.altior.writes) == writes  # quiescent: echoes and duplicates only

    await w.handler.handle(w.altior.edit(altior_id, phone="0612"))
    assert w.sellsy.records["1"]["phone"] == "0612"
    await w.poll_everything()
    assert (w.sellsy.writes, w.altior.writes) == (writes[0] + 1, writes[1])
    assert w.tables.links.get(link_key("acme-prod", "sellsy", "thing", "1")) is not None


@pytest.mark.parametrize("unique", [False, True], ids=["announced", "create-first"])
async def test_redelivery_after_a_crash_before_recording_does_not_create_twice(
    unique: bool,
) -> None:
    w = World()
    w.altior.creates_uniquely = unique
    event = w.sellsy.edit("1", name="Dupré")
    await w.handler.handle(event)
    assert w.altior.lookups == 0  # a first create looks nothing up
    w.states.crash()  # the state written after the create is lost with the worker
    w.sellsy.edit("1", name="Dupré-Martin")
    await w.handler.handle(w.sellsy.event("1"))
    assert len(w.altior.records) == 1
    [record] = w.altior.records.values()
    assert record == {"name": "Dupré-Martin"}  # the redelivered change merged into it
    assert w.tables.links.get(link_key("acme-prod", "sellsy", "thing", "1")) is not None
    # a target that refuses duplicates is never searched: its create finds the record;
    # elsewhere the announced attempt is looked for once
    assert w.altior.lookups == (0 if unique else 1)


async def test_a_create_is_announced_durably_before_it_is_sent_and_forgotten_once_linked() -> None:
    w = World()
    acked_at_create: list[RecordState | None] = []
    create = w.altior.create

    async def watched(source: SideRecord, event: ChangeEvent, announce: Announce) -> SideRecord:
        async def then_look() -> None:
            await announce()
            key = state_key("acme-prod", "sellsy", "thing", "1")
            raw = w.states.acked.get(key)
            acked_at_create.append(RecordState.model_validate_json(raw) if raw else None)

        return await create(source, event, then_look)

    w.altior.create = watched  # type: ignore[method-assign]
    await w.handler.handle(w.sellsy.edit("1", name="Dupré"))
    [acked] = acked_at_create
    assert acked is not None and acked.creating is not None
    assert acked.creating.system == "altior"
    state = w.tables.states.get(state_key("acme-prod", "sellsy", "thing", "1"))
    assert state is not None and state.link() is not None
    assert state.creating is None  # linked: nothing left to look for


async def test_a_create_refused_before_sending_announces_nothing() -> None:
    w = World()
    w.altior.needs = {"Dupré": "acme-prod|altior|thing|X"}  # waits for another record
    await w.handler.handle(w.sellsy.edit("1", name="Dupré"))
    assert w.altior.announced == []
    assert w.states.acked == {}
    w.altior.needs = {}
    await w.handler.handle(w.sellsy.edit("1", name="Dupré", phone="1"))
    assert w.altior.lookups == 0  # no attempt was made: nothing to search for
    assert len(w.altior.records) == 1


async def test_an_attempt_that_failed_after_its_create_is_found_by_the_next_one() -> None:
    w = World()
    w.altior.fail_after_create = True  # the write-back of the new id fails, say
    event = w.sellsy.edit("1", name="Dupré")
    with pytest.raises(FatalError):
        await w.handler.handle(event)
    assert len(w.altior.records) == 1
    w.altior.fail_after_create = False
    await w.handler.handle(event)  # a requeue of the dead letter, in the same worker
    assert len(w.altior.records) == 1
    assert w.altior.lookups == 1
    assert w.tables.links.get(link_key("acme-prod", "sellsy", "thing", "1")) is not None


async def test_both_sides_edit_different_fields_and_both_edits_survive() -> None:
    w = World()
    await w.handler.handle(w.sellsy.edit("1", name="Dupré", phone="0478", email="a@x.fr"))
    [altior_id] = w.altior.records
    s_event = w.sellsy.edit("1", phone="0699")
    a_event = w.altior.edit(altior_id, email="b@x.fr")
    await w.handler.handle(s_event)
    await w.handler.handle(a_event)
    expected = {"name": "Dupré", "phone": "0699", "email": "b@x.fr"}
    assert w.sellsy.records["1"] == expected
    assert w.altior.records[altior_id] == expected


async def test_same_field_edited_on_both_sides_goes_to_the_newer_and_counts_a_conflict() -> None:
    w = World()
    await w.handler.handle(w.sellsy.edit("1", name="Dupré"))
    [altior_id] = w.altior.records
    s_event = w.sellsy.edit("1", name="Dupré SARL")
    a_event = w.altior.edit(altior_id, name="Dupré SAS")  # newer
    await w.handler.handle(s_event)
    await w.handler.handle(a_event)
    await w.poll_everything()
    assert w.sellsy.records["1"]["name"] == w.altior.records[altior_id]["name"] == "Dupré SAS"
    conflicts = w.metrics.conflicts.labels("acme-prod", "import")._value.get()
    assert conflicts == 1


async def test_filtered_record_is_not_written_and_flagging_later_brings_it() -> None:
    w = World()
    w.kind.blocked = {"Hidden"}
    await w.handler.handle(w.sellsy.edit("1", name="Hidden"))
    assert w.altior.records == {}
    assert w.count("filtered") == 1
    await w.handler.handle(w.sellsy.edit("1", name="Shown"))
    assert [r["name"] for r in w.altior.records.values()] == ["Shown"]


async def test_flow_off_and_pause_write_nothing() -> None:
    w = World()
    w.runtime.off = {"import"}
    await w.handler.handle(w.sellsy.edit("1", name="Dupré"))
    assert w.altior.records == {}
    assert w.count("disabled") == 1
    w.runtime.off = set()
    w.runtime.paused = True
    await w.handler.handle(w.sellsy.edit("1", name="Dupré bis"))
    assert w.altior.records == {} and w.count("paused") == 1


async def test_event_waiting_for_a_dependency_is_replayed_once_it_is_linked() -> None:
    w = World()
    company_key = link_key("acme-prod", "sellsy", "thing", "9")
    w.altior.needs = {"needs-9": company_key}
    await w.handler.handle(w.sellsy.edit("2", name="Contact", company="needs-9"))
    assert w.altior.records == {} and w.count("waiting") == 1
    w.altior.needs = {}
    await w.handler.handle(w.sellsy.edit("9", name="Company"))
    names = sorted(r["name"] for r in w.altior.records.values())
    assert names == ["Company", "Contact"]


async def test_unknown_tenant_and_unknown_entity_fail_clearly() -> None:
    w = World()
    event = w.sellsy.edit("1", name="x")
    with pytest.raises(FatalError, match="not configured"):
        await SyncHandler({}, w.tables, [], w.metrics).handle(event)  # type: ignore[arg-type]
    with pytest.raises(StageFailure, match="no sync for sellsy thing"):
        await SyncHandler({"acme-prod": w.runtime}, w.tables, [], w.metrics).handle(event)  # type: ignore[arg-type, dict-item]


async def test_a_refused_version_is_not_tried_again_at_every_poll_but_a_requeue_is() -> None:
    w = World()
    event = w.sellsy.edit("1", name="Dupré")
    w.handler.remember_refusal(event)  # the router did this when the target said 422
    await w.handler.handle(event)  # the poller reads the same version again
    assert w.altior.records == {} and w.count("duplicate") == 1
    await w.handler.handle(event.with_origin("requeue"))  # an operator fixed the cause
    assert len(w.altior.records) == 1
    w.sellsy.edit("1", name="Dupré-Martin")
    await w.handler.handle(w.sellsy.event("1"))  # a new version goes through as usual
    assert list(w.altior.records.values()) == [{"name": "Dupré-Martin"}]


async def test_a_users_edit_answered_by_our_anchor_write_is_synced_not_taken_for_an_echo() -> None:
    """A restarted worker anchors a pair whose state was lost, from an old snapshot; the
    API's answer carries the rename a user made meanwhile (fault matrix, worker crash)."""
    w = World()
    await w.handler.handle(w.altior.edit("7", name="Dupré v1"))
    [sellsy_id] = w.sellsy.records
    w.states.crash()  # the crash lost the state written after the create, not the records
    stale = w.altior.event("7")  # redelivered: the snapshot of before the rename
    w.altior.edit("7", name="Dupré v2")  # the user renames it in Altior
    real_anchor = w.altior.anchor

    async def anchor_answering_the_whole_record(record: SideRecord, other: str) -> SideRecord:
        await real_anchor(record, other)
        w.altior.writes += 1
        return w.altior.record(record.id)  # as an API answers a PATCH

    w.altior.anchor = anchor_answering_the_whole_record  # type: ignore[method-assign]
    await w.handler.handle(stale)
    await w.handler.handle(w.altior.event("7"))  # the poller brings the rename
    assert w.sellsy.records[sellsy_id]["name"] == "Dupré v2"
