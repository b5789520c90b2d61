"""Assemble the Altior sandbox: aiohttp application over its SQLite store."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import web

from sync_streams.sandboxes.altior import admin, catalog, documents, records
from sync_streams.sandboxes.altior.middleware import API_PREFIX, contract_middleware
from sync_streams.sandboxes.altior.seed import apply_startup_tenants, load_seed
from sync_streams.sandboxes.altior.state import STATE_KEY, SandboxState
from sync_streams.sandboxes.altior.store import Store

log = logging.getLogger("sync_streams.sandboxes.altior")


def make_app(db_path: str | Path, seed: dict[str, Any] | None = None) -> web.Application:
    """The sandbox as an ``aiohttp`` application; state opens on startup, closes on cleanup.

    ``seed`` is a parsed seed file (``load_seed()``); the packaged default when None.
    """
    seed_data = load_seed() if seed is None else seed
    app = web.Application(middlewares=[contract_middleware], client_max_size=64 * 1024**2)
    app.add_routes(catalog.routes(API_PREFIX))
    app.add_routes(records.routes(API_PREFIX))
    app.add_routes(documents.routes(API_PREFIX))
    app.add_routes(admin.routes())

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        store = await Store.open(db_path)
        state = SandboxState(store=store, seed=seed_data)
        await state.load()
        created = await apply_startup_tenants(state)
        if created:
            log.info("altior sandbox: created tenant(s) %s", ", ".join(created))
        app[STATE_KEY] = state
        yield
        await store.close()

    app.cleanup_ctx.append(lifecycle)
    return app
