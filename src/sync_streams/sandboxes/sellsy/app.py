"""The aiohttp application: routes, and the gate every API call goes through.

Order of the gate for ``/v2/*`` (as a client observes it): identify the
account from the bearer token -> count the call against the account's quota ->
injected faults (latency, drop, 5xx) -> 429 if a quota window is exhausted ->
401 if the token is missing, bad, expired or revoked -> the handler -> a lost
answer (``lose_answer``: the connection closed once the write is made).  Every
answer of an identified account carries the ``X-Quota-Remaining-By-*``
headers; every call is written to the call log, with the fault that struck it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from sync_streams.sandboxes.sellsy import admin, auth, records
from sync_streams.sandboxes.sellsy.api_crm import crm_routes
from sync_streams.sandboxes.sellsy.api_custom_fields import custom_field_routes
from sync_streams.sandboxes.sellsy.core import ACCOUNT_ID, CLIENT_ID, SANDBOX, Sandbox, sandbox_of
from sync_streams.sandboxes.sellsy.errors import (
    SellsyError,
    json_response,
    quota_exceeded,
    server_error,
)
from sync_streams.sandboxes.sellsy.faults import FaultDecision
from sync_streams.sandboxes.sellsy.links import link_routes
from sync_streams.sandboxes.sellsy.opportunities import opportunity_routes

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
DROPPED = 0
"""Status written to the call log for a connection closed without an answer (a lost
answer logs the status the handler answered, with the fault ``lose_answer``)."""
WRITES = ("POST", "PUT", "PATCH", "DELETE")
FAULT: web.RequestKey[str | None] = web.RequestKey("sellsy_fault")
"""The injected fault that struck this call, for the call log."""
ANSWERED: web.RequestKey[int] = web.RequestKey("sellsy_answered")
"""The status of an answer made and then lost (``lose_answer``)."""

_HTTP_MESSAGES = {
    404: "Ressource introuvable.",
    405: "Méthode non autorisée pour cette ressource.",
    413: "Requête trop volumineuse.",
}


class Dropped(Exception):
    """The connection was closed on purpose, without an answer."""


def _drop(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.abort()
    raise Dropped


def _is_write(request: web.Request) -> bool:
    """A call that changes data (searches are POSTs that do not)."""
    return request.method in WRITES and not request.path.endswith("/search")


async def _apply_fault(request: web.Request, decision: FaultDecision) -> None:
    """The faults that strike before the handler (``lose_answer`` strikes after it)."""
    request[FAULT] = decision.action
    if decision.latency_ms:
        await asyncio.sleep(decision.latency_ms / 1000)
    if decision.action == "drop":
        _drop(request)
    if decision.action == "error":
        raise SellsyError(decision.error_status, "Erreur interne du serveur.", context="server")
    if decision.action == "rate_limited":
        raise quota_exceeded("second", 1)


async def _api_call(request: web.Request, handler: Handler, sandbox: Sandbox) -> web.StreamResponse:
    claims = sandbox.identify(request)
    account_id = claims.account_id if claims is not None else None
    settings = await sandbox.settings(account_id) if account_id is not None else None
    if settings is None:
        account_id = None
    request[ACCOUNT_ID] = account_id
    request[CLIENT_ID] = claims.client_id if claims else None
    headers: dict[str, str] = {}
    lose_answer = False
    try:
        quota = None
        if account_id is not None and settings is not None:
            quota = sandbox.quota.consume(account_id, settings.quota, sandbox.clock.now_us())
            headers = quota.headers()
        decision = await sandbox.fault_decision(account_id, write=_is_write(request))
        lose_answer = decision.action == "lose_answer"
        await _apply_fault(request, decision)
        if quota is not None and not quota.allowed:
            raise quota_exceeded(quota.exhausted or "second", quota.retry_after)
        await sandbox.check_token(claims)
        response = await handler(request)
    except SellsyError as exc:
        response = exc.response()
    except web.HTTPException as exc:
        message = _HTTP_MESSAGES.get(exc.status, exc.reason)
        response = SellsyError(exc.status, message, context="http").response()
    except (Dropped, asyncio.CancelledError):
        raise
    except Exception:
        log.exception("sandbox handler failed on %s %s", request.method, request.path)
        response = server_error().response()
    response.headers.update(headers)
    if lose_answer:  # processed: the client never hears so
        request[ANSWERED] = response.status
        _drop(request)
    return response


async def _token_call(
    request: web.Request, handler: Handler, sandbox: Sandbox
) -> web.StreamResponse:
    await _apply_fault(request, await sandbox.fault_decision(None))
    return await handler(request)


@web.middleware
async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Route API calls through quota, faults and auth; log every Sellsy-facing call."""
    sandbox = sandbox_of(request)
    path = request.path
    if path.startswith("/_admin"):
        try:
            return await handler(request)
        except SellsyError as exc:
            return exc.response()
        except web.HTTPException as exc:
            return SellsyError(exc.status, exc.reason, context="admin").response()
    started = time.perf_counter()
    at_us = sandbox.clock.now_us()
    status = DROPPED
    try:
        if path.startswith("/v2/"):
            response = await _api_call(request, handler, sandbox)
        elif path == auth.TOKEN_PATH:
            response = await _token_call(request, handler, sandbox)
        else:
            response = SellsyError(404, _HTTP_MESSAGES[404], context="http").response()
        status = response.status
        return response
    except SellsyError as exc:
        status = exc.status
        return exc.response()
    except Dropped:
        status = request.get(ANSWERED, DROPPED)
        return web.Response(status=499)  # never reaches the client: transport is gone
    finally:
        await sandbox.store.log_call(
            (
                request.get(ACCOUNT_ID),
                request.get(CLIENT_ID),
                request.method,
                path,
                request.query_string,
                status,
                at_us,
                round((time.perf_counter() - started) * 1000, 3),
                request.get(FAULT),
            )
        )


async def token(request: web.Request) -> web.Response:
    """``POST /oauth2/access-tokens`` (client credentials)."""
    sandbox = sandbox_of(request)
    creds = await auth.client_credentials(request)
    if isinstance(creds, web.Response):
        return creds
    _grant, client_id, secret = creds
    issued = await sandbox.issue_token(client_id, secret)
    if issued is None:
        return auth.oauth_error(401, "invalid_client", "Identifiants du client API invalides.")
    access_token, lifetime = issued
    claims = auth.read_token(sandbox.key, access_token)
    request[CLIENT_ID] = client_id
    request[ACCOUNT_ID] = claims.account_id if claims else None
    return json_response(
        {"token_type": "Bearer", "expires_in": lifetime, "access_token": access_token},
        headers={"Cache-Control": "no-store"},
    )


def build_app(sandbox: Sandbox) -> web.Application:
    """The whole sandbox as one aiohttp application (caller owns ``sandbox``)."""
    app = web.Application(middlewares=[gate], client_max_size=64 * 1024 * 1024)
    app[SANDBOX] = sandbox
    app.router.add_post(auth.TOKEN_PATH, token)
    for kind in records.KINDS.values():
        app.router.add_routes(crm_routes(kind))
    app.router.add_routes(link_routes())
    app.router.add_routes(opportunity_routes())
    app.router.add_routes(custom_field_routes())
    app.router.add_routes(admin.admin_routes())
    return app
