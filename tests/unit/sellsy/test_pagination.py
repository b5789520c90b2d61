"""Seek pagination: opaque cursor sent back as-is, stop on a short page, never loop."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from sync_streams.errors import FatalApiError
from sync_streams.sellsy import SellsyClient
from sync_streams.sellsy.models import Company
from sync_streams.sellsy.pagination import iter_pages, parse_page
from tests.unit.sellsy.conftest import MakeClient
from tests.unit.sellsy.fakes import FakeSellsy, company, page


def cursor_after(record_id: int) -> str:
    """An opaque cursor like Sellsy's (base64 of the last sort key)."""
    return base64.b64encode(json.dumps([record_id]).encode()).decode()


def serve_companies(fake: FakeSellsy, total: int) -> None:
    """``/companies/search`` over ``total`` companies ordered by id, seek-paginated."""

    def search(request: httpx.Request) -> httpx.Response:
        limit = int(request.url.params["limit"])
        raw = request.url.params.get("offset")
        after = json.loads(base64.b64decode(raw))[0] if raw else 0
        ids = [i for i in range(1, total + 1) if i > after][:limit]
        last = ids[-1] if ids else after
        return page([company(i) for i in ids], limit=limit, total=total, offset=cursor_after(last))

    fake.route("POST", "/companies/search", search)


async def all_companies(client: SellsyClient, **kwargs: Any) -> list[Company]:
    out = []
    async for item in client.iter_companies(**kwargs):
        assert isinstance(item, Company)
        out.append(item)
    return out


async def test_listing_reads_every_page_to_the_end(fake: FakeSellsy, client: SellsyClient) -> None:
    serve_companies(fake, total=250)
    companies = await all_companies(client)
    assert [c.id for c in companies] == list(range(1, 251))
    calls = fake.api_requests
    assert len(calls) == 3
    offsets = [r.url.params.get("offset") for r in calls]
    assert offsets == [None, cursor_after(100), cursor_after(200)]
    assert all(r.url.params["limit"] == "100" for r in calls)


async def test_an_exactly_full_last_page_costs_one_more_call(
    fake: FakeSellsy, client: SellsyClient
) -> None:
    serve_companies(fake, total=200)
    companies = await all_companies(client)
    assert len(companies) == 200
    assert len(fake.api_requests) == 3


async def test_listing_asks_a_stable_order(fake: FakeSellsy, client: SellsyClient) -> None:
    serve_companies(fake, total=3)
    await all_companies(client, order="updated_at", direction="asc")
    params = fake.api_requests[0].url.params
    assert (params["order"], params["direction"]) == ("updated_at", "asc")


async def test_page_size_is_configurable_up_to_100(
    fake: FakeSellsy, make_client: MakeClient
) -> None:
    serve_companies(fake, total=25)
    client = make_client(page_size=10)
    assert len(await all_companies(client)) == 25
    assert len(fake.api_requests) == 3
    with pytest.raises(ValueError, match="limit"):
        make_client(page_size=101)
    with pytest.raises(ValueError, match="limit"):
        client.iter_companies(limit=0)


async def test_a_full_page_without_a_new_cursor_stops_with_a_contract_error(
    fake: FakeSellsy, client: SellsyClient
) -> None:
    stuck = page([company(i) for i in range(1, 101)], limit=100, total=500, offset="same")
    fake.route("POST", "/companies/search", stuck)
    with pytest.raises(FatalApiError, match="cursor"):
        await all_companies(client)
    assert len(fake.api_requests) == 2


async def test_a_server_smaller_limit_is_followed_not_mistaken_for_the_end() -> None:
    bodies = [
        {"data": [{"id": i} for i in range(50)], "pagination": {"limit": 50, "count": 50,
                                                                  "total": 60, "offset": "c1"}},
        {"data": [{"id": i} for i in range(10)], "pagination": {"limit": 50, "count": 10,
                                                                  "total": 60, "offset": "c2"}},
    ]  # fmt: skip
    cursors: list[object] = []

    async def fetch(cursor: str | int | None) -> object:
        cursors.append(cursor)
        return bodies[len(cursors) - 1]

    pages = [p async for p in iter_pages(fetch, limit=100)]
    assert [len(p.data) for p in pages] == [50, 10]
    assert cursors == [None, "c1"]


@pytest.mark.parametrize(
    "body",
    [
        {"pagination": {"limit": 1, "count": 0, "total": 0, "offset": 0}},
        {"data": {"id": 1}, "pagination": {}},
        {"data": []},
        ["not", "an", "envelope"],
    ],
)
def test_a_broken_envelope_is_a_contract_error(body: object) -> None:
    with pytest.raises(FatalApiError):
        parse_page(body, requested_limit=100)


def test_numeric_offsets_are_kept_as_given() -> None:
    parsed = parse_page(
        {"data": [], "pagination": {"limit": 25, "count": 0, "total": 0, "offset": 25}},
        requested_limit=25,
    )
    assert parsed.offset == 25
    assert parsed.is_last
