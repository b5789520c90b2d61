"""What the pollers and the reconciliation published, read back from the change topics.

A scenario that must tell *who* saw a record (a poll, or only the reconciliation pass)
reads every change event of its stack's topics (``changes.sellsy``, ``changes.altior``,
``changes.bulk``) and keeps, per record, the origins and the names it was seen with.
Cursor markers share these topics and are left out.  The worker's metrics are read from
its registry (in-process workers).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sync_streams.kafka.declarations import load_topology
from tests.faults.probes import dump_topics
from tests.support.stack import PARTITIONS, Stack

CHANGE_TOPICS = ("changes.sellsy", "changes.altior", "changes.bulk")


@dataclass(frozen=True)
class Sighting:
    """One change event: which record, by which origin, with which name."""

    system: str
    entity: str
    source_id: str
    origin: str
    name: str
    observed_at: str
    """ISO 8601 UTC, as the poller or the reconciliation stamped it (sorts as time)."""


@dataclass
class Sightings:
    events: list[Sighting] = field(default_factory=list)

    def of(self, system: str, source_id: int | str) -> list[Sighting]:
        return [e for e in self.events if e.system == system and e.source_id == str(source_id)]

    def seen_by(self, origin: str, system: str, source_id: int | str, name: str = "") -> bool:
        """True when an event of ``origin`` carried that record (with ``name``, if given)."""
        return any(
            e.origin == origin and (not name or e.name == name) for e in self.of(system, source_id)
        )

    def first(self, system: str, source_id: int | str, name: str) -> Sighting | None:
        """The earliest event that carried that record with ``name`` (later ones may be
        the echo of a write the sync made after it)."""
        found = [e for e in self.of(system, source_id) if e.name == name]
        return min(found, key=lambda e: e.observed_at, default=None)


def _name(snapshot: dict[str, Any]) -> str:
    name = snapshot.get("name")
    if name is None:
        name = " ".join(str(snapshot.get(k) or "") for k in ("last_name", "first_name")).strip()
    return str(name)


def _utc(text: str) -> str:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).isoformat()
    except ValueError:
        return text


def parse(messages: Iterable[bytes], tenant: str) -> list[Sighting]:
    """Sightings of ``tenant`` among raw ``key\\0value`` messages (markers skipped)."""
    found = []
    for message in messages:
        _, _, value = message.partition(b"\x00")
        try:
            event = json.loads(value)
        except ValueError:
            continue
        if not isinstance(event, dict) or event.get("tenant") != tenant or "origin" not in event:
            continue
        snapshot = event.get("snapshot") if isinstance(event.get("snapshot"), dict) else {}
        found.append(
            Sighting(
                system=str(event.get("system")),
                entity=str(event.get("entity")),
                source_id=str(event.get("source_id")),
                origin=str(event.get("origin")),
                name=_name(snapshot or {}),
                observed_at=_utc(str(event.get("observed_at") or "")),
            )
        )
    return found


async def sightings(stack: Stack, tenant: str) -> Sightings:
    topology = load_topology(prefix=stack.prefix, partitions=PARTITIONS)
    names = [topology.name(t) for t in CHANGE_TOPICS]
    dump = await dump_topics(stack.kafka_url.removeprefix("kafka://"), prefixes=names)
    messages = [m for name in names for m in dump.messages.get(name, [])]
    return Sightings(parse(messages, tenant))


def metric_total(stack: Stack, name: str, **labels: str) -> float:
    """Sum of every sample ``name`` of the in-process worker whose labels include ``labels``."""
    assert stack.runtime is not None
    total = 0.0
    for family in stack.runtime.metrics.registry.collect():
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += float(sample.value)
    return total


def metric_by(stack: Stack, name: str, by: tuple[str, ...], **labels: str) -> dict[str, float]:
    """Non-zero samples ``name`` of the in-process worker, summed by the labels ``by``
    (joined with ``/``), among those whose labels include ``labels``."""
    assert stack.runtime is not None
    found: dict[str, float] = {}
    for family in stack.runtime.metrics.registry.collect():
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                key = "/".join(sample.labels.get(b, "") for b in by)
                found[key] = found.get(key, 0.0) + float(sample.value)
    return {k: v for k, v in sorted(found.items()) if v}
