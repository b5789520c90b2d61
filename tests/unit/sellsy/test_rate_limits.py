"""Quota pacing from the response headers, 429 backoff, bounded retries, counters."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from sync_streams.errors import RateLimitedError
from sync_streams.http import QuotaPacer, RetryPolicy
from tests.unit.sellsy.conftest import FakeTime, MakeClient
from tests.unit.sellsy.fakes import FakeSellsy, company, sellsy_error


@pytest.fixture(autouse=True)
def company_route(fake: FakeSellsy) -> None:
    fake.route("GET", r"/companies/\d+", httpx.Response(200, json=company(1)))


def too_many(retry_after: str | None) -> httpx.Response:
    response = sellsy_error(429, "Quota de requêtes dépassé", "quota")
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return response


def answers(fake: FakeSellsy, *responses: httpx.Response) -> None:
    """Answer the company GET with ``responses`` in turn, then the company."""
    queue = list(responses)
    fake.route(
        "GET",
        r"/companies/\d+",
        lambda request: queue.pop(0) if queue else httpx.Response(200, json=company(1)),
    )


async def test_quota_headers_are_read_on_every_response(
    fake: FakeSellsy, make_client: MakeClient
) -> None:
    fake.quota_headers = {"X-Quota-Remaining-By-Second": "3", "X-Quota-Remaining-By-Minute": "97"}
    client = make_client()
    await client.get_company(1)
    assert client.stats.quota_remaining_by_second == 3
    assert client.stats.quota_remaining_by_minute == 97
    assert client.stats.calls == 1


async def test_an_exhausted_second_makes_the_next_call_wait(
    fake: FakeSellsy, make_client: MakeClient, fake_time: FakeTime
) -> None:
    fake.quota_headers = {"X-Quota-Remaining-By-Second": "0", "X-Quota-Remaining-By-Minute": "90"}
    client = make_client()
    await client.get_company(1)
    assert fake_time.sleeps == []
    await client.get_company(1)
    assert fake_time.sleeps == [1.0]
    assert client.stats.rate_limited == 0


async def test_local_pacing_spreads_a_burst(
    fake: FakeSellsy, make_client: MakeClient, fake_time: FakeTime
) -> None:
    pacer = QuotaPacer(per_second=2, clock=fake_time.clock, sleep=fake_time.sleep)
    client = make_client(pacer=pacer)
    start = fake_time.now
    await asyncio.gather(*(client.get_company(1) for _ in range(6)))
    assert fake_time.now - start == 2.0  # 6 calls at 2/s: two one-second waits
    assert len(fake.api_requests) == 6


async def test_clients_of_one_account_share_its_pacer_other_accounts_do_not_wait(
    fake: FakeSellsy, make_client: MakeClient, fake_time: FakeTime
) -> None:
    shared = QuotaPacer(per_second=1, clock=fake_time.clock, sleep=fake_time.sleep)
    tenant_a = make_client(pacer=shared)
    tenant_b = make_client(pacer=shared)
    other_account = make_client()
    await tenant_a.get_company(1)
    await other_account.get_company(1)
    assert fake_time.sleeps == []
    await tenant_b.get_company(1)
    assert fake_time.sleeps == [1.0]


async def test_429_pauses_the_account_for_retry_after_then_succeeds(
    fake: FakeSellsy, make_client: MakeClient, fake_time: FakeTime
) -> None:
    answers(fake, too_many("3"))
    pacer = QuotaPacer(None, clock=fake_time.clock, sleep=fake_time.sleep)
    client = make_client(pacer=pacer)
    start = fake_time.now
    found = await client.get_company(1)
    assert found.id == 1
    assert fake_time.sleeps == [3.0]
    assert pacer.paused_until == start + 3.0
    assert (client.stats.rate_limited, client.stats.retries, client.stats.calls) == (1, 1, 2)


async def test_429_without_retry_after_backs_off(
    fake: FakeSellsy, make_client: MakeClient, fake_time: FakeTime
) -> None:
    answers(fake, too_many(None), too_many(None))
    client = make_client(retry=RetryPolicy(attempts=3, base_delay=0.5, jitter=0.0))
    await client.get_company(1)
    # each 429 pauses the account 1 s; the retry backs off 0.5 s then 1 s, and the
    # first retry waits the rest of the pause (0.5 s) in the pacer.
    assert fake_time.sleeps == [0.5, 0.5, 1.0]
    assert client.stats.rate_limited == 2


async def test_retries_are_bounded(fake: FakeSellsy, make_client: MakeClient) -> None:
    answers(fake, *(too_many("1") for _ in range(10)))
    client = make_client(retry=RetryPolicy(attempts=3, base_delay=0.1, jitter=0.0))
    with pytest.raises(RateLimitedError) as caught:
        await client.get_company(1)
    assert caught.value.retriable
    assert caught.value.retry_after == 1.0
    assert len(fake.api_requests) == 3
