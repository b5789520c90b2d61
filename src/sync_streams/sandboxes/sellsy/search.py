"""Listing order and pagination: Sellsy's opaque seek cursor and numeric offsets.

Seek cursor (the default): ``pagination.offset`` is standard base64 of a JSON
array holding the last returned row's sort key -- ``["<id>"]`` when ordering
by id, ``[<sort value>, "<id>"]`` otherwise (Sellsy's own examples decode to
``["11"]`` and ``[2014-01-01,598]``).  The next page holds the rows strictly
after that key in the requested order, evaluated against the data *as it is
now*: nothing is snapshotted, so a record edited during a listing keeps or
changes its place according to its new sort key (see docs/sellsy-sandbox.md).

Numeric offset (opt-in, by sending a number): rows are skipped by position,
up to Sellsy's limit of the first 100,000 results; the answer echoes the offset.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from multidict import MultiMapping

from sync_streams.sandboxes.sellsy.errors import validation_error
from sync_streams.sandboxes.sellsy.store import VISIBLE, Store, now_us

MAX_LIMIT = 100
DEFAULT_LIMIT = 25
NUMERIC_OFFSET_CAP = 100_000

_ID = "id"
_UPDATED = "updated_us"
_CREATED = "created_us"
_NAME = "name_key"
ORDERS: dict[str, dict[str, str]] = {
    "company": {"id": _ID, "name": _NAME, "created_at": _CREATED, "updated_at": _UPDATED},
    "individual": {"id": _ID, "name": _NAME, "created_at": _CREATED, "updated_at": _UPDATED},
    "contact": {"id": _ID, "name": _NAME, "created_at": _CREATED},
    "opportunity": {
        "id": _ID,
        "created": _CREATED,
        "step_rank": "json_extract(body, '$.__sandbox.step_rank')",
        "due_date": "COALESCE(json_extract(body, '$.due_date'), '')",
    },
    "custom_field": {"id": _ID},
    "pipeline": {"id": _ID, "rank": "json_extract(body, '$.rank')"},
    "step": {
        "id": _ID,
        "rank": "json_extract(body, '$.rank')",
        "probability": "json_extract(body, '$.probability')",
    },
}
DEFAULT_ORDER = {"pipeline": "rank", "step": "rank"}


@dataclass(frozen=True)
class PageRequest:
    limit: int
    order: str
    descending: bool
    cursor: list[Any] | None = None
    numeric_offset: int | None = None
    raw_offset: str = ""


@dataclass
class Where:
    """SQL conditions (ANDed) with their parameters, built by the filters."""

    clauses: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)


def encode_cursor(values: list[Any]) -> str:
    return base64.b64encode(json.dumps(values, separators=(",", ":")).encode()).decode()


def decode_cursor(text: str) -> list[Any]:
    """Accept standard or URL-safe base64, with or without padding."""
    cleaned = text.strip().replace(" ", "+").replace("-", "+").replace("_", "/")
    try:
        raw = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
        values = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise validation_error({"offset": "Curseur de pagination invalide."}) from exc
    if not isinstance(values, list):
        raise validation_error({"offset": "Curseur de pagination invalide."})
    return values


def page_request(query: MultiMapping[str], kind: str) -> PageRequest:
    """Read ``limit``, ``offset``, ``order``, ``direction`` (400 naming the bad one)."""
    problems: dict[str, str] = {}
    limit = DEFAULT_LIMIT
    raw_limit = query.get("limit")
    if raw_limit is not None:
        if not raw_limit.isdigit() or int(raw_limit) > MAX_LIMIT:
            problems["limit"] = f"Entier entre 0 et {MAX_LIMIT} attendu."
        else:
            limit = int(raw_limit)
    orders = ORDERS[kind]
    order = query.get("order") or DEFAULT_ORDER.get(kind, "id")
    if order not in orders:
        problems["order"] = f"Valeur non autorisée (attendu : {', '.join(orders)})."
    direction = query.get("direction", "asc")
    if direction not in ("asc", "desc"):
        problems["direction"] = "Valeur non autorisée (attendu : asc, desc)."
    if problems:
        raise validation_error(problems)
    raw_offset = query.get("offset", "")
    cursor: list[Any] | None = None
    numeric: int | None = None
    if raw_offset.isdigit():
        numeric = int(raw_offset)
        if numeric >= NUMERIC_OFFSET_CAP:
            raise validation_error(
                {
                    "offset": f"La pagination numérique est limitée aux {NUMERIC_OFFSET_CAP} "
                    "premiers résultats ; utilisez le curseur."
                }
            )
    elif raw_offset:
        cursor = decode_cursor(raw_offset)
        expected = 1 if orders[order] == _ID else 2
        if len(cursor) != expected or not str(cursor[-1]).isdigit():
            raise validation_error({"offset": "Curseur de pagination invalide pour cet ordre."})
    return PageRequest(limit, order, direction == "desc", cursor, numeric, raw_offset)


def _cursor_of(row: dict[str, Any], expr_is_id: bool) -> str:
    if expr_is_id:
        return encode_cursor([str(row["id"])])
    return encode_cursor([row["sort_value"], str(row["id"])])


async def paginate(
    store: Store, account_id: int, kind: str, where: Where, page: PageRequest
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One page of bodies in the requested order, and Sellsy's ``pagination`` object."""
    raw, pagination = await paginate_raw(store, account_id, kind, where, page)
    return [json.loads(text) for text in raw], pagination


async def paginate_raw(
    store: Store, account_id: int, kind: str, where: Where, page: PageRequest
) -> tuple[list[str], dict[str, Any]]:
    """Like :func:`paginate` with the stored JSON texts (answered as-is when nothing is added)."""
    expr = ORDERS[kind][page.order]
    # a record still under its late visibility (fault) is not listed yet
    base = ["account_id = ?", "kind = ?", VISIBLE, *where.clauses]
    base_params: list[Any] = [account_id, kind, now_us(), *where.params]
    total = await store.count(
        f"SELECT COUNT(*) FROM records WHERE {' AND '.join(base)}",  # noqa: S608
        base_params,
    )
    clauses, params = list(base), list(base_params)
    if page.cursor is not None:
        sign = "<" if page.descending else ">"
        if expr == _ID:
            clauses.append(f"id {sign} ?")
            params.append(int(page.cursor[0]))
        else:
            clauses.append(f"({expr}, id) {sign} (?, ?)")
            params.extend([page.cursor[0], int(page.cursor[1])])
    way = "DESC" if page.descending else "ASC"
    sql = (
        f"SELECT id, body, {expr} AS sort_value FROM records WHERE {' AND '.join(clauses)}"  # noqa: S608
        f" ORDER BY {expr} {way}, id {way} LIMIT ? OFFSET ?"
    )
    params.extend([page.limit, page.numeric_offset or 0])
    rows = await store.fetchall(sql, params)
    bodies = [str(row["body"]) for row in rows]
    if page.numeric_offset is not None:
        offset: int | str = page.numeric_offset
    elif rows:
        offset = _cursor_of(rows[-1], expr == _ID)
    else:
        offset = page.raw_offset
    pagination = {"limit": page.limit, "count": len(bodies), "total": total, "offset": offset}
    return bodies, pagination
