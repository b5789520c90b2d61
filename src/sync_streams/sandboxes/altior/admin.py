"""The sandbox's own admin surface under ``/_admin`` (never part of the contract).

Tests, demos and benchmarks use it to create tenants and API keys, seed records in
bulk, read the call log, inject faults and set quotas.  Documented in
docs/altior-sandbox.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sync_streams.sandboxes.altior import entities, tenants
from sync_streams.sandboxes.altior.documents import store_close, store_document
from sync_streams.sandboxes.altior.inputs import json_response, path_id, read_body
from sync_streams.sandboxes.altior.positions import normalise_stamp
from sync_streams.sandboxes.altior.problems import ApiProblem, bad_request, not_found
from sync_streams.sandboxes.altior.records import AFFAIRE, CONTACT, THIRD_PARTY, prepare, store_new
from sync_streams.sandboxes.altior.reference import Reference, add_reference
from sync_streams.sandboxes.altior.state import SandboxState, state_of
from sync_streams.sandboxes.altior.store import Transaction
from sync_streams.sandboxes.altior.traffic import Faults, Quota

PREFIX = "/_admin"
Handler = Callable[[web.Request], Awaitable[web.Response]]


def _invalid(exc: ValueError) -> ApiProblem:
    return bad_request(str(exc), None)


async def _tenant(request: web.Request) -> int:
    tenant_id = path_id(request, "Tenant", "tenant_id")
    if not await tenants.tenant_exists(state_of(request).store, tenant_id):
        raise not_found("Tenant")
    return tenant_id


async def health(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


async def list_tenants(request: web.Request) -> web.Response:
    return json_response({"items": await tenants.list_tenants(state_of(request).store)})


async def create_tenant(request: web.Request) -> web.Response:
    state = state_of(request)
    body = await read_body(request)
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise bad_request("name : texte non vide requis", "name")
    reference = body.get("reference", state.default_reference)
    try:
        created = await tenants.create_tenant(
            state.store, name.strip(), reference, body.get("api_key")
        )
    except ValueError as exc:
        raise _invalid(exc) from None
    return json_response(created, status=201)


async def add_key(request: web.Request) -> web.Response:
    tenant_id = await _tenant(request)
    body = await read_body(request, optional=True)
    try:
        created = await tenants.add_api_key(state_of(request).store, tenant_id, body.get("api_key"))
    except ValueError as exc:
        raise _invalid(exc) from None
    return json_response(created, status=201)


async def revoke_key(request: web.Request) -> web.Response:
    key_id = path_id(request, "Clé", "key_id")
    if not await tenants.revoke_key(state_of(request).store, key_id):
        raise not_found("Clé")
    return json_response({"key_id": key_id, "revoked": True})


async def add_reference_data(request: web.Request) -> web.Response:
    state, tenant_id = state_of(request), await _tenant(request)
    body = await read_body(request)
    try:
        async with state.store.transaction() as tx:
            created = await add_reference(tx, tenant_id, body)
    except ValueError as exc:
        raise _invalid(exc) from None
    state.forget(tenant_id)
    return json_response({"created": created}, status=201)


async def seed_records(request: web.Request) -> web.Response:
    """Bulk-create records in one transaction, through the contract's validation."""
    state, tenant_id = state_of(request), await _tenant(request)
    body = await read_body(request)
    ref = await state.reference(tenant_id)
    login = body.pop("as_user", None) or next(iter(ref.users_by_login), None)
    if login not in ref.users_by_login:
        raise bad_request(f"as_user : utilisateur inconnu {login!r}", "as_user")
    user = ref.users_by_login[login]
    unknown = set(body) - {"third_parties", "contacts", "affaires"}
    if unknown:
        raise bad_request(f"section(s) inconnue(s) : {sorted(unknown)}", None)
    async with state.store.transaction() as tx:
        created = await seed_into(tx, tenant_id, ref, user, body)
    return json_response({"created": created}, status=201)


def _resolve(
    section: str, index: int, item: Any, ref: Reference, third_parties: list[int]
) -> dict[str, Any]:
    """Seed conveniences: ``establishment(s)`` by name, ``third_party_index``."""
    if not isinstance(item, dict):
        raise bad_request(f"{section}[{index}] : objet attendu", f"{section}[{index}]")
    body = dict(item)
    by_name = {name: est_id for est_id, name in ref.establishments.items()}
    if "establishment" in body:
        body["establishment_id"] = by_name.get(body.pop("establishment"), -1)
    if "establishments" in body:
        body["establishment_ids"] = [by_name.get(n, -1) for n in body.pop("establishments")]
    if "third_party_index" in body:
        position = body.pop("third_party_index")
        body["third_party_id"] = (
            third_parties[position] if 0 <= position < len(third_parties) else -1
        )
    return body


