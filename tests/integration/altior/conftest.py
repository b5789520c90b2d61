"""Real HTTP against an in-process Altior sandbox; every exchange is spec-checked."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from sync_streams.altior import AltiorClient
from sync_streams.http import QuotaPacer, RetryPolicy
from tests.support.altior_sandbox import AltiorSandbox, altior_sandbox
from tests.support.altior_spec import SpecCheckingTransport


@pytest.fixture
async def sandbox() -> AsyncIterator[AltiorSandbox]:
    async with altior_sandbox() as running:
        yield running


@pytest.fixture
async def api_key(sandbox: AltiorSandbox) -> str:
    return await sandbox.create_tenant("acme")


@pytest.fixture
async def client_for(
    sandbox: AltiorSandbox,
) -> AsyncIterator[Callable[..., AltiorClient]]:
    """``client_for(api_key, **kwargs)``: a client whose traffic is checked against the
    contract; divergences fail the test at teardown."""
    transports: list[SpecCheckingTransport] = []
    clients: list[AltiorClient] = []

    def build(key: str, **kwargs: Any) -> AltiorClient:
        transport = SpecCheckingTransport(httpx.AsyncHTTPTransport())
        transports.append(transport)
        kwargs.setdefault("user_login", "sync.sellsy")
        kwargs.setdefault("pacer", QuotaPacer(None))
        kwargs.setdefault("retry", RetryPolicy(attempts=4, base_delay=0.01, jitter=0.0))
        client = AltiorClient(sandbox.base_url, SecretStr(key), transport=transport, **kwargs)
        clients.append(client)
        return client

    yield build
    for client in clients:
        await client.aclose()
    problems = [p for t in transports for p in t.problems]
    assert problems == [], "\n\n".join(problems)


@pytest.fixture
async def client(api_key: str, client_for: Callable[..., AltiorClient]) -> AltiorClient:
    return client_for(api_key)
