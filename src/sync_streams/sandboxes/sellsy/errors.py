"""Sellsy's error answer: ``{"error": {"code", "message", "context", "details"}}``.

Every failure leaves the sandbox through :class:`SellsyError`, so clients see one
shape (French messages, like Sellsy) whatever went wrong.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

JSON_TYPE = "application/json"


class SellsyError(Exception):
    """An HTTP error answered with Sellsy's error body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        context: str | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.context = context
        self.details = details or {}
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "code": self.status,
                "message": self.message,
                "context": self.context,
                "details": self.details,
            }
        }

    def response(self) -> web.Response:
        return json_response(self.body(), status=self.status, headers=self.headers)


def json_response(
    payload: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A compact JSON answer (Sellsy sends ``application/json``)."""
    return web.Response(
        body=json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode(),
        status=status,
        content_type=JSON_TYPE,
        headers=headers,
    )


def validation_error(details: dict[str, str]) -> SellsyError:
    """400 naming each invalid field (``details`` maps field path -> message)."""
    return SellsyError(
        400,
        "Les données envoyées sont invalides.",
        context="validation",
        details=details,
    )


def not_found(what: str, ident: object) -> SellsyError:
    return SellsyError(
        404,
        f"{what} introuvable (id {ident}).",
        context="not_found",
    )


def unauthorized(reason: str) -> SellsyError:
    return SellsyError(
        401,
        f"Authentification refusée : {reason}.",
        context="authentication",
        headers={"WWW-Authenticate": 'Bearer realm="sellsy"'},
    )


def quota_exceeded(window: str, retry_after: int) -> SellsyError:
    return SellsyError(
        429,
        f"Quota de requêtes atteint ({window}). Réessayez plus tard.",
        context="quota",
        details={"window": window},
        headers={"Retry-After": str(retry_after)},
    )


def server_error() -> SellsyError:
    return SellsyError(500, "Erreur interne du serveur.", context="server")


def bad_json() -> SellsyError:
    return SellsyError(
        400,
        "Le corps de la requête n'est pas un JSON valide.",
        context="validation",
        details={"body": "JSON invalide"},
    )
