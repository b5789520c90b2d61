"""A simulated two-way sync: the rules keep both systems converging and then quiet.

Two in-memory "systems" stand for Sellsy and Altior (a clock gives each write a
version, as ``updated_at`` does).  Pollers re-read *every* record each cycle (the
worst overlap a look-back window can give) and the agent below follows the pipeline
the way the real one must: decide -> (merge with the other side's fresh read) ->
write -> record.  Whatever the edits, both systems must end equal and further poll
cycles must cause zero writes: echo suppression stops the ping-pong.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sync_streams.domain.envelope import System, other_system
from sync_streams.domain.events import ChangeEvent, Origin
from sync_streams.domain.hashing import content_hash
from sync_streams.pipeline.rules import Outcome, SideView, decide, resolve_conflict
from sync_streams.pipeline.state import (
    RecordState,
    SideSync,
    new_state,
    record_seen,
    record_sync,
    state_key,
)
from tests.unit.pipeline.factories import at

ENTITY = {"sellsy": "company", "altior": "third_party"}


class Clock:
    def __init__(self) -> None:
        self.seconds = 0

    def tick(self) -> datetime:
        self.seconds += 1
        return at(self.seconds)


class FakeSystem:
    """Records with a version stamped by the clock on every write; counts writes."""

    def __init__(self, name: System, clock: Clock) -> None:
        self.name, self.clock = name, clock
        self.records: dict[str, tuple[dict[str, Any], datetime]] = {}
        self.writes = 0

    def create(self, fields: dict[str, Any]) -> str:
        record_id = f"{self.name[0].upper()}{len(self.records) + 1}"
        self.records[record_id] = (dict(fields), self.clock.tick())
        self.writes += 1
        return record_id

    def update(self, record_id: str, changes: dict[str, Any]) -> None:
        fields, _ = self.records[record_id]
        self.records[record_id] = ({**fields, **changes}, self.clock.tick())
        self.writes += 1

    def read(self, record_id: str) -> tuple[dict[str, Any], datetime]:
        fields, version = self.records[record_id]
        return dict(fields), version

    def poll(self, tenant: str, origin: Origin = "poll") -> list[ChangeEvent]:
        observed = self.clock.tick()
        return [
            ChangeEvent.from_snapshot(
                tenant=tenant,
                system=self.name,
                entity=ENTITY[self.name],
                source_id=record_id,
                snapshot=fields,
                source_updated_at=version,
                observed_at=observed,
                origin=origin,
            )
            for record_id, (fields, version) in self.records.items()
        ]


class Agent:
    """The pipeline's state-dependent part, as the real agent must run it."""

    def __init__(self, systems: dict[System, FakeSystem], clock: Clock) -> None:
        self.systems, self.clock = systems, clock
        self.table: dict[str, RecordState] = {}
        self.outcomes: Counter[str] = Counter()
        self.conflicts = 0

    def _store(self, state: RecordState) -> None:
        for key in state.table_keys():
            self.table[key] = state

    def handle(self, event: ChangeEvent) -> None:
        key = state_key(event.tenant, event.system, event.entity, event.source_id)
        state = self.table.get(key)
        decision = decide(event, state)
        self.outcomes[decision.outcome.value] += 1
        if decision.outcome is Outcome.ECHO and state is not None:
            self._store(record_seen(state, event))
        if not decision.proceed:
            return
        state = state or new_state(event, "third_party")
        source, target = event.system, other_system(event.system)
        fields = dict(event.snapshot)
        target_id = state.side(target).id
        if target_id is None:
            new_id = self.systems[target].create(fields)
            written, version = self.systems[target].read(new_id)
            sides = {
                source: SideSync(
                    id=event.source_id,
                    entity=event.entity,
                    hash=event.content_hash,
                    version=event.version,
                    fields=fields,
                ),
                target: SideSync(
                    id=new_id,
                    entity=ENTITY[target],
                    hash=content_hash(written),
                    version=version,
                    written=True,
                    fields=written,
                ),
            }
        else:
            current, current_version = self.systems[target].read(target_id)
            views = {
                source: SideView(
                    fields=fields, version=event.version, base=state.side(source).field_hashes
                ),
                target: SideView(
                    fields=current, version=current_version, base=state.side(target).field_hashes
                ),
            }
            resolution = resolve_conflict(views["sellsy"], views["altior"])
            self.conflicts += resolution.conflict
            sides = {}
            for system, record_id, before, before_version, before_hash in (
                (source, event.source_id, fields, event.version, event.content_hash),
                (target, target_id, current, current_version, content_hash(current)),
            ):
                changes = resolution.changes_for(system)
                if changes:
                    self.systems[system].update(record_id, changes)
                    after, after_version = self.systems[system].read(record_id)
                    sides[system] = SideSync(
                        id=record_id,
                        entity=ENTITY[system],
                        hash=content_hash(after),
                        version=after_version,
                        written=True,
                        read_hash=before_hash,
                        fields=after,
                    )
                else:
                    sides[system] = SideSync(
                        id=record_id,
                        entity=ENTITY[system],
                        hash=before_hash,
                        version=before_version,
                        fields=before,
                    )
        self._store(record_sync(state, event, sides, self.clock.tick()))


