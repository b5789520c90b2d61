"""Opportunities, pipelines and steps under ``/v2/opportunities``.

Opportunities have no update timestamp in Sellsy: only ``created`` and
``updated_status`` (moved when the status or the step changes; set to
``created`` at creation).  Edits of other fields are only visible by
re-reading, exactly like the real API.
"""

from __future__ import annotations

import copy
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from sync_streams.sandboxes.sellsy import records
from sync_streams.sandboxes.sellsy.api_crm import (
    delete_record,
    list_page,
    values_page,
    write_values,
)
from sync_streams.sandboxes.sellsy.clock import to_iso
from sync_streams.sandboxes.sellsy.core import read_json, sandbox_of
from sync_streams.sandboxes.sellsy.errors import json_response, not_found, validation_error
from sync_streams.sandboxes.sellsy.filters import filters_to_sql
from sync_streams.sandboxes.sellsy.models import OpportunityCreate, OpportunityUpdate, parse
from sync_streams.sandboxes.sellsy.search import Where
from sync_streams.sandboxes.sellsy.store import Store
from sync_streams.sandboxes.sellsy.views import account_of, present, record_id, verify_only

KIND = "opportunity"
LABEL = "Opportunité"
INTERNAL = "__sandbox"


def _objects(_body: dict[str, Any]) -> set[str]:
    return {"opportunity"}


async def _step(store: Store, account_id: int, pipeline_id: int, step_id: int) -> dict[str, Any]:
    pipeline = await store.record(account_id, "pipeline", pipeline_id)
    if pipeline is None:
        raise validation_error({"pipeline": f"Pipeline {pipeline_id} introuvable."})
    step = await store.record(account_id, "step", step_id)
    if step is None or step["body"][INTERNAL]["pipeline_id"] != pipeline_id:
        raise validation_error({"step": f"Étape {step_id} introuvable dans ce pipeline."})
    body: dict[str, Any] = step["body"]
    body["pipeline_name"] = pipeline["body"]["name"]
    return body


def _amount(raw: str) -> str:
    try:
        return f"{Decimal(raw.replace(',', '.')):.2f}"
    except InvalidOperation as exc:
        raise validation_error({"amount": "Montant invalide."}) from exc


async def _related(store: Store, account_id: int, related: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"company_id": None, "individual_id": None, "contacts": []}
    problems: dict[str, str] = {}
    for index, item in enumerate(related):
        if await store.record(account_id, item.type, item.id) is None:
            problems[f"related.{index}.id"] = f"Objet {item.type} {item.id} introuvable."
        elif item.type == "contact":
            out["contacts"].append(item.id)
        elif out[f"{item.type}_id"] is None:
            out[f"{item.type}_id"] = item.id
    if problems:
        raise validation_error(problems)
    return out


def _row(body: dict[str, Any], created_us: int, updated_us: int, status_us: int) -> dict[str, Any]:
    return {"id": body["id"], "created_us": created_us, "updated_us": updated_us,
            "aux_us": status_us, "name_key": str(body["name"]).lower(), "body": body}  # fmt: skip


def _apply(body: dict[str, Any], changes: dict[str, Any], step: dict[str, Any] | None) -> None:
    for key in ("name", "status", "probability", "note", "main_doc_id", "due_date",
                "assigned_staff_ids"):  # fmt: skip
        if key in changes:
            body[key] = changes[key] if key != "assigned_staff_ids" else changes[key] or []
    if changes.get("owner_id"):
        body["owner"] = {"id": changes["owner_id"], "type": "staff"}
    if "source" in changes:
        source = changes["source"]
        body.pop("source", None)
        if source is not None:
            body["source"] = {"id": source, "name": f"Source {source}"}
    if "amount" in changes and changes["amount"] is not None:
        body["amount"] = {"value": _amount(changes["amount"]), "currency": "EUR"}
    if step is not None:
        body["pipeline"] = {"id": step[INTERNAL]["pipeline_id"], "name": step["pipeline_name"]}
        body["step"] = {"id": step["id"], "name": step["name"]}
        body[INTERNAL] = {"step_rank": step["rank"]}
        if "probability" not in changes:
            body["probability"] = step["probability"]


async def save_new(
    store: Store, account_id: int, model: OpportunityCreate, now_us: int
) -> dict[str, Any]:
    """Create an opportunity (validated model); returns the stored body."""
    step = await _step(store, account_id, model.pipeline, model.step)
    related = await _related(store, account_id, model.related)
    changes = model.model_dump(exclude_unset=True, mode="json")
    created_us = records.created_of(model, now_us)
    async with store.transaction() as conn:
        ident = await store.next_id(conn, account_id, KIND)
        body: dict[str, Any] = {
            "id": ident, "number": model.number or f"OPP-{ident:05d}", "name": model.name,
            "due_date": None, "created": to_iso(created_us), "updated_status": to_iso(created_us),
            "status": "open", "amount": {"value": "0.00", "currency": "EUR"}, "probability": 0,
            "note": "", "owner": dict(records.DEFAULT_OWNER), "assigned_staff_ids": [],
            "contact_ids": list(dict.fromkeys([*(model.contact_ids or []), *related["contacts"]])),
            "company_id": related["company_id"], "individual_id": related["individual_id"],
            "main_doc_id": None, "related": [r.model_dump() for r in model.related],
        }  # fmt: skip
        _apply(body, changes, step)
        await store.put_record(conn, account_id, KIND, _row(body, created_us, now_us, created_us))
    return body


