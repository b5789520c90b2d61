"""Cursor pagination: pages in order, cursor handed back, malformed records isolated."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

from sync_streams.altior import AltiorClient, MalformedAltiorRecord
from sync_streams.errors import FatalApiError
from tests.unit.altior.conftest import page, third_party

Factory = Callable[..., AltiorClient]


async def test_pages_follow_next_cursor_until_has_more_is_false(make_client: Factory) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        cursor = request.url.params.get("cursor")
        if cursor is None:
            return page([third_party(1), third_party(2)], "c2", has_more=True)
        if cursor == "c2":
            return page([third_party(3)], "c3", has_more=False)
        raise AssertionError(f"unexpected cursor {cursor}")

    async with make_client(handler) as client:
        pages = [p async for p in client.third_party_pages(limit=2)]
    assert [[tp.id for tp in p.items] for p in pages] == [[1, 2], [3]]
    assert pages[-1].next_cursor == "c3"  # kept to resume later
    assert [r.url.params.get("limit") for r in seen] == ["2", "2"]
    assert seen[0].url.path == "/api/v1/third-parties"


async def test_resume_and_updated_since_are_sent_as_rfc3339_utc(make_client: Factory) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return page([], request.url.params.get("cursor"))

    since = datetime(2024, 5, 2, 11, 15, tzinfo=timezone(timedelta(hours=2)))
    async with make_client(handler) as client:
        pages = [
            p
            async for p in client.contact_pages(
                updated_since=since, cursor="abc", third_party_id=4, linked=True
            )
        ]
    params = seen[0].url.params
    assert params["updated_since"] == "2024-05-02T09:15:00.000000Z"
    assert params["cursor"] == "abc"
    assert params["third_party_id"] == "4" and params["linked"] == "true"
    assert pages[0].items == [] and pages[0].next_cursor == "abc"


async def test_malformed_record_is_isolated_and_the_rest_of_the_page_kept(
    make_client: Factory,
) -> None:
    bad = third_party(2, updated_at="yesterday")
    async with make_client(lambda r: page([third_party(1), bad, third_party(3)], "c")) as client:
        pages = [p async for p in client.third_party_pages()]
        assert client.stats.malformed_records == 1
    only = pages[0]
    assert [tp.id for tp in only.items] == [1, 3]
    [error] = only.errors
    assert isinstance(error, MalformedAltiorRecord)
    assert error.field == "updated_at"
    assert error.record_id == 2 and error.index == 1 and error.payload == bad


async def test_unknown_fields_and_enum_values_are_tolerated(make_client: Factory) -> None:
    odd = third_party(
        5,
        kind="association",
        loyalty_tier="gold",
        phones=[{"type": "Standard", "value": "01 02 03 04 05", "primary": True}],
    )
    async with make_client(lambda r: page([odd], "c")) as client:
        [only] = [p async for p in client.third_party_pages()]
    [tp] = only.items
    assert tp.kind == "association"
    assert tp.model_extra == {"loyalty_tier": "gold"}
    assert tp.main_channel("phones", "Standard") == "01 02 03 04 05"


@pytest.mark.parametrize(
    "body",
    [
        {"data": []},
        {"items": [], "next_cursor": None},
        {"items": [], "next_cursor": 3, "has_more": False},
    ],
)
async def test_broken_envelope_is_a_fatal_contract_error(
    make_client: Factory, body: object
) -> None:
    async with make_client(lambda r: httpx.Response(200, json=body)) as client:
        with pytest.raises(FatalApiError):
            [p async for p in client.affaire_pages()]


async def test_has_more_without_a_new_cursor_stops_instead_of_looping(
    make_client: Factory,
) -> None:
    async with make_client(lambda r: page([third_party(1)], "same", has_more=True)) as client:
        with pytest.raises(FatalApiError, match="next_cursor"):
            [p async for p in client.third_party_pages(cursor="same")]


async def test_page_size_is_bounded_by_the_contract(make_client: Factory) -> None:
    async with make_client(lambda r: page([])) as client:
        with pytest.raises(ValueError, match="200"):
            [p async for p in client.quote_pages(limit=500)]
    with pytest.raises(ValueError):
        make_client(lambda r: page([]), page_size=0)


async def test_lookup_by_external_reference_sends_codification_key_and_value(
    make_client: Factory,
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        ref = {"codification": "EXTERNAL", "key": "SELLSY", "name": "Sellsy", "value": "48213"}
        return page([third_party(9, external_references=[ref])], "c")

    async with make_client(handler) as client:
        found = await client.find_third_party_by_external_reference("48213")
    assert found is not None and found.external_value() == "48213"
    params = seen[0].url.params
    assert (params["external_codification"], params["external_key"], params["external_value"]) == (
        "EXTERNAL",
        "SELLSY",
        "48213",
    )


async def test_lookup_refuses_to_guess_when_a_record_does_not_decode(
    make_client: Factory,
) -> None:
    async with make_client(lambda r: page([{"id": "x"}], "c")) as client:
        with pytest.raises(MalformedAltiorRecord):
            await client.find_third_parties_by_siret("732 829 320 00074")


async def test_naive_datetimes_are_taken_as_utc(make_client: Factory) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return page([])

    async with make_client(handler) as client:
        [p async for p in client.order_pages(updated_since=datetime(2024, 1, 1, 8, 0))]
        [p async for p in client.order_pages(updated_since=datetime(2024, 1, 1, 8, 0, tzinfo=UTC))]
    assert seen[0].url.params["updated_since"] == seen[1].url.params["updated_since"]
