"""Run the Altior sandbox in-process for tests: ``async with altior_sandbox() as sb``.

The server binds 127.0.0.1 on a free port; the handle wraps the ``/_admin``
surface (tenants, keys, seeding, call log, faults, quotas).  Pass the same
``db_path`` to two successive sandboxes to test persistence across restarts.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web

from sync_streams.sandboxes.altior.app import make_app
from sync_streams.sandboxes.altior.seed import load_seed


@dataclass
class AltiorSandbox:
    """A running sandbox: ``base_url`` (host root), ``api_url`` (``.../api/v1``), admin helpers."""

    base_url: str
    db_path: Path
    admin: httpx.AsyncClient
    keys: dict[str, tuple[int, int]] = field(default_factory=dict)  # api_key -> tenant, key id

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/v1"

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.admin.request(method, "/_admin" + path, **kwargs)
        if response.status_code >= 400:
            raise AssertionError(f"admin {method} {path}: {response.status_code} {response.text}")
        return response.json()

    def tenant_of(self, api_key: str) -> int:
        return self.keys[api_key][0]

    async def create_tenant(
        self, name: str, *, reference: dict[str, Any] | None = None, api_key: str | None = None
    ) -> str:
        """A new tenant (default reference data unless given); returns its API key."""
        body: dict[str, Any] = {"name": name}
        if reference is not None:
            body["reference"] = reference
        if api_key is not None:
            body["api_key"] = api_key
        created = await self._call("POST", "/tenants", json=body)
        self.keys[created["api_key"]] = (created["tenant_id"], created["key_id"])
        return str(created["api_key"])

    async def add_key(self, api_key: str) -> str:
        """A second API key for the same tenant (its calls are logged apart)."""
        created = await self._call("POST", f"/tenants/{self.tenant_of(api_key)}/api-keys")
        self.keys[created["api_key"]] = (created["tenant_id"], created["key_id"])
        return str(created["api_key"])

    async def seed(self, api_key: str, records: dict[str, Any]) -> dict[str, list[int]]:
        """Bulk-create ``{third_parties, contacts, affaires}``; returns created ids."""
        result = await self._call(
            "POST", f"/tenants/{self.tenant_of(api_key)}/records", json=records
        )
        created: dict[str, list[int]] = result["created"]
        return created

    async def add_reference(self, api_key: str, sections: dict[str, Any]) -> None:
        await self._call("POST", f"/tenants/{self.tenant_of(api_key)}/reference", json=sections)

    async def calls(self, api_key: str) -> list[dict[str, Any]]:
        """Contract calls made with this key, oldest first."""
        tenant_id, key_id = self.keys[api_key]
        result = await self._call(
            "GET", f"/tenants/{tenant_id}/calls", params={"key_id": key_id, "limit": 10_000}
        )
        items: list[dict[str, Any]] = result["items"]
        return items

    async def set_faults(self, api_key: str, **faults: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self._call(
            "PUT", f"/tenants/{self.tenant_of(api_key)}/faults", json=faults
        )
        return result

    async def set_quotas(
        self, api_key: str, *, per_second: int | None = None, per_minute: int | None = None
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self._call(
            "PUT",
            f"/tenants/{self.tenant_of(api_key)}/quotas",
            json={"per_second": per_second, "per_minute": per_minute},
        )
        return result

    async def reset(self, api_key: str) -> None:
        await self._call("POST", f"/tenants/{self.tenant_of(api_key)}/reset")


@asynccontextmanager
async def altior_sandbox(
    db_path: str | Path | None = None, seed: dict[str, Any] | None = None
) -> AsyncIterator[AltiorSandbox]:
    """Start the sandbox on 127.0.0.1:0; ``seed`` defaults to no start-up tenants."""
    with tempfile.TemporaryDirectory(prefix="altior-sandbox-") as tmp:
        path = Path(db_path) if db_path is not None else Path(tmp) / "altior.db"
        if seed is None:
            seed = {"reference": load_seed().get("reference", {})}
        runner = web.AppRunner(make_app(path, seed), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        server = getattr(site, "_server", None)
        port = server.sockets[0].getsockname()[1] if server is not None else 0
        base_url = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
                yield AltiorSandbox(base_url=base_url, db_path=path, admin=client)
        finally:
            await runner.cleanup()
