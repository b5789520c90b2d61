"""Fixtures: an in-process Sellsy sandbox and a spec-checked API client on one account."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.sellsy_sandbox import SandboxHandle, running_sellsy_sandbox


@dataclass
class Account:
    client_id: str
    client_secret: str
    account_id: int
    token: str
    api: httpx.AsyncClient


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[SandboxHandle]:
    async with running_sellsy_sandbox(tmp_path / "sellsy.db") as handle:
        yield handle


@pytest.fixture
async def account(sandbox: SandboxHandle) -> AsyncIterator[Account]:
    """An account whose quotas are off (tests of quotas switch them on)."""
    client_id, secret, account_id = await sandbox.create_account("Compte A", per_second=0)
    token = await sandbox.token(client_id, secret)
    async with sandbox.api_client(token) as api:
        yield Account(client_id, secret, account_id, token, api)
