"""How records leave the sandbox: ``embed[]``, ``field[]`` and internal keys.

Sellsy's query arrays are PHP-style (``embed[]=cf.12&embed[]=cf.13``); the
plain repeated form (``embed=cf.12``) is accepted too.  ``embed[]=cf.{id}``
adds ``_embed.custom_fields``: the definition and value of each requested
field that applies to the record (value ``null`` when unset); steps answer
``opportunities_number``; other documented embeds are answered as ``null``
(not modelled).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web
from multidict import MultiMapping

from sync_streams.sandboxes.sellsy import customfields
from sync_streams.sandboxes.sellsy.core import ACCOUNT_ID, Sandbox, sandbox_of
from sync_streams.sandboxes.sellsy.errors import validation_error

INTERNAL = "__sandbox"
STANDARD_EMBEDS: dict[str, tuple[str, ...]] = {
    "company": (
        "invoicing_address", "delivery_address", "main_contact", "dunning_contact",
        "invoicing_contact", "opportunities", "estimates", "invoices", "orders", "deliveries",
        "acl", "smart_tags", "owner",
    ),
    "individual": (
        "invoicing_address", "delivery_address", "main_contact", "dunning_contact",
        "invoicing_contact", "opportunities", "estimates", "invoices", "orders", "deliveries",
        "acl", "smart_tags", "owner",
    ),
    "contact": (
        "invoicing_address", "delivery_address", "opportunities", "estimates", "invoices",
        "orders", "deliveries", "acl", "smart_tags", "owner",
    ),
    "step": ("opportunities_number",),
    "opportunity": (
        "estimates", "individual", "invoices", "orders", "deliveries", "proformas",
        "creditnotes", "assigned_staffs", "company", "contacts", "acl", "currency", "smart_tags",
    ),
}  # fmt: skip


def query_list(query: MultiMapping[str], name: str) -> list[str]:
    """A query array sent PHP-style (``name[]=``) or repeated (``name=``)."""
    return [*query.getall(f"{name}[]", []), *query.getall(name, [])]


def account_of(request: web.Request) -> int:
    account_id = request[ACCOUNT_ID]
    assert account_id is not None, "the gate authenticates every /v2 call"
    return account_id


def record_id(request: web.Request, name: str = "id") -> int:
    raw = request.match_info[name]
    if not raw.isdigit():
        raise validation_error({name: "Un entier est attendu."})
    return int(raw)


def verify_only(request: web.Request) -> bool:
    """``verify=true``: validate the payload, persist nothing, answer 204."""
    return request.query.get("verify", "").lower() in ("true", "1")


def _keep_fields(body: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    wanted = {f.split(".", 1)[0].removesuffix("[]") for f in fields} | {"id"}
    return {key: value for key, value in body.items() if key in wanted}


async def present(
    request: web.Request,
    kind: str,
    bodies: list[dict[str, Any]],
    cf_objects: Callable[[dict[str, Any]], set[str]],
) -> list[dict[str, Any]]:
    """Bodies as answered: embeds added, ``field[]`` applied, internal keys removed."""
    sandbox = sandbox_of(request)
    account_id = account_of(request)
    embeds = query_list(request.query, "embed")
    cf_ids, standard = customfields.requested_fields(embeds)
    unknown = [e for e in standard if e not in STANDARD_EMBEDS.get(kind, ())]
    if unknown:
        raise validation_error({"embed": f"Valeurs non autorisées : {', '.join(unknown)}."})
    out = [{k: v for k, v in body.items() if k != INTERNAL} for body in bodies]
    if embeds:
        await _embed(sandbox, account_id, kind, out, cf_ids, standard, cf_objects)
    fields = query_list(request.query, "field")
    return [_keep_fields(body, fields) for body in out] if fields else out


async def _embed(
    sandbox: Sandbox,
    account_id: int,
    kind: str,
    bodies: list[dict[str, Any]],
    cf_ids: list[int],
    standard: list[str],
    cf_objects: Callable[[dict[str, Any]], set[str]],
) -> None:
    definitions: dict[int, dict[str, Any]] = {}
    values: dict[int, dict[int, Any]] = {}
    quirk = False
    if cf_ids:
        definitions = await customfields.definitions(sandbox.store, account_id)
        values = await sandbox.store.cf_values(account_id, kind, [b["id"] for b in bodies])
        settings = await sandbox.settings(account_id)
        quirk = settings is not None and settings.quirks.related_objects
    counts: dict[int, int] = {}
    if kind == "step" and "opportunities_number" in standard:
        rows = await sandbox.store.fetchall(
            "SELECT json_extract(body, '$.step.id') AS step, COUNT(*) AS n FROM records"
            " WHERE account_id = ? AND kind = 'opportunity' GROUP BY step",
            (account_id,),
        )
        counts = {int(r["step"]): int(r["n"]) for r in rows if r["step"] is not None}
    for body in bodies:
        embed: dict[str, Any] = dict.fromkeys(standard)
        if counts or (kind == "step" and "opportunities_number" in standard):
            embed["opportunities_number"] = counts.get(body["id"], 0)
        if cf_ids:
            objects = cf_objects(body)
            mine = values.get(body["id"], {})
            embed["custom_fields"] = [
                customfields.with_value(definitions[i], mine.get(i), quirk)
                for i in cf_ids
                if i in definitions and customfields.applies(definitions[i], objects)
            ]
        body["_embed"] = embed


def page_body(data: list[dict[str, Any]], pagination: dict[str, Any]) -> dict[str, Any]:
    return {"data": data, "pagination": pagination}
