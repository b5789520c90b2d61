"""Dead letters for ops: list them, requeue their original change events.

A requeue re-publishes the original event (``origin="requeue"``, same event id,
hash and version) on its change topic, keyed by its tenant, so it goes through
the whole pipeline again.  Requeuing twice is harmless (dedupe and staleness drop
the second copy), but the report says so: it counts the events already requeued
since they failed, the dead letters that were copies of one event, and those that
hold no change event at all (a message that never decoded cannot be requeued).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sync_streams.domain.events import ChangeEvent, DeadLetter
from sync_streams.errors import SyncStreamsError
from sync_streams.kafka.declarations import Topology
from sync_streams.kafka.partitioning import partition_of
from sync_streams.ops.kafka_io import partitions_of, read_spans, reader, spans, writer
from sync_streams.ops.timespec import from_millis, show


@dataclass(frozen=True)
class StoredLetter:
    """A dead letter and where it sits."""

    letter: DeadLetter
    partition: int
    offset: int


@dataclass(frozen=True)
class LetterFilter:
    tenant: str | None = None
    since: datetime | None = None
    event_id: str | None = None

    def matches(self, letter: DeadLetter) -> bool:
        if self.tenant is not None and letter.tenant != self.tenant:
            return False
        if self.since is not None and letter.failed_at < self.since:
            return False
        return self.event_id is None or letter.event_id == self.event_id


@dataclass
class LetterScan:
    letters: list[StoredLetter] = field(default_factory=list)
    scanned: int = 0
    unreadable: list[str] = field(default_factory=list)


async def read_dead_letters(broker: str, topology: Topology, wanted: LetterFilter) -> LetterScan:
    """Retained dead letters matching ``wanted``, oldest first.

    With a tenant, only its partition is read (the topic is keyed by tenant).
    """
    topic = topology.name("deadletter")
    scan = LetterScan()
    async with reader(broker) as consumer:
        partitions = await partitions_of(consumer, topic)
        if wanted.tenant is not None:
            partitions = [partitions[partition_of(wanted.tenant, len(partitions))]]
        ranges = await spans(consumer, partitions, wanted.since)
        async for record in read_spans(consumer, ranges):
            scan.scanned += 1
            try:
                letter = DeadLetter.from_bytes(record.value or b"")
            except SyncStreamsError as exc:
                scan.unreadable.append(f"{topic}[{record.partition}]@{record.offset}: {exc}")
                continue
            if wanted.matches(letter):
                scan.letters.append(StoredLetter(letter, record.partition, record.offset))
    scan.letters.sort(key=lambda stored: (stored.letter.failed_at, stored.offset))
    return scan


def latest(letters: list[StoredLetter], limit: int) -> list[StoredLetter]:
    """The ``limit`` most recent (all when ``limit`` <= 0), oldest first."""
    return letters[-limit:] if limit > 0 else list(letters)


COLUMNS = ("time", "tenant", "stage", "field", "reason", "event id")
REASON_WIDTH = 70


def _cells(letter: DeadLetter) -> tuple[str, ...]:
    reason = " ".join(letter.reason.split())
    if len(reason) > REASON_WIDTH:
        reason = reason[: REASON_WIDTH - 1] + "…"
    return (
        show(letter.failed_at),
        letter.tenant,
        letter.stage,
        letter.field or "-",
        reason,
        letter.event_id or "-",
    )


def table(letters: Iterable[DeadLetter]) -> list[str]:
    """Aligned text table (reason shortened; ``--json`` has it whole)."""
    rows = [COLUMNS, *(_cells(letter) for letter in letters)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows]  # fmt: skip


@dataclass
class RequeuePlan:
    """The distinct events to re-publish, in the order they failed, and what was left out."""

    tenant: str
    events: list[ChangeEvent] = field(default_factory=list)
    failed_at: dict[str, datetime] = field(default_factory=dict)
    """event id -> when it last failed (to tell whether it was requeued since)."""
    matched: int = 0
    copies: int = 0
    """Dead letters of an event already in the plan (it failed several times)."""
    skipped: list[str] = field(default_factory=list)
    """Why a dead letter could not be requeued, one line each."""


def plan_requeue(tenant: str, letters: Iterable[StoredLetter]) -> RequeuePlan:
    """The events of ``tenant``'s dead letters, each once; never another tenant's."""
    plan = RequeuePlan(tenant)
    for stored in letters:
        plan.matched += 1
        letter = stored.letter
        where = f"offset {stored.offset} ({show(letter.failed_at)}, stage {letter.stage})"
        try:
            event = letter.requeued_event()
        except SyncStreamsError as exc:
            plan.skipped.append(f"{where}: not a change event ({exc})")
            continue
        if event.tenant != tenant or letter.tenant != tenant:
            plan.skipped.append(f"{where}: event of another tenant, not requeued")
            continue
        if event.event_id in plan.failed_at:
            plan.copies += 1
        else:
            plan.events.append(event)
        plan.failed_at[event.event_id] = max(
            letter.failed_at, plan.failed_at.get(event.event_id, letter.failed_at)
        )
    return plan


@dataclass
class RequeueReport:
    published: Counter[str] = field(default_factory=Counter)
    """change topic -> events published (or that would be, in a dry run)."""
    requeued_before: int = 0
    """Events already requeued since they last failed (this run requeues them again)."""


async def _requeued_since(
    broker: str, topics: list[str], tenant: str, since: datetime
) -> dict[str, datetime]:
    """event id -> last time a requeue copy of it was published, per the change topics."""
    seen: dict[str, datetime] = {}
    async with reader(broker) as consumer:
        for topic in topics:
            partitions = await partitions_of(consumer, topic)
            tp = partitions[partition_of(tenant, len(partitions))]
            async for record in read_spans(consumer, await spans(consumer, [tp], since)):
                if record.key != tenant.encode("utf-8") or b'"requeue"' not in record.value:
                    continue
                try:
                    event = ChangeEvent.from_bytes(record.value)
                except SyncStreamsError:
                    continue
                if event.origin == "requeue":
                    seen[event.event_id] = from_millis(record.timestamp)
    return seen


async def requeue(
    broker: str, topology: Topology, plan: RequeuePlan, *, dry_run: bool = False
) -> RequeueReport:
    """Publish ``plan``'s events on their change topics (nothing when ``dry_run``)."""
    report = RequeueReport()
    if not plan.events:
        return report
    topics = sorted({topology.name(f"changes.{event.system}") for event in plan.events})
    earliest = min(plan.failed_at.values())
    before = await _requeued_since(broker, topics, plan.tenant, earliest)
    for event in plan.events:
        last_copy = before.get(event.event_id)
        if last_copy is not None and last_copy >= plan.failed_at[event.event_id]:
            report.requeued_before += 1
    for event in plan.events:
        report.published[topology.name(f"changes.{event.system}")] += 1
    if dry_run:
        return report
    async with writer(broker) as producer:
        counts = {topic: len(await producer.partitions_for(topic)) for topic in topics}
        futures = []
        for event in plan.events:
            topic = topology.name(f"changes.{event.system}")
            partition = partition_of(event.tenant, counts[topic])
            sent = await producer.send(
                topic, event.to_bytes(), key=event.kafka_key, partition=partition
            )
            futures.append(sent)
        for future in futures:
            await future
    return report


__all__ = [
    "LetterFilter",
    "LetterScan",
    "RequeuePlan",
    "RequeueReport",
    "StoredLetter",
    "latest",
    "plan_requeue",
    "read_dead_letters",
    "requeue",
    "table",
]
