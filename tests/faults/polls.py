"""Polls read back from the sandboxes' call logs, and the rules a rebalance must keep.

Two workers of one group use the same tenant credentials, so a call log cannot say which
worker made a call; time can.  A poller starts its polls at a fixed rate, so two polls of
one tenant's entity much closer than the interval mean two pollers; a gap much longer
than it means none.  Only the first page of a poller's listing counts as a poll (later
pages of the same poll follow at once).

Sellsy companies are left out: the writers look a company up by its marker
(``POST /companies/search`` with a ``reference`` filter) before creating it, and Sellsy's
call log keeps no body to tell that lookup from a poll.  A tenant's pollers all follow its
partition together, so its other four entities say who polls it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any
from urllib.parse import parse_qs

from sync_streams.kafka.partitioning import partition_of

SELLSY_LISTINGS = {
    "/individuals/search": "individual",
    "/contacts/search": "contact",
}
ALTIOR_LISTINGS = {"/third-parties": "third_party", "/contacts": "altior_contact"}


def spread_tenants(words: Sequence[str], partitions: int) -> dict[str, str]:
    """Tenant ids (``<word>-<n>``) -> word, one tenant per partition in turn, so every
    worker of the group owns some tenants (``len(words)`` may exceed ``partitions``)."""
    chosen: dict[str, str] = {}
    for index, word in enumerate(words):
        target = index % partitions
        number = 1
        while partition_of(f"{word}-{number}", partitions) != target:
            number += 1
        chosen[f"{word}-{number}"] = word
    return chosen


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def sellsy_polls(calls: Iterable[Mapping[str, Any]]) -> dict[str, list[datetime]]:
    """Entity -> start of each poll, from Sellsy's log (first pages of the individual and
    contact searches; see the module's docstring for companies)."""
    polls: dict[str, list[datetime]] = {}
    for call in calls:
        if call["method"] != "POST" or "offset" in parse_qs(str(call.get("query") or "")):
            continue
        for suffix, entity in SELLSY_LISTINGS.items():
            if str(call["path"]).endswith(suffix):
                polls.setdefault(entity, []).append(_moment(str(call["at"])))
    return {entity: sorted(times) for entity, times in polls.items()}


def altior_polls(calls: Iterable[Mapping[str, Any]]) -> dict[str, list[datetime]]:
    """Entity -> start of each poll, from Altior's log (first pages of ``updated_since``
    listings: a lookup by reference or by third party is not a poll)."""
    polls: dict[str, list[datetime]] = {}
    for call in calls:
        query = parse_qs(str(call.get("query") or ""))
        if call["method"] != "GET" or "updated_since" not in query or "cursor" in query:
            continue
        for suffix, entity in ALTIOR_LISTINGS.items():
            if str(call["path"]).endswith(suffix):
                polls.setdefault(entity, []).append(_moment(str(call["at"])))
    return {entity: sorted(times) for entity, times in polls.items()}


@dataclass(frozen=True)
class Gap:
    """Two successive polls of one tenant's entity (``seconds`` apart)."""

    tenant: str
    entity: str
    before: datetime
    after: datetime

    @property
    def seconds(self) -> float:
        return (self.after - self.before).total_seconds()

    def describe(self, origin: datetime) -> str:
        since = (self.before - origin).total_seconds()
        return f"{self.tenant} {self.entity}: polls {self.seconds:.1f} s apart at {since:.0f} s"


def double_polls(
    tenant: str, polls: Mapping[str, Sequence[datetime]], *, closer_than: float
) -> list[Gap]:
    """Successive polls closer than ``closer_than`` seconds: two pollers at once."""
    found = []
    for entity, times in polls.items():
        ordered = sorted(times)
        for before, after in pairwise(ordered):
            gap = Gap(tenant, entity, before, after)
            if gap.seconds < closer_than:
                found.append(gap)
    return found


def longest_gaps(
    tenant: str,
    polls: Mapping[str, Sequence[datetime]],
    entities: Iterable[str],
    window: tuple[datetime, datetime],
) -> list[Gap]:
    """Per entity, the longest time without a poll inside ``window`` (its edges count:
    an entity never polled in the window has one gap, the whole window)."""
    start, end = window
    gaps = []
    for entity in entities:
        inside = sorted(t for t in polls.get(entity, []) if start <= t <= end)
        edges = [start, *inside, end]
        pairs = pairwise(edges)
        gaps.append(max((Gap(tenant, entity, a, b) for a, b in pairs), key=lambda g: g.seconds))
    return gaps


def within(polls: Mapping[str, Sequence[datetime]], start: datetime) -> dict[str, list[datetime]]:
    """The polls at or after ``start`` (the initial load's listings come before it)."""
    return {entity: [t for t in times if t >= start] for entity, times in polls.items()}
