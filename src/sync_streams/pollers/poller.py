"""One poll loop: one tenant, one system, one entity.

Each cycle reads what changed since the cursor (minus the look-back), publishes
one snapshot event per record, waits for Kafka to acknowledge them all, then
publishes a cursor marker behind them.  A record the API returns in a shape we
cannot read is dead-lettered with the reason; the rest of the page goes on.
A failing cycle keeps its cursor and the loop backs off; other pollers run on.
Cycles start at a fixed rate, each poller at its own phase (``cadence``).
A cycle that found nothing sends no marker unless the last one is ``idle_marker_every``
old: markers all go through the one sync agent, and at 200 tenants polling every 5 s
one per cycle (200 a second) was more than it could take (docs/performance.md, P1).
While the tenant's own calls keep its quota toward the API in steady full use (they
waited for it a fifth of the last interval: a backfill, not a burst), a due poll is put
off by one interval, at most ``MAX_DEFERRALS`` times in a row: each listing would take
a slot from a waiting write and mostly read that backfill's echoes
(docs/performance.md, P3).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sync_streams.domain.envelope import System
from sync_streams.domain.events import ChangeEvent, Origin
from sync_streams.errors import MalformedRecordError, SyncStreamsError
from sync_streams.kafka.publisher import Publisher
from sync_streams.observability.metrics import WorkerMetrics
from sync_streams.pipeline.deadletters import DeadLetterSink
from sync_streams.pollers.cadence import first_start, next_start, phase_of
from sync_streams.pollers.cursor import (
    CursorMarker,
    advance,
    cursor_key,
    next_cursor,
)

log = logging.getLogger(__name__)

MAX_DEFERRALS = 2
"""Polls put off in a row while the quota is in full use: a saturated tenant's changes
are read at least every ``MAX_DEFERRALS + 1`` intervals."""

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class PolledRecord:
    """A record as read from an API, before it becomes a change event."""

    source_id: str
    updated_at: datetime | None
    snapshot: dict[str, Any]
    content_hash: str


@dataclass(frozen=True)
class BadRecord:
    """A record the source could not read: dead-lettered, never silently dropped."""

    error: MalformedRecordError
    raw: Any


class ChangeSource(Protocol):
    system: System
    entity: str

    def changed_since(self, since: datetime | None) -> AsyncIterator[PolledRecord | BadRecord]:
        """Records updated at or after ``since`` (all of them when None), in a stable order."""


def change_event(
    tenant: str, source: ChangeSource, item: PolledRecord, observed_at: datetime, origin: Origin
) -> ChangeEvent:
    """The change event a poll or a reconciliation pass publishes for ``item``."""
    return ChangeEvent(
        tenant=tenant,
        system=source.system,
        entity=source.entity,
        source_id=item.source_id,
        source_updated_at=item.updated_at,
        content_hash=item.content_hash,
        snapshot=item.snapshot,
        observed_at=observed_at,
        origin=origin,
    )


@dataclass
class PollResult:
    events: int = 0
    bad: int = 0
    cursor: datetime | None = None


@dataclass
class Poller:
    tenant: str
    source: ChangeSource
    publisher: Publisher
    topic: str
    read_cursor: Callable[[str], datetime | None]
    dead_letters: DeadLetterSink
    metrics: WorkerMetrics
    lookback: timedelta = timedelta(seconds=30)
    clock: Clock = field(default=lambda: datetime.now(UTC))
    start_from: datetime | None = None
    """First cursor when none is stored (set by the tenant's first-start init)."""
    idle_marker_every: timedelta = timedelta(seconds=60)
    """How far the cursor may run ahead of the stored one on empty polls; a restart
    re-reads at most this much more (dedupe drops the copies)."""
    monotonic: Callable[[], float] = time.monotonic
    """The schedule's clock (``clock`` stamps data; this one only times polls)."""
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    quota_saturated: Callable[[float], bool] | None = None
    """``QuotaPacer.saturated`` of the client this poller lists with (None: never defer)."""
    _sent_cursor: datetime | None = None
    _idle_cursor: datetime | None = None

    @property
    def key(self) -> str:
        return cursor_key(self.tenant, self.source.system, self.source.entity)

    def current_cursor(self) -> datetime | None:
        """The newest of the stored cursor and the last marker this poller sent.

        A marker sent is already behind acknowledged events, so polling from it
        is safe even before the agent has stored it; so is the cursor of a poll that
        found nothing (there is nothing for a marker to be behind).
        """
        stored = self.read_cursor(self.key)
        return advance(stored, [self._sent_cursor, self._idle_cursor])

    async def poll_once(self) -> PollResult:
        started = self.clock()
        cursor = self.current_cursor()
        since = cursor
        if cursor is None:
            # First poll: live sync starts when the initial load started (or now, when
            # there was none); history is the init job's.
            first = self.start_from if self.start_from is not None else started
            return await self._send_marker(first - self.lookback, PollResult(), started)
        result = PollResult()
        acks: list[Awaitable[Any]] = []
        async for item in self.source.changed_since(since):
            if isinstance(item, BadRecord):
                result.bad += 1
                await self.dead_letters.send(
                    item.error, tenant=self.tenant, stage="poll", original=item.raw
                )
                continue
            event = change_event(self.tenant, self.source, item, self.clock(), "poll")
            acks.append(await self.publisher.send(self.topic, event.kafka_key, event.to_bytes()))
            result.events += 1
        for ack in acks:
            await ack
        self.metrics.polled.labels(*self._labels).inc(result.events)
        after = next_cursor(cursor, started, self.lookback)
        if result.events == 0 and result.bad == 0 and self._marker_can_wait(after):
            self._idle_cursor = after
            return self._succeeded(after, result)
        return await self._send_marker(after, result, started)

    def _marker_can_wait(self, cursor: datetime) -> bool:
        sent = self._sent_cursor
        return sent is not None and cursor - sent < self.idle_marker_every

    async def _send_marker(
        self, cursor: datetime | None, result: PollResult, started: datetime
    ) -> PollResult:
        if cursor is not None:
            marker = CursorMarker(
                tenant=self.tenant,
                system=self.source.system,
                entity=self.source.entity,
                cursor=cursor,
                polled_at=started,
                events=result.events,
            )
            await (await self.publisher.send(self.topic, marker.kafka_key, marker.to_bytes()))
            self._sent_cursor = cursor
        return self._succeeded(cursor, result)

    def _succeeded(self, cursor: datetime | None, result: PollResult) -> PollResult:
        result.cursor = cursor
        self.metrics.poller_last_success.labels(*self._labels).set(self.clock().timestamp())
        return result

    @property
    def _labels(self) -> tuple[str, str, str]:
        return self.tenant, self.source.system, self.source.entity

    def _should_defer(self, deferred: int, interval: float) -> bool:
        """The quota was in full use over the last interval, and this poll was not put
        off ``MAX_DEFERRALS`` times already."""
        saturated = self.quota_saturated
        return saturated is not None and deferred < MAX_DEFERRALS and saturated(interval)

    async def run(self, interval: float, *, max_backoff: float = 300.0) -> None:
        """Poll forever, one poll started every ``interval`` seconds (fixed rate, at this
        poller's phase; an overrunning poll is followed at once, without catch-up
        bursts); back off after failures."""
        # the failures series exists at 0 from the start, so rate() sees the first one
        self.metrics.poller_failures.labels(*self._labels)
        self.metrics.polls_deferred.labels(*self._labels)
        failures = deferred = 0
        due = first_start(self.monotonic(), interval, phase_of(self.key))
        while True:
            wait = due - self.monotonic()
            if wait > 0:
                await self.sleep(wait)
            if self._should_defer(deferred, interval):
                deferred += 1
                due += interval
                self.metrics.polls_deferred.labels(*self._labels).inc()
                continue
            deferred = 0
            started = self.monotonic()
            try:
                await self.poll_once()
                failures = 0
                due = next_start(started, interval, self.monotonic())
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # one poller's failure must not stop the worker
                failures += 1
                delay = min(interval * 2**failures, max_backoff)
                self.metrics.poller_failures.labels(*self._labels).inc()
                log.warning(
                    "poll failed tenant=%s %s/%s (%s); retry in %.0f s",
                    self.tenant,
                    self.source.system,
                    self.source.entity,
                    exc if isinstance(exc, SyncStreamsError) else repr(exc),
                    delay,
                )
                due = self.monotonic() + delay
