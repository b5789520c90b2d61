"""The Sellsy client against the Sellsy sandbox over real HTTP (in-process server,
free port), every exchange checked against the official spec."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from sync_streams.http import QuotaPacer, RetryPolicy
from sync_streams.sellsy import SellsyClient
from tests.support.sellsy_sandbox import SandboxHandle, running_sellsy_sandbox
from tests.unit.sellsy.spec_shim import SpecCheckingTransport


@dataclass
class Account:
    client_id: str
    client_secret: str
    account_id: int


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[SandboxHandle]:
    async with running_sellsy_sandbox(tmp_path / "sellsy.db") as handle:
        yield handle


@pytest.fixture
async def account(sandbox: SandboxHandle) -> Account:
    """A fresh account with its defaults (custom fields, pipelines), quotas off."""
    client_id, secret, account_id = await sandbox.create_account(per_second=0, per_minute=0)
    return Account(client_id, secret, account_id)


MakeClient = Callable[..., SellsyClient]


@pytest.fixture
async def make_client(sandbox: SandboxHandle) -> AsyncIterator[MakeClient]:
    made: list[SellsyClient] = []

    def factory(account: Account, **overrides: Any) -> SellsyClient:
        options: dict[str, Any] = {
            "base_url": sandbox.base_url,
            "token_url": sandbox.token_url,
            "client_id": account.client_id,
            "client_secret": SecretStr(account.client_secret),
            "transport": SpecCheckingTransport(),
            "pacer": QuotaPacer(None),
            "retry": RetryPolicy(attempts=3, base_delay=0.05),
        }
        options.update(overrides)
        client = SellsyClient(**options)
        made.append(client)
        return client

    yield factory
    for client in made:
        await client.aclose()


@pytest.fixture
def client(make_client: MakeClient, account: Account) -> SellsyClient:
    return make_client(account)
