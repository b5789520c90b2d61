"""What every group of endpoints shares: one session and the listing helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from sync_streams.sellsy.decoding import MalformedSellsyRecord, decode
from sync_streams.sellsy.pagination import Cursor, FetchPage, collect, iter_records
from sync_streams.sellsy.queries import (
    MAX_LIMIT,
    Direction,
    Params,
    check_limit,
    compact,
    embed_params,
    list_params,
    with_offset,
)
from sync_streams.sellsy.session import SellsySession

M = TypeVar("M", bound=BaseModel)


class EndpointGroup:
    """Mixed into ``SellsyClient``; the client sets ``_session`` and ``page_size``."""

    _session: SellsySession
    page_size: int = MAX_LIMIT

    def _limit(self, limit: int | None) -> int:
        return check_limit(self.page_size if limit is None else limit)

    def _search_fetch(self, path: str, filters: Mapping[str, object], params: Params) -> FetchPage:
        """``POST {path}`` with ``{"filters": ...}`` (unset ones dropped), a page per cursor."""
        body = {"filters": compact(dict(filters))}

        async def fetch(cursor: Cursor | None) -> Any:
            return await self._session.call(
                "POST", path, params=with_offset(params, cursor), json=body, idempotent=True
            )

        return fetch

    def _get_fetch(self, path: str, params: Params) -> FetchPage:
        async def fetch(cursor: Cursor | None) -> Any:
            return await self._session.call("GET", path, params=with_offset(params, cursor))

        return fetch

    def _search(
        self,
        path: str,
        filters: Mapping[str, object],
        model: type[M],
        *,
        entity: str,
        order: str | None,
        direction: Direction,
        custom_field_ids: Iterable[int],
        limit: int | None,
    ) -> AsyncIterator[M | MalformedSellsyRecord]:
        """Every record matching ``filters``, decoded one by one (see ``iter_records``)."""
        size = self._limit(limit)
        params = list_params(
            limit=size, order=order, direction=direction, custom_field_ids=custom_field_ids
        )
        return iter_records(
            self._search_fetch(path, filters, params), model, entity=entity, limit=size
        )

    async def _collect_search(
        self,
        path: str,
        filters: Mapping[str, object],
        model: type[M],
        *,
        entity: str,
        order: str | None = None,
        custom_field_ids: Iterable[int] = (),
    ) -> list[M]:
        """A short search read whole (lookups); a malformed record raises."""
        size = self._limit(None)
        params = list_params(limit=size, order=order, custom_field_ids=custom_field_ids)
        return await collect(
            self._search_fetch(path, filters, params), model, entity=entity, limit=size
        )

    async def _collect_get(
        self,
        path: str,
        model: type[M],
        *,
        entity: str,
        params: Sequence[tuple[str, str | int]] = (),
    ) -> list[M]:
        """A short ``GET`` listing read whole (pipelines, steps, values)."""
        size = self._limit(None)
        fetch = self._get_fetch(path, [("limit", size), *params])
        return await collect(fetch, model, entity=entity, limit=size)

    async def _one(
        self,
        method: str,
        path: str,
        model: type[M],
        *,
        entity: str,
        custom_field_ids: Iterable[int] = (),
        json: Any = None,
        idempotent: bool | None = None,
    ) -> M:
        """A call answering one record (get, create, update)."""
        body = await self._session.call(
            method, path, params=embed_params(custom_field_ids), json=json, idempotent=idempotent
        )
        return decode(model, body, entity=entity)
