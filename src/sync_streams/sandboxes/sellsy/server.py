"""Running the sandbox: in-process (tests) or as a process (``sync-streams sandbox sellsy``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path

from aiohttp import web

from sync_streams.sandboxes.sellsy.app import build_app
from sync_streams.sandboxes.sellsy.core import Sandbox
from sync_streams.sandboxes.sellsy.seeding import load_seed_file

log = logging.getLogger(__name__)


class SandboxServer:
    """One sandbox bound to ``host:port`` (port 0 picks a free one)."""

    def __init__(self, db_path: str | Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.db_path = Path(db_path)
        self.host = host
        self.requested_port = port
        self.port = port
        self.sandbox: Sandbox | None = None
        self._runner: web.AppRunner | None = None

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self, seed_file: str | Path | None = None) -> list[dict[str, object]]:
        """Open the database, apply ``seed_file`` on a fresh one, start listening."""
        self.sandbox = await Sandbox.open(self.db_path)
        created: list[dict[str, object]] = []
        if seed_file is not None:
            created = list(await load_seed_file(self.sandbox, seed_file))
        self._runner = web.AppRunner(build_app(self.sandbox), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.requested_port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        return created

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.sandbox is not None:
            await self.sandbox.close()
            self.sandbox = None


async def serve_forever(
    db_path: str | Path, host: str, port: int, seed_file: str | Path | None
) -> None:
    """Run until SIGINT/SIGTERM; prints the URLs once listening (scripts wait for it)."""
    server = SandboxServer(db_path, host, port)
    created = await server.start(seed_file)
    for account in created:
        print(
            f"account {account['account_id']}: client_id={account['client_id']} "
            f"client_secret={account['client_secret']}",
            flush=True,
        )
    print(f"Sellsy sandbox listening on {server.root_url} (API {server.root_url}/v2)", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()
        log.info("Sellsy sandbox stopped")
