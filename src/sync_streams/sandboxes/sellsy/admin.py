"""``/_admin/*``: accounts, API clients, seeding, call log, quotas, faults, reset.

Kept apart from the Sellsy paths (nothing under ``/v2``), unauthenticated,
for tests and demos on a trusted host.  Bodies and answers are JSON; errors use
the Sellsy error shape.  docs/sellsy-sandbox.md lists every endpoint.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sync_streams.sandboxes.sellsy import customfields, seed
from sync_streams.sandboxes.sellsy.clock import to_iso
from sync_streams.sandboxes.sellsy.core import Sandbox, read_json, sandbox_of
from sync_streams.sandboxes.sellsy.errors import SellsyError, json_response, validation_error
from sync_streams.sandboxes.sellsy.models import french_details
from sync_streams.sandboxes.sellsy.seeding import NewAccount, apply_seed, new_account
from sync_streams.sandboxes.sellsy.settings import Faults, merged


class NewClient(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = "API client"
    client_id: str | None = Field(default=None, min_length=8)
    client_secret: str | None = Field(default=None, min_length=8)


def _check(model: type[BaseModel], payload: object) -> Any:
    try:
        return model.model_validate(payload if payload is not None else {})
    except ValidationError as exc:
        raise validation_error(french_details(exc)) from exc


async def _account_id(request: web.Request) -> int:
    raw = request.match_info["account_id"]
    if not raw.isdigit() or await sandbox_of(request).settings(int(raw)) is None:
        raise SellsyError(404, f"Compte {raw} introuvable.", context="admin")
    return int(raw)


async def create_account(request: web.Request) -> web.Response:
    spec = _check(NewAccount, await read_json(request))
    try:
        created = await new_account(sandbox_of(request), spec)
    except ValidationError as exc:
        raise validation_error(french_details(exc, "settings.")) from exc
    return json_response(created, status=201)


async def _describe(sandbox: Sandbox, row: dict[str, Any]) -> dict[str, Any]:
    settings = await sandbox.settings(int(row["id"]))
    assert settings is not None
    quota = sandbox.quota.peek(int(row["id"]), settings.quota, sandbox.clock.now_us())
    return {
        "id": row["id"], "name": row["name"], "created": to_iso(row["created_us"]),
        "settings": settings.model_dump(), "quota_remaining": quota.remaining,
        "clients": [{"client_id": c["client_id"], "name": c["name"]}
                    for c in await sandbox.store.clients(int(row["id"]))],
    }  # fmt: skip


async def list_accounts(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    rows = await sandbox.store.accounts()
    return json_response({"accounts": [await _describe(sandbox, row) for row in rows]})


async def get_account(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    row = await sandbox.store.account(await _account_id(request))
    assert row is not None
    return json_response(await _describe(sandbox, row))


async def create_client(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    account_id = await _account_id(request)
    spec = _check(NewClient, await read_json(request))
    if spec.client_id and await sandbox.store.client(spec.client_id) is not None:
        raise SellsyError(409, f"Le client API {spec.client_id} existe déjà.", context="admin")
    client_id, secret = await sandbox.create_client(
        account_id, spec.name, client_id=spec.client_id, secret=spec.client_secret
    )
    return json_response({"client_id": client_id, "client_secret": secret}, status=201)


async def _update_settings(request: web.Request, changes: dict[str, Any]) -> web.Response:
    sandbox = sandbox_of(request)
    account_id = await _account_id(request)
    current = await sandbox.settings(account_id)
    assert current is not None
    try:
        updated = merged(current, changes)
    except ValidationError as exc:
        raise validation_error(french_details(exc)) from exc
    await sandbox.save_settings(account_id, updated)
    return json_response(updated.model_dump())


async def patch_settings(request: web.Request) -> web.Response:
    payload = await read_json(request)
    if not isinstance(payload, dict):
        raise validation_error({"body": "Un objet JSON est attendu."})
    return await _update_settings(request, payload)


async def set_quota(request: web.Request) -> web.Response:
    """Merge: only the windows given change (``per_second``, ``per_minute``, ...)."""
    payload = await read_json(request)
    return await _update_settings(request, {"quota": payload if isinstance(payload, dict) else {}})


async def set_faults(request: web.Request) -> web.Response:
    """Replace the account's faults (``{}`` clears them)."""
    faults = _check(Faults, await read_json(request))
    sandbox = sandbox_of(request)
    account_id = await _account_id(request)
    current = await sandbox.settings(account_id)
    assert current is not None
    await sandbox.save_settings(account_id, current.model_copy(update={"faults": faults}))
    return json_response(faults.model_dump())


