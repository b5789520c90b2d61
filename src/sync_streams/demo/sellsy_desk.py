"""The demo's own access to the Sellsy sandbox: its admin surface and the API.

The demo acts as a person at a desk: it creates the account, seeds it, edits
records through the API like a salesperson would, and reads the call log.  Its API
calls use a second API client of the account, so the worker's calls (by the
tenant's client id) are counted apart.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

SEGMENTS = {
    "company": "companies",
    "individual": "individuals",
    "contact": "contacts",
    "opportunity": "opportunities",
}


class SandboxCallError(RuntimeError):
    """A sandbox answered an error to one of the demo's own calls."""


def check_answer(response: httpx.Response, what: str) -> Any:
    if response.status_code >= 400:
        raise SandboxCallError(f"{what} -> HTTP {response.status_code}: {response.text[:300]}")
    return response.json() if response.content else None


class SellsyDesk:
    """Admin calls (no auth) and API calls as the demo's own API client."""

    def __init__(self, root_url: str, http: httpx.AsyncClient) -> None:
        self.root_url = root_url.rstrip("/")
        self.http = http
        self._credentials: tuple[str, str] | None = None
        self._token: str | None = None

    @property
    def api_url(self) -> str:
        return f"{self.root_url}/v2"

    @property
    def token_url(self) -> str:
        return f"{self.root_url}/oauth2/access-tokens"

    # -- admin -----------------------------------------------------------------------------
    async def _admin(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        response = await self.http.request(
            method, f"{self.root_url}/_admin{path}", json=body, params=params or None
        )
        return check_answer(response, f"Sellsy sandbox {method} /_admin{path}")

    async def create_account(self, name: str, client_id: str, client_secret: str) -> int:
        body = {"name": name, "client_id": client_id, "client_secret": client_secret}
        created = await self._admin("POST", "/accounts", body)
        return int(created["account_id"])

    async def create_client(self, account_id: int, name: str) -> tuple[str, str]:
        created = await self._admin("POST", f"/accounts/{account_id}/clients", {"name": name})
        return str(created["client_id"]), str(created["client_secret"])

    async def seed(self, account_id: int, document: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await self._admin("POST", f"/accounts/{account_id}/seed", document)
        return result

    async def calls(
        self, account_id: int, client_id: str, since: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        """Calls made with ``client_id`` after sequence number ``since``, and the new mark."""
        answer = await self._admin(
            "GET", "/calls", account_id=account_id, client_id=client_id, since=since, limit=10_000
        )
        return list(answer["calls"]), int(answer["last_seq"])

    # -- API as the demo's client ----------------------------------------------------------
    async def login(self, client_id: str, client_secret: str) -> None:
        self._credentials = (client_id, client_secret)
        await self._renew()

    async def _renew(self) -> None:
        if self._credentials is None:
            raise SandboxCallError("the demo has no Sellsy API client yet")
        client_id, secret = self._credentials
        response = await self.http.post(
            self.token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
            },
        )
        self._token = str(check_answer(response, "Sellsy token")["access_token"])

    async def api(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        """One API call; renews the token once on 401 and waits out a 429 (shared quota)."""
        if self._token is None:
            await self._renew()
        for attempt in range(30):  # the worker's polls share the account's quota
            response = await self.http.request(
                method,
                f"{self.api_url}{path}",
                json=body,
                params=params or None,
                headers={"Authorization": f"Bearer {self._token}"},
            )
            if response.status_code == 401 and attempt == 0:
                await self._renew()
                continue
            if response.status_code == 429:
                await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
                continue
            return check_answer(response, f"Sellsy {method} {path}")
        raise SandboxCallError(f"Sellsy {method} {path}: still rate limited")

    async def custom_field_id(self, name: str) -> int:
        answer = await self.api("GET", "/custom-fields", limit=100)
        for definition in answer["data"]:
            if definition.get("name") == name:
                return int(definition["id"])
        raise SandboxCallError(f"Sellsy custom field {name!r} not found")

    async def steps(self, pipeline: str) -> tuple[int, dict[str, int]]:
        """``(pipeline id, {step name: step id})`` of the pipeline named ``pipeline``."""
        answer = await self.api("GET", "/opportunities/pipelines", limit=100)
        for item in answer["data"]:
            if item.get("name") == pipeline:
                pipeline_id = int(item["id"])
                steps = await self.api(
                    "GET", f"/opportunities/pipelines/{pipeline_id}/steps", limit=100
                )
                return pipeline_id, {s["name"]: int(s["id"]) for s in steps["data"]}
        raise SandboxCallError(f"Sellsy pipeline {pipeline!r} not found")

    async def count(self, kind: str) -> int:
        answer = await self.api("GET", f"/{SEGMENTS[kind]}", limit=1)
        return int(answer["pagination"]["total"])

    async def list_all(self, kind: str) -> list[dict[str, Any]]:
        """Every record of ``kind``, following Sellsy's seek cursor (``offset``)."""
        items: list[dict[str, Any]] = []
        offset: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 100, **({"offset": offset} if offset else {})}
            page = await self.api("GET", f"/{SEGMENTS[kind]}", **params)
            items.extend(page["data"])
            if page["pagination"]["count"] < 100:
                return items
            offset = str(page["pagination"]["offset"])

    async def newest(self, kind: str, limit: int = 20) -> list[dict[str, Any]]:
        """The most recently created records of ``kind`` (highest ids first)."""
        answer = await self.api(
            "GET", f"/{SEGMENTS[kind]}", limit=limit, order="id", direction="desc"
        )
        return list(answer["data"])

    async def get(self, kind: str, record_id: int) -> dict[str, Any]:
        result: dict[str, Any] = await self.api("GET", f"/{SEGMENTS[kind]}/{record_id}")
        return result

    async def update(self, kind: str, record_id: int, body: dict[str, Any]) -> None:
        await self.api("PUT", f"/{SEGMENTS[kind]}/{record_id}", body)

    async def create(self, kind: str, body: dict[str, Any]) -> int:
        created = await self.api("POST", f"/{SEGMENTS[kind]}", body)
        return int(created["id"])

    async def set_flag(self, kind: str, record_id: int, field_id: int, value: bool) -> None:
        await self.api(
            "PUT",
            f"/{SEGMENTS[kind]}/{record_id}/custom-fields",
            [{"id": field_id, "value": value}],
        )
