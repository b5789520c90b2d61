"""What happens around every contract call: auth, quota, faults, errors, call log.

Only paths under ``/api/v1`` go through auth, quotas and faults; the ``/_admin``
surface only gets uniform error bodies.  A lost answer (``lose_answer``) runs the
handler, then closes the connection: the call log keeps the status it answered.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from sync_streams.sandboxes.altior.problems import ApiProblem
from sync_streams.sandboxes.altior.state import TENANT_KEY, state_of
from sync_streams.sandboxes.altior.tenants import log_call, now_stamp, resolve_key

API_PREFIX = "/api/v1"
WRITES = ("POST", "PUT", "PATCH", "DELETE")
MAX_LOGGED_BODY = 20_000
log = logging.getLogger("sync_streams.sandboxes.altior")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _http_problem(exc: web.HTTPException) -> ApiProblem:
    if exc.status == 404:
        return ApiProblem(404, "not_found", "Ressource introuvable")
    if exc.status == 405:
        return ApiProblem(405, "method_not_allowed", "Méthode non permise")
    return ApiProblem(exc.status, "bad_request", exc.reason)


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiProblem as problem:
        return problem.response()
    except web.HTTPException as exc:
        return _http_problem(exc).response()
    except Exception:
        log.exception("altior sandbox: unexpected error on %s %s", request.method, request.path)
        return ApiProblem(500, "internal_error", "Erreur interne").response()


def _injected_error(status: int) -> web.Response:
    if status == 429:
        return ApiProblem(
            429, "rate_limited", "Quota d'appels dépassé (simulé)", headers={"Retry-After": "1"}
        ).response()
    code = "internal_error" if status >= 500 else "bad_request"
    return ApiProblem(status, code, "Erreur simulée").response()


@web.middleware
async def contract_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(API_PREFIX + "/"):
        return await _answer(request, handler)
    state = state_of(request)
    started = time.monotonic()
    entry: dict[str, object] = {
        "tenant_id": None,
        "key_id": None,
        "at": now_stamp(),
        "method": request.method,
        "path": request.path,
        "query": request.query_string,
        "user": request.headers.get("X-Altior-User"),
        "fault": None,
        "body": None,
    }
    if request.can_read_body:
        raw = await request.read()
        entry["body"] = raw[:MAX_LOGGED_BODY].decode("utf-8", "replace")
    response = await _guarded(request, handler, entry)
    # 0: dropped without an answer (a lost answer logs the status it had)
    entry["status"] = response.status if response is not None else entry.get("status", 0)
    entry["duration_ms"] = round((time.monotonic() - started) * 1000, 3)
    if entry["tenant_id"] is not None:
        await log_call(state.store, entry)
    if response is None:  # dropped connection
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=500)
    return response


async def _guarded(
    request: web.Request, handler: Handler, entry: dict[str, object]
) -> web.StreamResponse | None:
    state = state_of(request)
    api_key = request.headers.get("X-Api-Key", "")
    found = await resolve_key(state.store, api_key) if api_key else None
    if found is None:
        return ApiProblem(
            401, "unauthorized", "Clé d'API absente ou inconnue", field="X-Api-Key"
        ).response()
    tenant_id, key_id = found
    entry["tenant_id"], entry["key_id"] = tenant_id, key_id
    request[TENANT_KEY] = tenant_id
    quota = state.quota_of(tenant_id)
    quota_headers: dict[str, str] = {}
    if quota.active:
        allowed, quota_headers = quota.take()
        if not allowed:
            entry["fault"] = "quota"
            return ApiProblem(
                429, "rate_limited", "Quota d'appels dépassé", headers=quota_headers
            ).response()
    faults = state.faults_of(tenant_id)
    contract_path = request.path[len(API_PREFIX) :]
    if faults.applies_to(contract_path):
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        decision = faults.decide(write=request.method in WRITES)
        if decision == "lose_answer":  # processed; the client never hears so
            answered = await _answer(request, handler)
            entry["fault"], entry["status"] = decision, answered.status
            return None
        if decision == "drop":
            entry["fault"] = "drop"
            return None
        if decision in ("error", "rate_limited"):
            entry["fault"] = decision
            status = 429 if decision == "rate_limited" else faults.error_status
            response: web.StreamResponse = _injected_error(status)
            response.headers.update(quota_headers)
            return response
    response = await _answer(request, handler)
    response.headers.update(quota_headers)
    return response