class World:
    def __init__(self) -> None:
        self.clock = Clock()
        self.sellsy = FakeSystem("sellsy", self.clock)
        self.altior = FakeSystem("altior", self.clock)
        self.agent = Agent({"sellsy": self.sellsy, "altior": self.altior}, self.clock)
        self.history: list[ChangeEvent] = []

    def cycle(self, *, altior_first: bool = False) -> None:
        """Both pollers read everything, then the agent handles the batch in order."""
        first, second = (self.altior, self.sellsy) if altior_first else (self.sellsy, self.altior)
        batch = first.poll("acme") + second.poll("acme")
        self.history.extend(batch)
        for event in batch:
            self.agent.handle(event)

    def writes(self) -> int:
        return self.sellsy.writes + self.altior.writes

    def converge(self, cycles: int = 4) -> None:
        for _ in range(cycles):
            self.cycle()

    def pair(self) -> tuple[dict[str, Any], dict[str, Any]]:
        ((s_fields, _),) = self.sellsy.records.values()
        ((a_fields, _),) = self.altior.records.values()
        return s_fields, a_fields


COMPANY = {"name": "Boulangerie Hélène", "email": "contact@helene.fr", "phone": "01 23 45 67 89"}


def test_a_new_sellsy_company_reaches_altior_and_then_everything_is_quiet() -> None:
    world = World()
    world.sellsy.create(COMPANY)
    world.converge()
    sellsy, altior = world.pair()
    assert sellsy == altior == COMPANY
    assert len(world.altior.records) == 1  # created once, whatever the redeliveries
    writes = world.writes()
    for _ in range(10):
        world.cycle()
    assert world.writes() == writes  # quiescence: ten cycles, zero writes
    assert world.agent.outcomes["echo"] >= 1
    assert world.agent.outcomes["duplicate"] >= 10


def test_edits_on_both_sides_to_different_fields_both_survive() -> None:
    world = World()
    world.sellsy.create(COMPANY)
    world.converge()
    world.sellsy.update("S1", {"email": "commandes@helene.fr"})
    world.altior.update("A1", {"phone": "+33 1 99 99 99 99"})
    world.converge()
    sellsy, altior = world.pair()
    assert sellsy == altior
    assert sellsy["email"] == "commandes@helene.fr"
    assert sellsy["phone"] == "+33 1 99 99 99 99"
    assert world.agent.conflicts == 0
    writes = world.writes()
    world.converge(10)
    assert world.writes() == writes


def test_same_field_edited_on_both_sides_newest_wins_and_is_counted() -> None:
    for altior_first in (False, True):
        world = World()
        world.sellsy.create(COMPANY)
        world.converge()
        world.sellsy.update("S1", {"name": "Boulangerie Hélène & Fils"})
        world.altior.update("A1", {"name": "BOULANGERIE HELENE"})  # later: it wins
        world.cycle(altior_first=altior_first)
        world.converge()
        sellsy, altior = world.pair()
        assert sellsy == altior
        assert sellsy["name"] == "BOULANGERIE HELENE"
        assert world.agent.conflicts == 1  # found by the fresh read, whichever comes first
        writes = world.writes()
        world.converge(10)
        assert world.writes() == writes


def test_replaying_the_whole_history_changes_nothing() -> None:
    world = World()
    world.sellsy.create(COMPANY)
    world.converge()
    world.sellsy.update("S1", {"email": "commandes@helene.fr"})
    world.converge()
    world.altior.update("A1", {"name": "Boulangerie Hélène SAS"})
    world.converge()
    final = world.pair()
    writes = world.writes()
    for old in list(world.history):
        world.agent.handle(old.with_origin("replay"))
    assert world.writes() == writes
    assert world.pair() == final
    assert final[0]["name"] == "Boulangerie Hélène SAS"
    assert final[0]["email"] == "commandes@helene.fr"


def test_a_change_from_altior_travels_to_sellsy() -> None:
    world = World()
    world.altior.create(COMPANY)
    world.converge()
    world.altior.update("A1", {"email": "compta@helene.fr"})
    world.converge()
    sellsy, altior = world.pair()
    assert sellsy == altior and sellsy["email"] == "compta@helene.fr"
    assert len(world.sellsy.records) == 1
