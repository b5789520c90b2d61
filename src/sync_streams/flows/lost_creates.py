"""Creates toward Sellsy, which has no idempotency keys: look before creating again.

Sellsy's client never resends a create whose answer was lost (a 5xx, a timeout, a
dropped connection: ``sellsy/session.py``), because Sellsy may have made the record.
``create_once`` makes the create, and before each further attempt asks ``find`` for
the record a lost attempt may have made; it creates again only when nothing is found,
within ``CREATE_RETRY``.  Then the error goes out and the event is dead-lettered (a
``dlq requeue`` runs it again).

How a lost attempt's record is recognised depends on what Sellsy can search:

* companies and individuals carry our marker ``ALTIOR-<id>`` in ``reference``, which
  ``/companies/search`` and ``/individuals/search`` filter on (exact): no doubt;
* contacts and opportunities have no field that both carries a marker and is
  searchable (``/contacts/search`` filters names, email, phones and dates;
  ``/opportunities/search`` names, dates, pipeline, step and related objects).  Their
  lookup asks for the records **created since just before the first attempt**
  (``creation_window``, ``CLOCK_MARGIN`` early for clock skew) with the name (and email)
  we sent, keeps those whose written fields all equal what we sent, and drops those the
  sync already links to another record (``first_unclaimed``).  The window is what makes
  this sound: it holds only what appeared while we were creating.  A user who typed the
  same person or deal in Sellsy within that window would see it linked instead of
  copied, which is the better of the two outcomes.

A crash can lose a create's answer too.  The handler announces every create toward
Sellsy first (``pipeline.state.CreateIntent``, acknowledged by the changelog before
the POST), and the next attempt after an announced one asks ``find_counterpart``
with the announce time: the same lookups, the window opening at that time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from sync_streams.http.retry import RetryPolicy, call_with_retries
from sync_streams.sellsy.queries import DateRange

T = TypeVar("T")

CREATE_RETRY = RetryPolicy(attempts=3, base_delay=1.0)
"""A Sellsy create that fails without an answer: tried 3 times, 1 s then 2 s apart."""

CLOCK_MARGIN = timedelta(minutes=2)
"""How early a creation window opens: Sellsy's clock and ours may differ, and its
``created`` filter works to the second."""


class Identified(Protocol):
    @property
    def id(self) -> int: ...


M = TypeVar("M", bound=Identified)


async def create_once(
    create: Callable[[], Awaitable[T]],
    find: Callable[[], Awaitable[T | None]],
    policy: RetryPolicy = CREATE_RETRY,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """``create()``; after a retriable failure, ``find()`` what it may have made and
    return that, else ``create()`` again -- at most ``policy.attempts`` tries in all.

    Only retriable errors lead to another attempt (a refusal is final); a lookup that
    fails is retried the same way, still looking before creating."""
    tried = False

    async def attempt() -> T:
        nonlocal tried
        if tried:
            found = await find()
            if found is not None:
                return found
        tried = True
        return await create()

    return await call_with_retries(attempt, policy, sleep=sleep)


def utc_now() -> datetime:
    return datetime.now(UTC)


def creation_window(since: datetime | None = None) -> DateRange:
    """Records created from ``CLOCK_MARGIN`` before ``since`` (the first attempt:
    now, or an announced attempt's ``CreateIntent.since``) on."""
    return DateRange(start=(since or utc_now()) - CLOCK_MARGIN)


def same_values(record: Any, sent: Mapping[str, Any], fields: Iterable[str]) -> bool:
    """Each of ``fields`` we sent is what ``record`` holds (text compared trimmed and
    case-insensitively, as Sellsy's exact filters do; a field we left out matches)."""
    for name in fields:
        wanted = sent.get(name)
        if wanted is None:
            continue
        held = getattr(record, name, None)
        if isinstance(wanted, str) and isinstance(held, str):
            if wanted.strip().casefold() != held.strip().casefold():
                return False
        elif wanted != held:
            return False
    return True


def first_unclaimed(
    candidates: Iterable[M], matches: Callable[[M], bool], claimed: Callable[[int], bool]
) -> M | None:
    """The oldest candidate that ``matches`` what we sent and no other record claims."""
    for record in sorted(candidates, key=lambda r: r.id):
        if matches(record) and not claimed(record.id):
            return record
    return None
