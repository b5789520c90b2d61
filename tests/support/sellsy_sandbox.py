"""Run the Sellsy sandbox for a test: in-process (fast) or as a real subprocess.

In-process::

    async with running_sellsy_sandbox(tmp_path / "sellsy.db") as sandbox:
        client_id, client_secret, account_id = await sandbox.create_account()
        token = await sandbox.token(client_id, client_secret)
        async with sandbox.api_client(token) as api:       # every exchange spec-checked
            response = await api.post("/companies/search", json={"filters": {}})

As ``sync-streams sandbox sellsy`` in a subprocess (restarts, signals)::

    async with running_sellsy_sandbox_process(db_path) as sandbox: ...

The handle only talks HTTP (``/_admin`` for setup), so it works the same way
against both.  ``base_url`` ends with ``/v2`` like Sellsy's API base URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from sync_streams.sandboxes.sellsy.server import SandboxServer
from tests.support.sellsy_spec import spec_event_hooks


class AdminError(AssertionError):
    """An admin call failed (the sandbox's error body is in the message)."""


@dataclass
class SandboxHandle:
    """URLs of one running sandbox and async helpers over its admin surface."""

    root_url: str
    admin: httpx.AsyncClient = field(repr=False)

    @property
    def base_url(self) -> str:
        """The API base, like ``https://api.sellsy.com/v2``."""
        return f"{self.root_url}/v2"

    @property
    def token_url(self) -> str:
        """Like ``https://login.sellsy.com/oauth2/access-tokens``."""
        return f"{self.root_url}/oauth2/access-tokens"

    @property
    def admin_url(self) -> str:
        return f"{self.root_url}/_admin"

    async def _call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        response = await self.admin.request(method, path, json=body, params=query)
        if response.status_code >= 400:
            raise AdminError(f"{method} {path} -> {response.status_code}: {response.text}")
        return response.json()

    async def create_account(
        self,
        name: str = "Compte test",
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        per_second: int | None = None,
        per_minute: int | None = None,
        token_lifetime: int | None = None,
        seed_defaults: bool = True,
    ) -> tuple[str, str, int]:
        """A new account with one API client: ``(client_id, client_secret, account_id)``.

        Quotas default to Sellsy's documented 5/s with the minute window off;
        ``seed_defaults`` adds the custom fields and pipelines every account starts with.
        """
        quota = {
            k: v
            for k, v in (("per_second", per_second), ("per_minute", per_minute))
            if v is not None
        }
        settings: dict[str, Any] = {"quota": quota} if quota else {}
        if token_lifetime is not None:
            settings["token_lifetime"] = token_lifetime
        body = {"name": name, "settings": settings, "seed_defaults": seed_defaults,
                "client_id": client_id, "client_secret": client_secret}  # fmt: skip
        created = await self._call(
            "POST", "/_admin/accounts", {k: v for k, v in body.items() if v is not None}
        )
        return created["client_id"], created["client_secret"], created["account_id"]

    async def create_client(self, account_id: int, name: str = "API client") -> tuple[str, str]:
        created = await self._call("POST", f"/_admin/accounts/{account_id}/clients", {"name": name})
        return created["client_id"], created["client_secret"]

    async def seed(
        self,
        account_id: int,
        *,
        companies: Iterable[Mapping[str, Any]] = (),
        individuals: Iterable[Mapping[str, Any]] = (),
        contacts: Iterable[Mapping[str, Any]] = (),
        opportunities: Iterable[Mapping[str, Any]] = (),
        links: Iterable[Mapping[str, Any]] = (),
        custom_field_values: Iterable[Mapping[str, Any]] = (),
        generate: Mapping[str, int] | None = None,
    ) -> dict[str, Any]:
        """Bulk-create records (see docs/sellsy-sandbox.md); returns their ids per kind."""
        document = {
            "companies": list(companies), "individuals": list(individuals),
            "contacts": list(contacts), "opportunities": list(opportunities),
            "links": list(links), "custom_field_values": list(custom_field_values),
            "generate": dict(generate or {}),
        }  # fmt: skip
        result: dict[str, Any] = await self._call(
            "POST", f"/_admin/accounts/{account_id}/seed", document
        )
        return result

    async def calls(
        self, account_id: int | None = None, *, client_id: str | None = None, since: int = 0
    ) -> list[dict[str, Any]]:
        """The call log (oldest first): method, path, query, status, at, duration_ms, seq."""
        answer = await self._call(
            "GET", "/_admin/calls", account_id=account_id, client_id=client_id, since=since,
            limit=100_000,
        )  # fmt: skip
        calls: list[dict[str, Any]] = answer["calls"]
        return calls

    async def set_quota(
        self,
        account_id: int,
        *,
        per_second: int | None = None,
        per_minute: int | None = None,
        per_day: int | None = None,
        per_month: int | None = None,
    ) -> dict[str, Any]:
        """Change some quota windows (0 switches a window off); others keep their value."""
        windows = {"per_second": per_second, "per_minute": per_minute, "per_day": per_day,
                   "per_month": per_month}  # fmt: skip
        body = {k: v for k, v in windows.items() if v is not None}
        settings: dict[str, Any] = await self._call(
            "PUT", f"/_admin/accounts/{account_id}/quota", body
        )
        return settings

    async def set_faults(self, account_id: int | None = None, **faults: Any) -> dict[str, Any]:
        """Replace the faults of one account (or the global ones when ``account_id`` is None).

        Keys: ``error_rate``, ``error_status``, ``fail_next``, ``latency_ms``, ``drop_rate``,
        ``drop_next``, ``rate_limit_rate`` (429 share), ``token_lifetime``.  No keys clears
        the faults.
        """
        path = "/_admin/faults" if account_id is None else f"/_admin/accounts/{account_id}/faults"
        result: dict[str, Any] = await self._call("PUT", path, faults)
        return result

    async def update_settings(self, account_id: int, **changes: Any) -> dict[str, Any]:
        """Merge settings (``token_lifetime``, ``quirks={"related_objects": True}``, ...)."""
        result: dict[str, Any] = await self._call(
            "PATCH", f"/_admin/accounts/{account_id}", changes
        )
        return result

    async def expire_tokens(self, account_id: int) -> None:
        """Every token issued so far for the account is refused (401) from now on."""
        await self._call("POST", f"/_admin/accounts/{account_id}/expire-tokens")

    async def add_custom_field(self, account_id: int, **definition: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self._call(
            "POST", f"/_admin/accounts/{account_id}/custom-fields", definition
        )
        return result

    async def reset(self, account_id: int | None = None) -> None:
        await self._call(
            "POST", "/_admin/reset", {} if account_id is None else {"account_id": account_id}
        )

    async def token(self, client_id: str, client_secret: str) -> str:
        """An access token through the OAuth2 client-credentials endpoint."""
        response = await self.admin.post(
            self.token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": client_secret,
            },
        )
        if response.status_code != 200:
            raise AdminError(f"token -> {response.status_code}: {response.text}")
        access_token: str = response.json()["access_token"]
        return access_token

    def api_client(
        self, token: str | None = None, *, check_spec: bool = True, check_requests: bool = True
    ) -> httpx.AsyncClient:
        """An httpx client on ``base_url`` whose every exchange is checked against the spec.

        ``check_requests=False`` checks only the answers (to send bad requests on purpose).
        """
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        hooks = spec_event_hooks(requests=check_requests) if check_spec else {}
        return httpx.AsyncClient(
            base_url=self.base_url, headers=headers, event_hooks=hooks, timeout=30.0
        )


@contextlib.asynccontextmanager
async def running_sellsy_sandbox(
    db_path: str | Path, *, seed_file: str | Path | None = None
) -> AsyncIterator[SandboxHandle]:
    """The sandbox in this event loop on 127.0.0.1 and a free port."""
    server = SandboxServer(db_path, "127.0.0.1", 0)
    await server.start(seed_file)
    try:
        async with httpx.AsyncClient(base_url=server.root_url, timeout=30.0) as admin:
            yield SandboxHandle(server.root_url, admin)
    finally:
        await server.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def running_sellsy_sandbox_process(
    db_path: str | Path,
    *,
    port: int | None = None,
    seed_file: str | Path | None = None,
    startup_seconds: float = 20.0,
) -> AsyncIterator[SandboxHandle]:
    """``sync-streams sandbox sellsy`` as a child process; SIGTERM on exit.

    Its stderr goes to ``<db_path>.log``.
    """
    port = port or free_port()
    args = ["--port", str(port), "--db", str(db_path)]
    if seed_file is not None:
        args += ["--seed", str(seed_file)]
    log_path = Path(f"{db_path}.log")  # the child's stderr, read if it dies early
    with log_path.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            *[sys.executable, "-m", "sync_streams", "sandbox", "sellsy", *args],
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    root_url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=root_url, timeout=30.0) as admin:
            await _wait_healthy(admin, process, startup_seconds, log_path)
            yield SandboxHandle(root_url, admin)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _wait_healthy(
    admin: httpx.AsyncClient, process: asyncio.subprocess.Process, seconds: float, log: Path
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        if process.returncode is not None:
            tail = (await asyncio.to_thread(log.read_text, errors="replace"))[-2000:]
            raise RuntimeError(f"sandbox exited with {process.returncode}: {tail}")
        with contextlib.suppress(httpx.TransportError):
            if (await admin.get("/_admin/health")).status_code == 200:
                return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"sandbox not healthy after {seconds}s")