async def seed_into(
    tx: Transaction, tenant_id: int, ref: Reference, user: int, sections: dict[str, Any]
) -> dict[str, list[int]]:
    created: dict[str, list[int]] = {"third_parties": [], "contacts": [], "affaires": []}
    for section, rt in (
        ("third_parties", THIRD_PARTY),
        ("contacts", CONTACT),
        ("affaires", AFFAIRE),
    ):
        for index, item in enumerate(sections.get(section) or []):
            body = _resolve(section, index, item, ref, created["third_parties"])
            extras: dict[str, Any] = {
                k: body.pop(k) for k in ("quotes", "orders", "close", "updated_at") if k in body
            }
            try:
                record = await store_new(tx, tenant_id, rt, prepare(rt, body, ref, user))
                for kind in ("quote", "order"):
                    for doc in extras.get(kind + "s") or []:
                        changes = entities.document_changes(
                            doc,
                            entities.QUOTE_STATUSES if kind == "quote" else entities.ORDER_STATUSES,
                        )
                        await store_document(tx, tenant_id, kind, record["id"], changes, user)
                if "close" in extras:
                    await store_close(
                        tx,
                        tenant_id,
                        record["id"],
                        entities.close_changes(extras["close"] or {}),
                        user,
                    )
                if extras.get("updated_at") is not None:  # last: documents move it
                    stamp = normalise_stamp(str(extras["updated_at"]), "updated_at")
                    fresh = await tx.get(tenant_id, rt.kind, record["id"])
                    record = await tx.restamp(fresh or record, stamp)
            except ApiProblem as problem:
                problem.field = (
                    f"{section}[{index}].{problem.field}"
                    if problem.field
                    else (f"{section}[{index}]")
                )
                raise
            created[section].append(record["id"])
    return created


async def calls(request: web.Request) -> web.Response:
    tenant_id = await _tenant(request)
    try:
        key_id = int(request.query["key_id"]) if "key_id" in request.query else None
        after_id = int(request.query.get("after_id", "0"))
        limit = min(int(request.query.get("limit", "1000")), 10_000)
    except ValueError:
        raise bad_request("key_id, after_id et limit sont des entiers", None) from None
    items = await tenants.read_calls(
        state_of(request).store, tenant_id, key_id=key_id, after_id=after_id, limit=limit
    )
    return json_response({"items": items})


async def clear_calls(request: web.Request) -> web.Response:
    tenant_id = await _tenant(request)
    async with state_of(request).store.transaction() as tx:
        await tx.db.execute("DELETE FROM calls WHERE tenant_id = ?", (tenant_id,))
    return json_response({"cleared": True})


def _settings_handlers(name: str) -> tuple[Handler, Handler]:
    def current(state: SandboxState, tenant_id: int) -> dict[str, Any]:
        if name == "faults":
            return state.faults_of(tenant_id).to_dict()
        return state.quota_of(tenant_id).to_dict()

    async def read(request: web.Request) -> web.Response:
        return json_response(current(state_of(request), await _tenant(request)))

    async def write(request: web.Request) -> web.Response:
        state, tenant_id = state_of(request), await _tenant(request)
        body = await read_body(request, optional=True)
        try:
            if name == "faults":
                state.faults[tenant_id] = Faults.from_dict(body)
            else:
                state.quotas[tenant_id] = Quota.from_dict(body)
        except (TypeError, ValueError) as exc:
            raise bad_request(str(exc), None) from None
        await state.save(tenant_id)
        return json_response(current(state, tenant_id))

    return read, write


async def reset_tenant(request: web.Request) -> web.Response:
    state, tenant_id = state_of(request), await _tenant(request)
    await tenants.reset_tenant(state.store, tenant_id)
    state.faults.pop(tenant_id, None)
    state.quotas.pop(tenant_id, None)
    return json_response({"reset": tenant_id})


async def reset_all(request: web.Request) -> web.Response:
    state = state_of(request)
    await tenants.reset_all(state.store)
    state.forget()
    return json_response({"reset": "all"})


def routes() -> list[web.RouteDef]:
    read_faults, write_faults = _settings_handlers("faults")
    read_quotas, write_quotas = _settings_handlers("quotas")
    tenant = PREFIX + "/tenants/{tenant_id}"
    return [
        web.get(PREFIX + "/health", health),
        web.get(PREFIX + "/tenants", list_tenants),
        web.post(PREFIX + "/tenants", create_tenant),
        web.post(tenant + "/api-keys", add_key),
        web.delete(PREFIX + "/api-keys/{key_id}", revoke_key),
        web.post(tenant + "/reference", add_reference_data),
        web.post(tenant + "/records", seed_records),
        web.get(tenant + "/calls", calls),
        web.delete(tenant + "/calls", clear_calls),
        web.get(tenant + "/faults", read_faults),
        web.put(tenant + "/faults", write_faults),
        web.get(tenant + "/quotas", read_quotas),
        web.put(tenant + "/quotas", write_quotas),
        web.post(tenant + "/reset", reset_tenant),
        web.post(PREFIX + "/reset", reset_all),
    ]
