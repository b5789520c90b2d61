"""Query strings and search bodies, built by pure functions (unit-tested without HTTP).

Sellsy reads list-valued query parameters PHP-style: ``embed[]=cf.12&embed[]=cf.13``.
Custom field values are asked for in the same list call with ``embed[]=cf.{id}``,
never one call per record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

MAX_LIMIT = 100
Direction = Literal["asc", "desc"]
Params = list[tuple[str, str | int]]


@dataclass(frozen=True)
class DateRange:
    """A search range on a timestamp filter (``updated_at``, ``updated``, ``created``...).

    Bounds must be timezone-aware.  They are sent to the second, the start rounded
    down and the end rounded up, so consecutive poll windows overlap by under a
    second instead of leaving a gap (duplicates are dropped downstream by hash).
    """

    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        for bound in (self.start, self.end):
            if bound is not None and bound.utcoffset() is None:
                raise ValueError("DateRange bounds must be timezone-aware datetimes")
        if self.start and self.end and self.start > self.end:
            raise ValueError("DateRange start is after its end")

    def as_filter(self) -> dict[str, str]:
        """``{"start": ..., "end": ...}`` as the search filters want it."""
        out: dict[str, str] = {}
        if self.start is not None:
            out["start"] = iso_seconds(self.start)
        if self.end is not None:
            out["end"] = iso_seconds(self.end, round_up=True)
        return out


def iso_seconds(moment: datetime, *, round_up: bool = False) -> str:
    """ISO 8601 with offset, whole seconds: ``2024-05-02T10:00:00+02:00``."""
    if moment.microsecond:
        moment = moment.replace(microsecond=0)
        if round_up:
            moment += timedelta(seconds=1)
    return moment.isoformat(timespec="seconds")


def check_limit(limit: int) -> int:
    """Sellsy pages hold 1 to 100 records."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    return limit


def embed_params(custom_field_ids: Iterable[int] = (), extra: Iterable[str] = ()) -> Params:
    """``embed[]`` parameters: the custom fields by id (``cf.{id}``) plus named embeds."""
    params: Params = [("embed[]", name) for name in extra]
    seen: set[int] = set()
    for field_id in custom_field_ids:
        field_id = int(field_id)
        if field_id in seen:
            continue
        seen.add(field_id)
        params.append(("embed[]", f"cf.{field_id}"))
    return params


def list_params(
    *,
    limit: int,
    order: str | None,
    direction: Direction = "asc",
    custom_field_ids: Iterable[int] = (),
) -> Params:
    """Query of a list or search call, without the cursor."""
    params: Params = [("limit", check_limit(limit))]
    if order is not None:
        params += [("order", order), ("direction", direction)]
    return params + embed_params(custom_field_ids)


def with_offset(params: Params, offset: str | int | None) -> Params:
    """``params`` plus the seek cursor of the page to fetch (none for the first page)."""
    return params if offset is None else [*params, ("offset", offset)]


def compact(filters: dict[str, object]) -> dict[str, object]:
    """Drop filters left unset (``None`` or empty), keep ``False``."""
    return {k: v for k, v in filters.items() if v is not None and v != [] and v != {}}
