"""Fixtures: a fake Sellsy and a client factory wired to it (no network, no real sleeps)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from pydantic import SecretStr

from sync_streams.http import QuotaPacer, RetryPolicy
from sync_streams.sellsy import SellsyClient
from tests.unit.sellsy.fakes import BASE_URL, TOKEN_URL, FakeSellsy

SECRET = "s3cr3t"


class FakeTime:
    """Clock and sleep for pacing, retries and token expiry: time moves only by sleeping."""

    def __init__(self) -> None:
        self.now = 10_000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake() -> FakeSellsy:
    return FakeSellsy()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


MakeClient = Callable[..., SellsyClient]


@pytest.fixture
async def make_client(fake: FakeSellsy, fake_time: FakeTime) -> AsyncIterator[MakeClient]:
    made: list[SellsyClient] = []

    def factory(**overrides: Any) -> SellsyClient:
        options: dict[str, Any] = {
            "base_url": BASE_URL,
            "token_url": TOKEN_URL,
            "client_id": "tenant-a",
            "client_secret": SecretStr(SECRET),
            "transport": fake.transport,
            "pacer": QuotaPacer(None, None, clock=fake_time.clock, sleep=fake_time.sleep),
            "retry": RetryPolicy(attempts=3, base_delay=0.5, jitter=0.0),
            "sleep": fake_time.sleep,
            "clock": fake_time.clock,
        }
        options.update(overrides)
        client = SellsyClient(**options)
        made.append(client)
        return client

    yield factory
    for client in made:
        await client.aclose()


@pytest.fixture
def client(make_client: MakeClient) -> SellsyClient:
    return make_client()
