"""The reconciliation pass: the safety net under the pollers' cursors.

A poll reads what changed since its cursor minus the look-back (``cursor``).  A
record committed with a timestamp older than that -- a long transaction, a replica
that lags, a clock far off -- is never listed by a poll.  Once per period, each
(tenant, system, entity) lists *all* its records and publishes them on the bulk
topic with origin ``reconcile``: the sync's dedupe drops every version it already
handled at no API call, and what the polls missed is synced like any change.

Cost per pass and entity: one list call per page (100 records) -- plus, for Sellsy
contacts, one call per contact to read its company.  The pass goes through the
tenant's quota pacer like any call, and its events wait behind the tenant's live
changes (bulk lane), so it never delays a user's edit.  Passes are scheduled on
the wall clock at a phase hashed from the key: restarts and rebalances neither skip
nor repeat them, and a worker's tenants do not all list at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sync_streams.errors import SyncStreamsError
from sync_streams.kafka.publisher import Publisher
from sync_streams.observability.metrics import WorkerMetrics
from sync_streams.pipeline.deadletters import DeadLetterSink
from sync_streams.pipeline.rosters import Rosters
from sync_streams.pollers.cadence import first_start, phase_of
from sync_streams.pollers.cursor import cursor_key
from sync_streams.pollers.poller import BadRecord, ChangeSource, PollResult, change_event

log = logging.getLogger(__name__)

RETRY_AFTER_FAILURE = 300.0
"""A failed pass is tried again this much later (never sooner than the period)."""


@dataclass
class Reconciler:
    """Periodic full listings of one (tenant, system, entity), published for dedupe."""

    tenant: str
    source: ChangeSource
    publisher: Publisher
    topic: str
    """The bulk topic: a pass is background work, behind the tenant's live changes."""
    dead_letters: DeadLetterSink
    metrics: WorkerMetrics
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    wall: Callable[[], float] = time.time
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    rosters: Rosters | None = None
    """Where a complete pass leaves the ids it listed (deleted twins are found by them)."""

    @property
    def key(self) -> str:
        return cursor_key(self.tenant, self.source.system, self.source.entity) + "|reconcile"

    async def pass_once(self) -> PollResult:
        """List every record once and publish it; returns the count published."""
        result = PollResult()
        started = self.clock()
        listed: set[str] = set()
        acks: list[Awaitable[Any]] = []
        async for item in self.source.changed_since(None):
            if isinstance(item, BadRecord):
                if isinstance(item.raw, dict) and item.raw.get("id") is not None:
                    listed.add(str(item.raw["id"]))  # malformed, but it exists
                result.bad += 1
                await self.dead_letters.send(
                    item.error, tenant=self.tenant, stage="poll", original=item.raw
                )
                continue
            event = change_event(self.tenant, self.source, item, self.clock(), "reconcile")
            acks.append(await self.publisher.send(self.topic, event.kafka_key, event.to_bytes()))
            listed.add(item.source_id)
            result.events += 1
        for ack in acks:
            await ack
        if self.rosters is not None:
            system, entity = self.source.system, self.source.entity
            self.rosters.record(self.tenant, system, entity, frozenset(listed), started)
        self.metrics.reconcile_passes.labels(
            self.tenant, self.source.system, self.source.entity
        ).inc()
        return result

    async def run(self, interval: float) -> None:
        """One pass every ``interval`` seconds of wall-clock time, at this key's phase;
        the first one at the next such moment (a first start has its initial load)."""
        due = first_start(self.wall(), interval, phase_of(self.key))
        while True:
            wait = due - self.wall()
            if wait > 0:
                await self.sleep(wait)
            try:
                result = await self.pass_once()
                log.info(
                    "reconciliation tenant=%s %s/%s: %d records re-checked",
                    self.tenant,
                    self.source.system,
                    self.source.entity,
                    result.events,
                )
                due += interval
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the next pass, or the retry, covers it
                log.warning(
                    "reconciliation failed tenant=%s %s/%s (%s); retry in %.0f s",
                    self.tenant,
                    self.source.system,
                    self.source.entity,
                    exc if isinstance(exc, SyncStreamsError) else repr(exc),
                    min(RETRY_AFTER_FAILURE, interval),
                )
                due = self.wall() + min(RETRY_AFTER_FAILURE, interval)
            while due < self.wall():  # a pass longer than the period: no catch-up
                due += interval
