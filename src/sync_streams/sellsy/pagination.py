"""Seek pagination over Sellsy list and search calls.

Sellsy answers ``{data, pagination{limit, count, total, offset}}``.  ``offset`` is
an opaque cursor for the next page (numeric offsets stop working past 100,000
results): send it back as-is.  The listing ends when a page holds fewer records
than its limit.  With a stable order (``order``/``direction``), a record changed
while we list does not make us skip another one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from sync_streams.errors import FatalApiError
from sync_streams.sellsy.decoding import MalformedSellsyRecord, decode, decode_or_error

M = TypeVar("M", bound=BaseModel)
Cursor = str | int
FetchPage = Callable[[Cursor | None], Awaitable[Any]]


@dataclass(frozen=True)
class Page:
    """One page: raw records and the cursor of the next page."""

    data: list[Any]
    limit: int
    count: int
    total: int | None
    offset: Cursor | None

    @property
    def is_last(self) -> bool:
        return self.count < self.limit or not self.data


def _contract_error(message: str, body: Any) -> FatalApiError:
    return FatalApiError(message, system="sellsy", status=200, body=body)


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def parse_page(body: Any, *, requested_limit: int) -> Page:
    """Read the envelope.  A broken envelope is a contract problem (fatal), not a
    bad record: without it we cannot know what we missed."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise _contract_error("list answer without a data array", body)
    data: list[Any] = body["data"]
    pagination = body.get("pagination")
    if not isinstance(pagination, dict):
        raise _contract_error("list answer without pagination", body.get("pagination"))
    limit = _as_int(pagination.get("limit")) or requested_limit
    count = _as_int(pagination.get("count"))
    offset = pagination.get("offset")
    return Page(
        data=data,
        limit=limit,
        count=len(data) if count is None else count,
        total=_as_int(pagination.get("total")),
        offset=offset if isinstance(offset, str | int) and not isinstance(offset, bool) else None,
    )


async def iter_pages(
    fetch: FetchPage, *, limit: int, start: Cursor | None = None
) -> AsyncIterator[Page]:
    """Fetch pages until one is short.  ``fetch(cursor)`` returns the raw JSON body;
    ``start`` resumes from a cursor a previous listing returned."""
    cursor = start
    while True:
        page = parse_page(await fetch(cursor), requested_limit=limit)
        yield page
        if page.is_last:
            return
        if page.offset is None or page.offset == cursor:
            raise _contract_error(
                "a full page came without a new pagination.offset cursor",
                {"offset": page.offset, "previous": cursor, "count": page.count},
            )
        cursor = page.offset


async def iter_records(
    fetch: FetchPage, model: type[M], *, entity: str, limit: int
) -> AsyncIterator[M | MalformedSellsyRecord]:
    """Every record of every page, decoded; a record that does not fit comes out as
    a ``MalformedSellsyRecord`` in its place and the listing goes on."""
    async for page in iter_pages(fetch, limit=limit):
        for raw in page.data:
            yield decode_or_error(model, raw, entity=entity)


async def collect(fetch: FetchPage, model: type[M], *, entity: str, limit: int) -> list[M]:
    """All records of a short listing (pipelines, steps, definitions); raises on a
    record that does not fit, as a lookup must not silently miss one."""
    out: list[M] = []
    async for page in iter_pages(fetch, limit=limit):
        out.extend(decode(model, raw, entity=entity) for raw in page.data)
    return out
