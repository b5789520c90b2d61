"""``/v2`` routes for companies, individuals and contacts (and their custom fields).

One set of handlers serves the three kinds; what differs (body shape, update
timestamp name, which custom fields apply) lives in :mod:`records`.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from sync_streams.sandboxes.sellsy import customfields, records
from sync_streams.sandboxes.sellsy.core import read_json, sandbox_of
from sync_streams.sandboxes.sellsy.errors import (
    JSON_TYPE,
    json_response,
    not_found,
    validation_error,
)
from sync_streams.sandboxes.sellsy.filters import filters_to_sql
from sync_streams.sandboxes.sellsy.models import parse
from sync_streams.sandboxes.sellsy.search import Where, encode_cursor, page_request, paginate_raw
from sync_streams.sandboxes.sellsy.views import (
    account_of,
    page_body,
    present,
    query_list,
    record_id,
    verify_only,
)

SEGMENTS = {"company": "companies", "individual": "individuals", "contact": "contacts"}


async def _one(
    request: web.Request, kind: records.Kind, body: dict[str, Any], status: int
) -> web.Response:
    [shown] = await present(request, kind.name, [body], kind.cf_objects)
    return json_response(shown, status=status)


async def list_page(request: web.Request, kind_name: str, where: Where) -> web.Response:
    """One page of ``kind_name`` matching ``where``, as Sellsy's list answer."""
    sandbox = sandbox_of(request)
    page = page_request(request.query, kind_name)
    raw, pagination = await paginate_raw(sandbox.store, account_of(request), kind_name, where, page)
    kind = records.KINDS.get(kind_name)
    if (
        kind is not None
        and not query_list(request.query, "embed")
        and not query_list(request.query, "field")
    ):
        # Stored bodies are the answers (no internal keys for these kinds): skip a
        # decode/encode round trip per record, the bulk of a listing's cost.
        pagination_text = json.dumps(pagination, separators=(",", ":"))
        text = f'{{"data":[{",".join(raw)}],"pagination":{pagination_text}}}'
        return web.Response(text=text, content_type=JSON_TYPE)
    bodies = [json.loads(item) for item in raw]
    cf_objects = kind.cf_objects if kind is not None else (lambda _b: {kind_name})
    data = await present(request, kind_name, bodies, cf_objects)
    return json_response(page_body(data, pagination))


def crm_routes(kind: records.Kind) -> list[web.RouteDef]:
    """The routes of one kind under ``/v2/<segment>``."""
    seg = f"/v2/{SEGMENTS[kind.name]}"
    cf_param = "contactId" if kind.name == "contact" else "id"

    async def list_all(request: web.Request) -> web.Response:
        return await list_page(request, kind.name, Where())

    async def search(request: web.Request) -> web.Response:
        where = filters_to_sql(kind.name, await read_json(request), account_of(request))
        return await list_page(request, kind.name, where)

    async def create(request: web.Request) -> web.Response:
        model = parse(kind.create, await read_json(request))
        if verify_only(request):
            return web.Response(status=204)
        sandbox = sandbox_of(request)
        body = await records.create(
            sandbox.store, account_of(request), kind, model, sandbox.clock.now_us()
        )
        return await _one(request, kind, body, 201)

    async def get_one(request: web.Request) -> web.Response:
        body = await records.get(
            sandbox_of(request).store, account_of(request), kind, record_id(request)
        )
        return await _one(request, kind, body, 200)

    async def update(request: web.Request) -> web.Response:
        sandbox = sandbox_of(request)
        ident = record_id(request)
        model = parse(kind.update, await read_json(request))
        await records.get(sandbox.store, account_of(request), kind, ident)
        if verify_only(request):
            return web.Response(status=204)
        body = await records.update(
            sandbox.store, account_of(request), kind, ident, model, sandbox.clock.now_us()
        )
        return await _one(request, kind, body, 200)

    async def delete(request: web.Request) -> web.Response:
        await delete_record(request, kind.name, kind.label, record_id(request))
        return web.Response(status=204)

    async def cf_list(request: web.Request) -> web.Response:
        sandbox = sandbox_of(request)
        account_id = account_of(request)
        body = await records.get(sandbox.store, account_id, kind, record_id(request, cf_param))
        return await values_page(request, kind.name, body, kind.cf_objects(body))

    async def cf_put(request: web.Request) -> web.Response:
        sandbox = sandbox_of(request)
        account_id = account_of(request)
        ident = record_id(request, cf_param)
        body = await records.get(sandbox.store, account_id, kind, ident)
        await write_values(request, kind.name, ident, kind.cf_objects(body))
        if not verify_only(request):
            await records.touch(sandbox.store, account_id, kind, ident, sandbox.clock.now_us())
        return web.Response(status=204 if verify_only(request) else 200)

    return [
        web.get(seg, list_all),
        web.post(seg, create),
        web.post(f"{seg}/search", search),
        web.get(seg + r"/{id:\d+}", get_one),
        web.put(seg + r"/{id:\d+}", update),
        web.delete(seg + r"/{id:\d+}", delete),
        web.get(seg + "/{" + cf_param + r":\d+}/custom-fields", cf_list),
        web.put(seg + "/{" + cf_param + r":\d+}/custom-fields", cf_put),
    ]