async def set_global_faults(request: web.Request) -> web.Response:
    faults = _check(Faults, await read_json(request))
    await sandbox_of(request).set_global_faults(faults)
    return json_response(faults.model_dump())


async def expire_tokens(request: web.Request) -> web.Response:
    """Every token issued so far for this account answers 401 from now on."""
    sandbox = sandbox_of(request)
    now_us = sandbox.clock.now_us()
    await _update_settings(request, {"tokens_not_before_us": now_us})
    return json_response({"tokens_not_before": to_iso(now_us)})


async def seed_account(request: web.Request) -> web.Response:
    account_id = await _account_id(request)
    payload = await read_json(request)
    if not isinstance(payload, dict):
        raise validation_error({"body": "Un objet JSON est attendu."})
    return json_response(await apply_seed(sandbox_of(request), account_id, payload), status=201)


async def add_custom_field(request: web.Request) -> web.Response:
    account_id = await _account_id(request)
    payload = await read_json(request)
    problems: dict[str, str] = {}
    if not isinstance(payload, dict):
        raise validation_error({"body": "Un objet JSON est attendu."})
    if not isinstance(payload.get("name"), str):
        problems["name"] = "Ce champ est obligatoire."
    if payload.get("type") not in customfields.FIELD_TYPES:
        problems["type"] = f"Attendu : {', '.join(customfields.FIELD_TYPES)}."
    related = payload.get("related_object")
    if not isinstance(related, list) or not set(related) <= set(customfields.RELATED_OBJECTS):
        problems["related_object"] = "Liste d'objets Sellsy attendue (client, contact, ...)."
    if problems:
        raise validation_error(problems)
    body = await seed.add_custom_field(sandbox_of(request), account_id, payload)
    return json_response(body, status=201)


async def calls(request: web.Request) -> web.Response:
    """The call log, oldest first: ``?account_id=&client_id=&since=<seq>&limit=``."""
    query = request.query
    account = query.get("account_id")
    since, limit = query.get("since", "0"), query.get("limit", "1000")
    if not since.isdigit() or not limit.isdigit() or (account and not account.isdigit()):
        raise validation_error({"query": "account_id, since et limit sont des entiers."})
    rows = await sandbox_of(request).store.calls(
        int(account) if account else None, query.get("client_id"), int(since), int(limit)
    )
    for row in rows:
        row["at"] = to_iso(row.pop("at_us"))
    return json_response({"calls": rows, "last_seq": rows[-1]["seq"] if rows else int(since)})


async def reset(request: web.Request) -> web.Response:
    """``{"account_id": N}``: wipe that account's data and re-seed defaults; ``{}``: wipe all."""
    sandbox = sandbox_of(request)
    payload = await read_json(request) or {}
    account = payload.get("account_id") if isinstance(payload, dict) else None
    if account is not None:
        if not isinstance(account, int) or await sandbox.settings(account) is None:
            raise SellsyError(404, f"Compte {account} introuvable.", context="admin")
        await sandbox.store.reset(account)
        sandbox.quota.forget(account)
        await seed.seed_defaults(sandbox, account)
    else:
        await sandbox.store.reset(None)
        sandbox.quota.forget()
        sandbox.forget_settings()
    return json_response({"reset": "account" if account is not None else "all"})


async def health(_request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


def admin_routes() -> list[web.RouteDef]:
    one = r"/_admin/accounts/{account_id}"
    return [
        web.get("/_admin/health", health),
        web.post("/_admin/accounts", create_account),
        web.get("/_admin/accounts", list_accounts),
        web.get(one, get_account),
        web.patch(one, patch_settings),
        web.post(f"{one}/clients", create_client),
        web.put(f"{one}/quota", set_quota),
        web.put(f"{one}/faults", set_faults),
        web.post(f"{one}/expire-tokens", expire_tokens),
        web.post(f"{one}/seed", seed_account),
        web.post(f"{one}/custom-fields", add_custom_field),
        web.put("/_admin/faults", set_global_faults),
        web.get("/_admin/calls", calls),
        web.post("/_admin/reset", reset),
    ]
