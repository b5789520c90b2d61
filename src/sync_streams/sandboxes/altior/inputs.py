"""Reading what a contract request carries: JSON body, path id, acting user."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from sync_streams.sandboxes.altior.problems import ApiProblem, bad_request, not_found
from sync_streams.sandboxes.altior.reference import Reference


async def read_body(request: web.Request, *, optional: bool = False) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        if optional:
            return {}
        raise bad_request("Corps JSON attendu", None)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("Corps JSON invalide", None) from None
    if not isinstance(body, dict):
        raise bad_request("Un objet JSON est attendu", None)
    return body


def path_id(request: web.Request, what: str, name: str = "id") -> int:
    raw = request.match_info.get(name, "")
    if not raw.isdigit() or int(raw) < 1:
        raise not_found(what)
    return int(raw)


def acting_user(request: web.Request, body: dict[str, Any], ref: Reference) -> int:
    """The user a write is made as: ``X-Altior-User`` login, else body ``created_by``."""
    login = request.headers.get("X-Altior-User")
    if login:
        user_id = ref.users_by_login.get(login)
        if user_id is None:
            raise ApiProblem(
                422,
                "validation_error",
                f"Utilisateur inconnu : « {login} »",
                field="created_by",
                details=[{"field": "created_by", "message": "X-Altior-User inconnu"}],
            )
        return user_id
    created_by = body.get("created_by")
    if isinstance(created_by, int) and not isinstance(created_by, bool):
        if created_by in ref.users_by_id:
            return created_by
        message = f"Utilisateur inconnu : {created_by}"
    else:
        message = "Utilisateur requis : en-tête X-Altior-User ou champ created_by"
    raise ApiProblem(
        422,
        "validation_error",
        message,
        field="created_by",
        details=[{"field": "created_by", "message": message}],
    )


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(data, ensure_ascii=False), status=status, content_type="application/json"
    )