async def save_changes(
    store: Store, account_id: int, ident: int, model: OpportunityUpdate, now_us: int
) -> dict[str, Any]:
    row = await store.record(account_id, KIND, ident)
    if row is None:
        raise not_found(LABEL, ident)
    body: dict[str, Any] = copy.deepcopy(row["body"])
    changes = model.model_dump(exclude_unset=True, mode="json")
    step = None
    if model.pipeline is not None or model.step is not None:
        pipeline_id = model.pipeline if model.pipeline is not None else body["pipeline"]["id"]
        if model.step is None:
            raise validation_error({"step": "L'étape est obligatoire quand le pipeline change."})
        step = await _step(store, account_id, pipeline_id, model.step)
    if model.related is not None:
        related = await _related(store, account_id, model.related)
        body["related"] = [r.model_dump() for r in model.related]
        body["company_id"], body["individual_id"] = related["company_id"], related["individual_id"]
        changes["contact_ids"] = [*(model.contact_ids or body["contact_ids"]), *related["contacts"]]
    if "contact_ids" in changes:
        body["contact_ids"] = list(dict.fromkeys(changes["contact_ids"] or []))
    status_us = row["aux_us"]
    moved = step is not None and step["id"] != body["step"]["id"]
    if moved or ("status" in changes and changes["status"] != body["status"]):
        status_us = now_us
        body["updated_status"] = to_iso(now_us)
    _apply(body, changes, step)
    async with store.transaction() as conn:
        await store.put_record(
            conn, account_id, KIND, _row(body, row["created_us"], now_us, status_us)
        )
    return body


async def _answer(request: web.Request, body: dict[str, Any], status: int) -> web.Response:
    [shown] = await present(request, KIND, [body], _objects)
    return json_response(shown, status=status)


async def create(request: web.Request) -> web.Response:
    model = parse(OpportunityCreate, await read_json(request))
    sandbox = sandbox_of(request)
    if verify_only(request):
        await _step(sandbox.store, account_of(request), model.pipeline, model.step)
        return web.Response(status=204)
    body = await save_new(sandbox.store, account_of(request), model, sandbox.clock.now_us())
    return await _answer(request, body, 201)


async def update(request: web.Request) -> web.Response:
    model = parse(OpportunityUpdate, await read_json(request))
    sandbox = sandbox_of(request)
    ident = record_id(request)
    if verify_only(request):
        if await sandbox.store.record(account_of(request), KIND, ident) is None:
            raise not_found(LABEL, ident)
        return web.Response(status=204)
    body = await save_changes(
        sandbox.store, account_of(request), ident, model, sandbox.clock.now_us()
    )
    return await _answer(request, body, 200)


async def get_one(request: web.Request) -> web.Response:
    ident = record_id(request)
    row = await sandbox_of(request).store.record(account_of(request), KIND, ident)
    if row is None:
        raise not_found(LABEL, ident)
    return await _answer(request, row["body"], 200)


async def search(request: web.Request) -> web.Response:
    where = filters_to_sql(KIND, await read_json(request), account_of(request))
    return await list_page(request, KIND, where)


async def list_all(request: web.Request) -> web.Response:
    return await list_page(request, KIND, Where())


async def delete(request: web.Request) -> web.Response:
    await delete_record(request, KIND, LABEL, record_id(request))
    return web.Response(status=204)


async def cf_list(request: web.Request) -> web.Response:
    ident = record_id(request)
    row = await sandbox_of(request).store.record(account_of(request), KIND, ident)
    if row is None:
        raise not_found(LABEL, ident)
    return await values_page(request, KIND, row["body"], {"opportunity"})


async def cf_put(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    ident = record_id(request)
    if await sandbox.store.record(account_of(request), KIND, ident) is None:
        raise not_found(LABEL, ident)
    await write_values(request, KIND, ident, {"opportunity"})
    return web.Response(status=204 if verify_only(request) else 200)


async def pipelines(request: web.Request) -> web.Response:
    return await list_page(request, "pipeline", Where())


async def steps(request: web.Request) -> web.Response:
    account_id = account_of(request)
    pipeline_id = record_id(request, "pipelineId")
    store = sandbox_of(request).store
    if await store.record(account_id, "pipeline", pipeline_id) is None:
        raise not_found("Pipeline", pipeline_id)
    where = Where()
    where.add(f"json_extract(body, '$.{INTERNAL}.pipeline_id') = ?", pipeline_id)
    return await list_page(request, "step", where)


def opportunity_routes() -> list[web.RouteDef]:
    seg = "/v2/opportunities"
    return [
        web.get(seg, list_all),
        web.post(seg, create),
        web.post(f"{seg}/search", search),
        web.get(f"{seg}/pipelines", pipelines),
        web.get(seg + r"/pipelines/{pipelineId:\d+}/steps", steps),
        web.get(seg + r"/{id:\d+}", get_one),
        web.put(seg + r"/{id:\d+}", update),
        web.delete(seg + r"/{id:\d+}", delete),
        web.get(seg + r"/{id:\d+}/custom-fields", cf_list),
        web.put(seg + r"/{id:\d+}/custom-fields", cf_put),
    ]
