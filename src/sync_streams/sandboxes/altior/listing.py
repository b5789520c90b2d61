"""The one listing routine behind every list endpoint of the contract.

``updated_since`` (inclusive) + ``cursor`` (strictly after) + ``limit``, items in
``(updated_at, id)`` order, answer ``{items, next_cursor, has_more}``.  Items go
out as the stored JSON text, never decoded and re-encoded.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

from sync_streams.sandboxes.altior.positions import Position, normalise_stamp
from sync_streams.sandboxes.altior.problems import bad_request
from sync_streams.sandboxes.altior.state import state_of, tenant_of
from sync_streams.sandboxes.altior.store import Where

DEFAULT_LIMIT = 100
MAX_LIMIT = 200


def query_int(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    if not re.fullmatch(r"[0-9]{1,18}", raw) or int(raw) < 1:
        raise bad_request(f"Entier positif attendu pour {name} : {raw!r}", name)
    return int(raw)


def query_bool(request: web.Request, name: str) -> bool | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    if raw.lower() not in ("true", "false", "1", "0"):
        raise bad_request(f"true ou false attendu pour {name} : {raw!r}", name)
    return raw.lower() in ("true", "1")


def query_choice(request: web.Request, name: str, options: tuple[str, ...]) -> str | None:
    raw = request.query.get(name)
    if raw is not None and raw not in options:
        raise bad_request(f"Valeur de {name} invalide : {raw!r} (attendu : {list(options)})", name)
    return raw


def json_filter(path: str, value: Any) -> tuple[str, list[Any]]:
    """A ``where`` clause on a JSON field of the stored record."""
    return f"json_extract(data, '$.{path}') = ?", [value]


def external_ref_filter(request: web.Request, tenant_id: int, kind: str) -> Where:
    key = request.query.get("external_key")
    value = request.query.get("external_value")
    code = request.query.get("external_codification")
    if key is None and value is None:
        if code is not None:
            raise bad_request("external_codification exige external_key", "external_key")
        return []
    if key is None or value is None:
        missing = "external_value" if value is None else "external_key"
        raise bad_request("external_key et external_value vont ensemble", missing)
    sql = (
        "id IN (SELECT record_id FROM external_refs WHERE tenant_id = ? AND kind = ?"
        " AND key = ? AND value = ?"
    )
    params: list[Any] = [tenant_id, kind, key, value]
    if code is not None:
        sql += " AND codification = ?"
        params.append(code)
    return [(sql + ")", params)]


async def page_response(request: web.Request, kind: str, where: Where = ()) -> web.Response:
    since_raw = request.query.get("updated_since")
    since = normalise_stamp(since_raw, "updated_since") if since_raw is not None else None
    limit = query_int(request, "limit") or DEFAULT_LIMIT
    if limit > MAX_LIMIT:
        raise bad_request(f"limit doit être compris entre 1 et {MAX_LIMIT}", "limit")
    cursor = request.query.get("cursor")
    after = Position.decode(cursor, kind) if cursor else None
    rows, has_more = await state_of(request).store.page(
        tenant_of(request), kind, after=after, since=since, limit=limit, where=where
    )
    if rows:
        record_id, updated_at, _ = rows[-1]
        next_cursor: str | None = Position(kind, updated_at, record_id).encode()
    else:
        next_cursor = cursor or None
    body = (
        '{"items":[' + ",".join(raw for _, _, raw in rows) + "],"
        f'"next_cursor":{json.dumps(next_cursor)},"has_more":{json.dumps(has_more)}}}'
    )
    return web.Response(text=body, content_type="application/json")
