"""How one change is written to the other side of its pair: create or merge.

The handler decides *whether* an event syncs (dedupe, flow switch, filters); this
module does the writing once it does: find or create the counterpart (a create
toward an API without idempotency keys is announced first, ``CreateIntent``), merge
the two records field by field (``pipeline.rules.resolve_conflict``), write each side
what it lacks, and report what both sides hold now (``SideSync``) for the state.

The reads it saves live here too: the record kept from the last sync where writes
are conditional, and the record an init listed for a matched pair
(``pipeline.snapshots``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sync_streams.domain.envelope import System
from sync_streams.domain.events import ChangeEvent
from sync_streams.errors import PreconditionFailedError, RetriableError
from sync_streams.pipeline.mapping import align
from sync_streams.pipeline.rules import SideView, resolve_conflict
from sync_streams.pipeline.sides import CounterpartExists, SideAdapter, SideRecord
from sync_streams.pipeline.snapshots import SnapshotCache
from sync_streams.pipeline.state import (
    RecordState,
    SideState,
    SideSync,
    attempted_since,
    intend_create,
    state_key,
)
from sync_streams.pipeline.tables import SyncTables

log = logging.getLogger(__name__)


class TwinDeleted(Exception):
    """A linked record's API answered 404: it was hard-deleted on ``system``."""

    def __init__(self, system: System, record_id: str) -> None:
        super().__init__(f"{system} record {record_id} no longer exists")
        self.system = system
        self.record_id = record_id


WRITE_ATTEMPTS = 3
"""Merges of one event against a target that keeps moving (412) before it fails."""


