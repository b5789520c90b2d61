"""Every API client of a worker shares one TLS context, and it verifies certificates."""

from __future__ import annotations

import ssl
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from sync_streams.altior import AltiorClient
from sync_streams.config.loader import load_tenant
from sync_streams.config.tenant import TenantConfig
from sync_streams.http.tls import shared_ssl_context
from sync_streams.runtime.registry import TenantRegistry
from sync_streams.sellsy import SellsyClient
from tests.support.ops import EXAMPLE


def _config(tenant: str, client_id: str) -> TenantConfig:
    base = load_tenant(EXAMPLE, resolve_secrets=False)
    return base.model_copy(
        update={
            "tenant": tenant,
            "sellsy": base.sellsy.model_copy(update={"client_id": client_id}),
        }
    )


def _ssl_context_of(client: Any) -> ssl.SSLContext:
    """The context the client's real (httpcore) connection pool will use for HTTPS."""
    http: httpx.AsyncClient = client._session._http
    pool = http._transport._pool  # type: ignore[attr-defined]
    context: ssl.SSLContext = pool._ssl_context
    return context


async def test_clients_of_two_tenants_share_one_verifying_tls_context() -> None:
    registry = TenantRegistry()
    first = registry.add(_config("acme-prod", "client-a"))
    second = registry.add(_config("globex-prod", "client-b"))
    try:
        contexts = {
            id(_ssl_context_of(client))
            for client in (first.sellsy, first.altior, second.sellsy, second.altior)
        }
        assert contexts == {id(shared_ssl_context())}
        context = shared_ssl_context()
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname is True
        assert context.get_ca_certs() or context.cert_store_stats()["x509_ca"] > 0
    finally:
        await registry.aclose()


async def test_an_injected_transport_is_still_used() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json={"data": [], "pagination": {"total": 0}})

    client = AltiorClient(
        "https://altior.example/api/v1",
        SecretStr("k" * 24),
        transport=httpx.MockTransport(answer),
    )
    try:
        await client._session.call("GET", "/third-parties")
    finally:
        await client.aclose()
    assert seen == ["/api/v1/third-parties"]


def test_ssl_cert_file_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CA bundle ops point SSL_CERT_FILE at is the one loaded (as httpx does)."""
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/ca-bundle.pem")
    shared_ssl_context.cache_clear()
    try:
        with pytest.raises(FileNotFoundError):
            shared_ssl_context()
    finally:
        monkeypatch.delenv("SSL_CERT_FILE")
        shared_ssl_context.cache_clear()
    assert shared_ssl_context().verify_mode == ssl.CERT_REQUIRED


def test_sellsy_client_made_alone_uses_the_shared_context() -> None:
    client = SellsyClient(client_id="c", client_secret=SecretStr("s" * 24))
    assert _ssl_context_of(client) is shared_ssl_context()
