"""Contract handlers for the life of an affaire: close, reopen, quotes and orders.

Adding a quote or an order does not touch the affaire's ``updated_at``: pollers
find new documents through ``GET /quotes`` and ``GET /orders``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from sync_streams.sandboxes.altior import entities
from sync_streams.sandboxes.altior.inputs import acting_user, json_response, path_id, read_body
from sync_streams.sandboxes.altior.listing import json_filter, page_response, query_int
from sync_streams.sandboxes.altior.problems import conflict, not_found
from sync_streams.sandboxes.altior.records import bind, get
from sync_streams.sandboxes.altior.state import state_of, tenant_of
from sync_streams.sandboxes.altior.store import Transaction

DOCUMENTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # kind -> (label, number prefix, statuses)
    "quote": ("Devis", "DEV", entities.QUOTE_STATUSES),
    "order": ("Commande", "CDE", entities.ORDER_STATUSES),
}


async def store_close(
    tx: Transaction, tenant_id: int, affaire_id: int, changes: dict[str, Any], user: int
) -> dict[str, Any]:
    affaire = await tx.get(tenant_id, "affaire", affaire_id)
    if affaire is None:
        raise not_found("Affaire")
    if affaire["status"] != "open":
        if affaire["status"] == changes["status"]:
            return affaire
        raise conflict("already_closed", f"Affaire déjà clôturée ({affaire['status']})", "status")
    affaire["status"] = changes["status"]
    affaire["closed_at"] = changes.get("closed_at") or tx.stamp()
    affaire["updated_by"] = user
    return await tx.update(affaire)


async def close(request: web.Request) -> web.Response:
    state, tenant_id = state_of(request), tenant_of(request)
    affaire_id = path_id(request, "Affaire")
    body = await read_body(request, optional=True)
    user = acting_user(request, body, await state.reference(tenant_id))
    changes = entities.close_changes(body)
    async with state.store.transaction() as tx:
        affaire = await store_close(tx, tenant_id, affaire_id, changes, user)
    return json_response(affaire)


async def reopen(request: web.Request) -> web.Response:
    state, tenant_id = state_of(request), tenant_of(request)
    affaire_id = path_id(request, "Affaire")
    body = await read_body(request, optional=True)
    user = acting_user(request, body, await state.reference(tenant_id))
    async with state.store.transaction() as tx:
        affaire = await tx.get(tenant_id, "affaire", affaire_id)
        if affaire is None:
            raise not_found("Affaire")
        if affaire["status"] != "open":
            affaire.update(status="open", closed_at=None, updated_by=user)
            affaire = await tx.update(affaire)
    return json_response(affaire)


async def store_document(
    tx: Transaction, tenant_id: int, kind: str, affaire_id: int, changes: dict[str, Any], user: int
) -> dict[str, Any]:
    label, prefix, _ = DOCUMENTS[kind]
    affaire = await tx.get(tenant_id, "affaire", affaire_id)
    if affaire is None:
        raise not_found("Affaire")
    if affaire["status"] != "open":
        raise conflict(
            "affaire_closed",
            f"Affaire clôturée ({affaire['status']}) : ajout de {label.lower()} impossible",
            None,
        )
    number = await tx.next_sequence(tenant_id, kind)
    document = {
        "affaire_id": affaire_id,
        "number": f"{prefix}-{datetime.now(UTC).year}-{number:05d}",
        **changes,
        "created_by": user,
    }
    return await tx.insert(tenant_id, kind, document, parent_id=affaire_id)


async def add_document(request: web.Request, kind: str) -> web.Response:
    state, tenant_id = state_of(request), tenant_of(request)
    affaire_id = path_id(request, "Affaire")
    body = await read_body(request)
    user = acting_user(request, body, await state.reference(tenant_id))
    changes = entities.document_changes(body, DOCUMENTS[kind][2])
    async with state.store.transaction() as tx:
        document = await store_document(tx, tenant_id, kind, affaire_id, changes, user)
    return json_response(document, status=201)


async def affaire_documents(request: web.Request, kind: str) -> web.Response:
    tenant_id = tenant_of(request)
    affaire_id = path_id(request, "Affaire")
    if await state_of(request).store.get(tenant_id, "affaire", affaire_id) is None:
        raise not_found("Affaire")
    return await page_response(request, kind, [("parent_id = ?", [affaire_id])])


async def all_documents(request: web.Request, kind: str) -> web.Response:
    affaire_id = query_int(request, "affaire_id")
    where = [json_filter("affaire_id", affaire_id)] if affaire_id is not None else []
    return await page_response(request, kind, where)


def routes(prefix: str) -> list[web.RouteDef]:
    table = [
        web.post(prefix + "/affaires/{id}/close", close),
        web.post(prefix + "/affaires/{id}/reopen", reopen),
    ]
    for kind, plural in (("quote", "quotes"), ("order", "orders")):
        label = DOCUMENTS[kind][0]
        table += [
            web.get(prefix + f"/affaires/{{id}}/{plural}", bind(affaire_documents, kind)),
            web.post(prefix + f"/affaires/{{id}}/{plural}", bind(add_document, kind)),
            web.get(prefix + f"/{plural}", bind(all_documents, kind)),
            web.get(prefix + f"/{plural}/{{id}}", bind(get, kind, label)),
        ]
    return table