async def delete_record(request: web.Request, kind_name: str, label: str, ident: int) -> None:
    """Remove a record with its links and custom field values (404 if absent)."""
    store = sandbox_of(request).store
    account_id = account_of(request)
    async with store.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM records WHERE account_id = ? AND kind = ? AND id = ?",
            (account_id, kind_name, ident),
        )
        if cursor.rowcount == 0:
            raise not_found(label, ident)
        await conn.execute(
            "DELETE FROM cf_values WHERE account_id = ? AND kind = ? AND record_id = ?",
            (account_id, kind_name, ident),
        )
        if kind_name in ("company", "contact"):
            await conn.execute(
                f"DELETE FROM links WHERE account_id = ? AND {kind_name}_id = ?",  # noqa: S608
                (account_id, ident),
            )


async def values_page(
    request: web.Request, kind_name: str, body: dict[str, Any], objects: set[str]
) -> web.Response:
    """``GET /<kind>/{id}/custom-fields``: every applicable field with its value."""
    sandbox = sandbox_of(request)
    account_id = account_of(request)
    page = page_request(request.query, "custom_field")
    definitions = await customfields.definitions(sandbox.store, account_id)
    values = (await sandbox.store.cf_values(account_id, kind_name, [body["id"]])).get(
        body["id"], {}
    )
    settings = await sandbox.settings(account_id)
    quirk = settings is not None and settings.quirks.related_objects
    ids = sorted((i for i, d in definitions.items() if customfields.applies(d, objects)),
                 reverse=page.descending)  # fmt: skip
    start = page.numeric_offset or 0
    if page.cursor is not None:
        last = int(page.cursor[0])
        ids = [i for i in ids if (i < last if page.descending else i > last)]
    chosen = ids[start : start + page.limit]
    data = [customfields.with_value(definitions[i], values.get(i), quirk) for i in chosen]
    offset: int | str = (
        page.numeric_offset
        if page.numeric_offset is not None
        else (search_cursor(chosen[-1]) if chosen else page.raw_offset)
    )
    pagination = {"limit": page.limit, "count": len(data), "total": len(ids), "offset": offset}
    return json_response(page_body(data, pagination))


def search_cursor(last_id: int) -> str:
    return encode_cursor([str(last_id)])


async def write_values(request: web.Request, kind_name: str, ident: int, objects: set[str]) -> None:
    """Validate a ``[{id, value}]`` body against the definitions and store it."""
    sandbox = sandbox_of(request)
    account_id = account_of(request)
    pairs = customfields.parse_values(await read_json(request))
    definitions = await customfields.definitions(sandbox.store, account_id)
    problems: dict[str, str] = {}
    for index, (field_id, value) in enumerate(pairs):
        field = definitions.get(field_id)
        if field is None or not customfields.applies(field, objects):
            problems[f"{index}.id"] = f"Champ personnalisé {field_id} introuvable pour cet objet."
            continue
        reason = customfields.check_value(field, value)
        if reason:
            problems[f"{index}.value"] = reason
    if problems:
        raise validation_error(problems)
    if verify_only(request):
        return
    async with sandbox.store.transaction() as conn:
        for field_id, value in pairs:
            await conn.execute(
                "INSERT OR REPLACE INTO cf_values (account_id, kind, record_id, field_id, value)"
                " VALUES (?, ?, ?, ?, ?)",
                (account_id, kind_name, ident, field_id, json.dumps(value)),
            )
