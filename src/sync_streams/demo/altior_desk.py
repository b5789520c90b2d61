"""The demo's own access to the Altior sandbox: its admin surface and the contract API.

Like :mod:`sellsy_desk`, the demo works with its own API key of the tenant (calls
logged apart from the worker's) and writes as a human user (``claire.martin`` in
the sandbox's default reference), so its edits are told apart from the sync's.
"""

from __future__ import annotations

from typing import Any

import httpx

from sync_streams.demo.sellsy_desk import SandboxCallError, check_answer

PATHS = {"third_party": "/third-parties", "contact": "/contacts", "affaire": "/affaires"}
HUMAN_USER = "claire.martin"


class AltiorDesk:
    def __init__(self, root_url: str, http: httpx.AsyncClient) -> None:
        self.root_url = root_url.rstrip("/")
        self.http = http
        self._key: str | None = None

    @property
    def api_url(self) -> str:
        return f"{self.root_url}/api/v1"

    # -- admin -----------------------------------------------------------------------------
    async def _admin(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        response = await self.http.request(
            method, f"{self.root_url}/_admin{path}", json=body, params=params or None
        )
        return check_answer(response, f"Altior sandbox {method} /_admin{path}")

    async def create_tenant(self, name: str, api_key: str) -> tuple[int, int]:
        """A tenant with the sandbox's default reference data: ``(tenant_id, key_id)``."""
        created = await self._admin("POST", "/tenants", {"name": name, "api_key": api_key})
        return int(created["tenant_id"]), int(created["key_id"])

    async def add_key(self, tenant_id: int) -> tuple[str, int]:
        created = await self._admin("POST", f"/tenants/{tenant_id}/api-keys", {})
        return str(created["api_key"]), int(created["key_id"])

    async def seed(self, tenant_id: int, document: dict[str, Any]) -> dict[str, list[int]]:
        answer = await self._admin("POST", f"/tenants/{tenant_id}/records", document)
        created: dict[str, list[int]] = answer["created"]
        return created

    async def calls(
        self, tenant_id: int, key_id: int, after_id: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        """Calls made with key ``key_id`` after ``after_id``, and the new mark."""
        rows: list[dict[str, Any]] = []
        while True:
            answer = await self._admin(
                "GET",
                f"/tenants/{tenant_id}/calls",
                key_id=key_id,
                after_id=after_id,
                limit=10_000,
            )
            page = list(answer["items"])
            rows.extend(page)
            if page:
                after_id = int(page[-1]["id"])
            if len(page) < 10_000:
                return rows, after_id

    # -- contract API with the demo's key ----------------------------------------------------
    def use_key(self, api_key: str) -> None:
        self._key = api_key

    async def api(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        if self._key is None:
            raise SandboxCallError("the demo has no Altior API key yet")
        headers = {"X-Api-Key": self._key, "X-Altior-User": HUMAN_USER}
        response = await self.http.request(
            method, f"{self.api_url}{path}", json=body, params=params or None, headers=headers
        )
        return check_answer(response, f"Altior {method} {path}")

    async def list_all(self, kind: str, **filters: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params = {**filters, "limit": 200, **({"cursor": cursor} if cursor else {})}
            page = await self.api("GET", PATHS[kind], **params)
            items.extend(page["items"])
            cursor = page.get("next_cursor")
            if not page.get("has_more"):
                return items

    async def count(self, kind: str) -> int:
        return len(await self.list_all(kind))

    async def by_sellsy_id(
        self, kind: str, sellsy_id: str, *, codification: str, key: str
    ) -> dict[str, Any] | None:
        """The record whose external reference ``codification/key`` holds ``sellsy_id``."""
        page = await self.api(
            "GET",
            PATHS[kind],
            external_codification=codification,
            external_key=key,
            external_value=sellsy_id,
            limit=1,
        )
        items: list[dict[str, Any]] = page["items"]
        return items[0] if items else None

    async def get(self, kind: str, record_id: int) -> dict[str, Any]:
        result: dict[str, Any] = await self.api("GET", f"{PATHS[kind]}/{record_id}")
        return result

    async def update(self, kind: str, record_id: int, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await self.api("PATCH", f"{PATHS[kind]}/{record_id}", body)
        return result

    async def create(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await self.api("POST", PATHS[kind], body)
        return result

    async def establishment_id(self, name: str) -> int:
        page = await self.api("GET", "/establishments", limit=200)
        for item in page["items"]:
            if item.get("name") == name:
                return int(item["id"])
        raise SandboxCallError(f"Altior establishment {name!r} not found")
