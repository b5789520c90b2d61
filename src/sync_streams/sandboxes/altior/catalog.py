"""Contract handlers for reference data: establishments, users and admin lists.

They page like every other list (the contract's change capture applies to all
list endpoints), so a client can cache them and refresh only what changed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from sync_streams.sandboxes.altior.listing import json_filter, page_response, query_choice
from sync_streams.sandboxes.altior.reference import CUSTOM_FIELD_OBJECTS, SECTIONS


def _lister(kind: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        where = []
        if kind == "custom_field":
            obj = query_choice(request, "object", CUSTOM_FIELD_OBJECTS)
            if obj is not None:
                where.append(json_filter("object", obj))
        return await page_response(request, kind, where)

    return handler


def routes(prefix: str) -> list[web.RouteDef]:
    return [web.get(prefix + path, _lister(kind)) for kind, path in SECTIONS.values()]