class PairWriter:
    """Writes one event's record to its pair (see the module docstring)."""

    def __init__(self, tables: SyncTables, clock: Callable[[], datetime]) -> None:
        self.tables = tables
        self.clock = clock
        self.snapshots = SnapshotCache()
        """Records kept from the last sync: no read before a conditional write."""

    async def _create(
        self, state: RecordState, source: SideRecord, event: ChangeEvent, target: SideAdapter
    ) -> SideRecord | Created:
        """Create ``source``'s counterpart unless the target already holds one (returned).

        The target may hold one though our state does not know it: a worker killed
        between a create and the state's changelog write.  Where the target refuses
        duplicates (``creates_uniquely``), the create itself finds out, at no extra
        call.  Elsewhere the create announces itself first (``CreateIntent``, acked by
        the changelog before anything is sent), so only an attempt that follows an
        announced one looks for what it may have made.
        """
        if target.creates_uniquely:
            try:
                return Created(await target.create(source, event, _nothing_to_announce))
            except CounterpartExists as exc:
                existing = await target.read(exc.record_id, state.entity)
                if existing is None:  # deleted between the two calls: the event is retried
                    raise RetriableError(f"counterpart {exc.record_id} vanished") from exc
                return existing
        since = attempted_since(state, target.system)
        found = await target.find_counterpart(source, event, attempted_since=since)
        if found is not None:
            return found

        async def announce() -> None:
            if since is None:
                intent = intend_create(state, target.system, self.clock())
                await self.tables.save_state_durably(intent)

        return Created(await target.create(source, event, announce))

    async def write(
        self,
        state: RecordState,
        event: ChangeEvent,
        source: SideRecord,
        source_adapter: SideAdapter,
        target_adapter: SideAdapter,
    ) -> tuple[dict[System, SideSync], bool]:
        """``_merge``, from the kept snapshot of the target when there is one; a write
        refused because the record moved on (412) is merged again from a fresh read."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                return await self._merge(
                    state, event, source, source_adapter, target_adapter, cached=attempt == 1
                )
            except PreconditionFailedError:
                if attempt == WRITE_ATTEMPTS:
                    raise
                log.info(
                    "tenant=%s %s: the target changed meanwhile; merging again",
                    event.tenant,
                    event.event_id,
                )
        raise AssertionError("unreachable")

    def _kept(self, adapter: SideAdapter, key: str, side: SideState) -> SideRecord | None:
        if not adapter.conditional_updates:
            return None
        return self.snapshots.get(key, side.synced_hash)

    def _keep(self, state: RecordState, adapter: SideAdapter, record: SideRecord) -> None:
        if adapter.conditional_updates:
            key = state_key(state.tenant, adapter.system, record.entity, record.id)
            self.snapshots.put(key, record)

    async def _merge(
        self,
        state: RecordState,
        event: ChangeEvent,
        source: SideRecord,
        source_adapter: SideAdapter,
        target_adapter: SideAdapter,
        *,
        cached: bool = False,
    ) -> tuple[dict[System, SideSync], bool]:
        source_system, target_system = source_adapter.system, target_adapter.system
        known = state.side(target_system)
        found: SideRecord | Created | None = None
        if known.id is not None:
            entity = known.entity or state.entity
            key = state_key(state.tenant, target_system, entity, known.id)
            kept = self._kept(target_adapter, key, known) if cached else None
            if kept is None and cached and state.synced_at is None:
                kept = self.snapshots.take_listed(key)  # a matched pair's first sync
            if kept is None:
                self.snapshots.drop(key)
            found = kept or await target_adapter.read(known.id, entity)
            if found is None:
                raise TwinDeleted(target_system, known.id)
        if found is None:
            found = await self._create(state, source, event, target_adapter)
        if isinstance(found, Created):
            self._keep(state, target_adapter, found.record)
            self._keep(state, source_adapter, source)
            return {
                source_system: _sync(source, written=False),
                target_system: _sync(found.record, written=True, read_hash=None),
            }, False
        current = found
        views = {
            source_system: SideView(
                # same meaning, other spelling ("01 23…" / "+33 1 23…") is no change
                fields=align(source.fields, current.fields),
                version=source.version,
                base=state.side(source_system).field_hashes,
            ),
            target_system: SideView(
                fields=current.fields, version=current.version, base=known.field_hashes
            ),
        }
        # an init (or a forced replay) makes its source the reference where both differ
        prefer: System | None = source_system if event.origin == "init" or event.force else None
        resolution = resolve_conflict(views["sellsy"], views["altior"], prefer=prefer)
        target_after, target_written = current, False
        if changes := resolution.changes_for(target_system):
            target_after = await target_adapter.update(current, changes, event)
            target_written = True
        source_after, source_written = source, False
        if changes := resolution.changes_for(source_system):
            fresh = await source_adapter.read(source.id, source.entity)
            if fresh is None:
                raise TwinDeleted(source_system, source.id)
            source_after = await source_adapter.update(fresh, changes, event)
            source_written = True
        if state.synced_at is None:
            # first sync of a pair found by lookup or SIRET matching: make sure each side
            # carries the other's id (Altior's external reference), as a create would.
            # An anchored record's snapshot may hold more than its fields say: not kept.
            anchored = await source_adapter.anchor(source_after, target_after.id)
            source_written |= anchored is not source_after
            source_after = _anchored(source_after, anchored)
            anchored = await target_adapter.anchor(target_after, source_after.id)
            target_written |= anchored is not target_after
            target_after = _anchored(target_after, anchored)
        else:
            self._keep(state, target_adapter, target_after)
            self._keep(state, source_adapter, source_after)
        return {
            source_system: _sync(source_after, written=source_written, read_hash=source.hash),
            target_system: _sync(target_after, written=target_written, read_hash=current.hash),
        }, resolution.conflict


@dataclass(frozen=True)
class Created:
    record: SideRecord


async def _nothing_to_announce() -> None:
    """The announce of a create that refuses duplicates by itself."""


def _anchored(before: SideRecord, anchored: SideRecord) -> SideRecord:
    """The record after an anchor write, as far as the sync knows it.

    The anchor writes an id only, but the API answers with the whole record, which
    may carry a user's edit made meanwhile (a worker restarting after a crash anchors
    pairs its lost state forgot, from old snapshots).  Taken as ours, that edit would
    be suppressed as an echo when its poller brings it; keeping the content and
    version we synced makes it a change to sync like any other.
    """
    if anchored is before:
        return before
    return SideRecord(
        anchored.id, anchored.entity, before.fields, before.hash, before.version, anchored.snapshot
    )


def _sync(record: SideRecord, *, written: bool, read_hash: str | None = None) -> SideSync:
    return SideSync(
        id=record.id,
        entity=record.entity,
        hash=record.hash,
        version=record.version,
        written=written,
        read_hash=read_hash if written else None,
        fields=record.fields,
    )
