"""Fakes for Altior client unit tests: a virtual clock and spec-valid records."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from sync_streams.altior import AltiorClient
from sync_streams.http import QuotaPacer, RetryPolicy

API_KEY = "altk_unit-test-secret"
BASE = "https://altior.example.fr"
STAMP = "2024-05-02T09:15:00.000123Z"


@dataclass
class VirtualClock:
    """Time that passes only when someone sleeps: no test waits for real."""

    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def third_party(record_id: int = 1, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": record_id,
        "kind": "moral",
        "name": f"Société {record_id}",
        "first_name": None,
        "last_name": None,
        "civility": None,
        "siret": None,
        "establishment_id": 1,
        "created_by": 3,
        "updated_by": 3,
        "emails": [],
        "phones": [],
        "urls": [],
        "custom_fields": {},
        "external_references": [],
        "archived": False,
        "created_at": STAMP,
        "updated_at": STAMP,
    }
    record.update(overrides)
    return record


def affaire(record_id: int = 7, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": record_id,
        "reference": f"AFF-2024-{record_id:05d}",
        "name": "Agencement",
        "third_party_id": 1,
        "establishment_ids": [1],
        "amount": {"value": "1200.00", "currency": "EUR"},
        "status": "open",
        "closed_at": None,
        "custom_fields": {},
        "external_references": [],
        "created_by": 3,
        "updated_by": 3,
        "created_at": STAMP,
        "updated_at": STAMP,
    }
    record.update(overrides)
    return record


def page(
    items: list[Any], next_cursor: str | None = None, has_more: bool = False
) -> httpx.Response:
    return httpx.Response(
        200, json={"items": items, "next_cursor": next_cursor, "has_more": has_more}
    )


def error(
    status: int,
    code: str,
    message: str = "refusé",
    field: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> httpx.Response:
    body: dict[str, Any] = {"code": code, "message": message, "field": field, **extra}
    return httpx.Response(status, json={"error": body}, headers=headers)


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


@pytest.fixture
def vclock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def make_client(vclock: VirtualClock) -> Callable[..., AltiorClient]:
    """``make_client(handler_or_transport, **kwargs)``: a client on a mock transport."""

    def build(handler: Any, **kwargs: Any) -> AltiorClient:
        transport = (
            handler
            if isinstance(handler, httpx.AsyncBaseTransport)
            else (httpx.MockTransport(handler))
        )
        kwargs.setdefault("user_login", "sync.sellsy")
        kwargs.setdefault("pacer", QuotaPacer(None, clock=vclock.clock, sleep=vclock.sleep))
        kwargs.setdefault("retry", RetryPolicy(attempts=4, base_delay=0.1, jitter=0.0))
        return AltiorClient(
            BASE, SecretStr(API_KEY), transport=transport, sleep=vclock.sleep, **kwargs
        )

    return build
