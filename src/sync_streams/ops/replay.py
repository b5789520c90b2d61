"""Replay: re-feed one tenant's retained change events through the pipeline.

The change topics are shared by every tenant but keyed by tenant, so a replay
reads only the tenant's partition (``partition_of``) from ``--since`` (found with
``offsets_for_times``) up to the end offsets seen at start, keeps the messages
whose key is the tenant, skips cursor markers (a replayed marker would move a
poller's cursor back), and re-publishes each change event with ``origin="replay"``
on the bulk topic (the tenant's partition), in the order they were first published
per topic: a big replay is handled beside live changes, never in front of other
tenants' ones.  The live topics of the selected systems are read, then the bulk
topic (init events; earlier replays' copies are skipped).  The
sync's state rules keep that safe: dedupe drops what was already applied, staleness
drops what is older than the last applied version.  ``force`` marks the events so
the handler re-applies them even when dedupe would drop them (a target edited by
hand); staleness still holds.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sync_streams.domain.envelope import System
from sync_streams.domain.events import ChangeEvent
from sync_streams.errors import SyncStreamsError
from sync_streams.kafka.declarations import Topology
from sync_streams.kafka.partitioning import partition_of
from sync_streams.ops.kafka_io import (
    oldest_retained,
    partitions_of,
    read_spans,
    reader,
    spans,
    writer,
)
from sync_streams.pollers.cursor import is_marker

Direction = Literal["import", "export"]
SOURCE_OF: dict[Direction, System] = {"import": "sellsy", "export": "altior"}
"""import = Sellsy -> Altior (events read in Sellsy); export = Altior -> Sellsy."""

PROGRESS_EVERY = 1000
"""Messages scanned between two progress reports."""

Skip = Literal["other_tenant", "marker", "filtered", "unreadable"]


@dataclass(frozen=True)
class ReplaySelection:
    """What to replay: one tenant, from a time, optionally one entity, one direction
    or one record (its id in the system whose events are replayed)."""

    tenant: str
    since: datetime
    entity: str | None = None
    direction: Direction | None = None
    record: str | None = None

    def systems(self) -> list[System]:
        if self.direction is not None:
            return [SOURCE_OF[self.direction]]
        return ["sellsy", "altior"]

    def classify(self, key: bytes | None, value: bytes | None) -> ChangeEvent | Skip:
        """The event to replay, or why this message is not replayed."""
        if key != self.tenant.encode("utf-8"):
            return "other_tenant"
        try:
            payload = json.loads(value or b"")
        except ValueError:
            return "unreadable"
        if is_marker(payload):
            return "marker"
        try:
            event = ChangeEvent.from_json_value(payload)
        except SyncStreamsError:
            return "unreadable"
        if event.tenant != self.tenant:
            return "other_tenant"  # a key/value mismatch is never replayed to this tenant
        if self.entity is not None and event.entity != self.entity:
            return "filtered"
        if self.record is not None and event.source_id != self.record:
            return "filtered"
        if event.system not in self.systems() or event.origin == "replay":
            return "filtered"  # the bulk topic holds both systems, and earlier replays
        return event


@dataclass
class TopicProgress:
    """Progress of the replay of one change topic (the tenant's partition)."""

    topic: str
    partition: int
    to_scan: int = 0
    scanned: int = 0
    replayed: int = 0
    markers: int = 0
    other_tenants: int = 0
    filtered: int = 0
    unreadable: int = 0
    retained_since: datetime | None = None
    """Timestamp of the oldest message retention still keeps in this partition."""
    first_offset: int = 0
    """Log start offset: above 0, retention already dropped older messages."""
    done: bool = False

    def count(self, skip: Skip) -> None:
        if skip == "marker":
            self.markers += 1
        elif skip == "other_tenant":
            self.other_tenants += 1
        elif skip == "filtered":
            self.filtered += 1
        else:
            self.unreadable += 1


@dataclass
class ReplayReport:
    selection: ReplaySelection
    topics: list[TopicProgress] = field(default_factory=list)
    dry_run: bool = False
    force: bool = False

    @property
    def replayed(self) -> int:
        return sum(t.replayed for t in self.topics)

    @property
    def scanned(self) -> int:
        return sum(t.scanned for t in self.topics)

    def beyond_retention(self) -> list[TopicProgress]:
        """Topics where retention already dropped messages newer than ``--since``."""
        since = self.selection.since
        return [
            t
            for t in self.topics
            if t.first_offset > 0 and (t.retained_since is None or t.retained_since > since)
        ]


Progress = Callable[[TopicProgress], None]


async def replay(
    broker: str,
    topology: Topology,
    selection: ReplaySelection,
    *,
    force: bool = False,
    dry_run: bool = False,
    on_progress: Progress | None = None,
    progress_every: int = PROGRESS_EVERY,
) -> ReplayReport:
    """Replay ``selection``; publish nothing when ``dry_run`` (the counts are the same)."""
    report = ReplayReport(selection, dry_run=dry_run, force=force)
    notify = on_progress or (lambda _progress: None)
    async with reader(broker) as consumer, writer(broker) as producer:
        bulk = topology.name("changes.bulk")
        live = [topology.name(f"changes.{system}") for system in selection.systems()]
        bulk_partitions = await partitions_of(consumer, bulk)
        target = bulk_partitions[partition_of(selection.tenant, len(bulk_partitions))]
        planned = []
        for topic in [*live, bulk]:  # every span ends where its topic ended at start
            partitions = await partitions_of(consumer, topic)
            tp = partitions[partition_of(selection.tenant, len(partitions))]
            progress = TopicProgress(topic, tp.partition)
            report.topics.append(progress)
            progress.first_offset, progress.retained_since = await oldest_retained(consumer, tp)
            span = (await spans(consumer, [tp], selection.since))[tp]
            progress.to_scan = span.size
            planned.append((tp, span, progress))
        for tp, span, progress in planned:
            notify(progress)
            pending: list[Awaitable[Any]] = []
            async for record in read_spans(consumer, {tp: span}):
                progress.scanned += 1
                found = selection.classify(record.key, record.value)
                if isinstance(found, ChangeEvent):
                    progress.replayed += 1
                    if not dry_run:
                        again = found.with_origin("replay", force=force)
                        pending.append(
                            await producer.send(
                                bulk,
                                again.to_bytes(),
                                key=again.kafka_key,
                                partition=target.partition,
                            )
                        )
                else:
                    progress.count(found)
                if progress.scanned % progress_every == 0:
                    await _settle(pending)
                    notify(progress)
            await _settle(pending)
            progress.done = True
            notify(progress)
    return report


async def _settle(pending: list[Awaitable[Any]]) -> None:
    """Wait until Kafka acknowledged every event sent so far."""
    for future in pending:
        await future
    pending.clear()
