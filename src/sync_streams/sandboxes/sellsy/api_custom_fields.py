"""Custom field definitions: ``GET /custom-fields``, ``POST /custom-fields/search``,
``GET /custom-fields/{id}`` (values live with their records, see api_crm)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sync_streams.sandboxes.sellsy import customfields
from sync_streams.sandboxes.sellsy.core import read_json, sandbox_of
from sync_streams.sandboxes.sellsy.errors import json_response, not_found
from sync_streams.sandboxes.sellsy.filters import filters_to_sql
from sync_streams.sandboxes.sellsy.search import Where, page_request, paginate
from sync_streams.sandboxes.sellsy.views import account_of, page_body, query_list, record_id


async def _quirk(request: web.Request) -> bool:
    settings = await sandbox_of(request).settings(account_of(request))
    return settings is not None and settings.quirks.related_objects


def _fields(body: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    if not fields:
        return body
    wanted = {f.split(".", 1)[0] for f in fields} | {"id"}
    return {k: v for k, v in body.items() if k in wanted}


async def _page(request: web.Request, where: Where) -> web.Response:
    sandbox = sandbox_of(request)
    page = page_request(request.query, "custom_field")
    bodies, pagination = await paginate(
        sandbox.store, account_of(request), "custom_field", where, page
    )
    quirk = await _quirk(request)
    fields = query_list(request.query, "field")
    data = [_fields(customfields.render_definition(b, quirk), fields) for b in bodies]
    return json_response(page_body(data, pagination))


async def list_all(request: web.Request) -> web.Response:
    return await _page(request, Where())


async def search(request: web.Request) -> web.Response:
    where = filters_to_sql("custom_field", await read_json(request), account_of(request))
    return await _page(request, where)


async def get_one(request: web.Request) -> web.Response:
    ident = record_id(request)
    row = await sandbox_of(request).store.record(account_of(request), "custom_field", ident)
    if row is None:
        raise not_found("Champ personnalisé", ident)
    body = customfields.render_definition(row["body"], await _quirk(request))
    return json_response(_fields(body, query_list(request.query, "field")))


def custom_field_routes() -> list[web.RouteDef]:
    return [
        web.get("/v2/custom-fields", list_all),
        web.post("/v2/custom-fields/search", search),
        web.get(r"/v2/custom-fields/{id:\d+}", get_one),
    ]
