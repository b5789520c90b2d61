"""Error answers of the Altior sandbox, in the contract's ``{"error": {...}}`` shape.

Handlers raise ``ApiProblem``; one middleware renders it, so every error body is
uniform and always names the offending field when there is one.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


class ApiProblem(Exception):
    """An error answer: HTTP status, stable ``code``, French ``message`` and ``field``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.details = details
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "field": self.field}
        if self.details:
            error["details"] = self.details
        return {"error": error}

    def response(self) -> web.Response:
        return web.json_response(
            self.body(), status=self.status, headers=self.headers, dumps=_dumps
        )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def bad_request(message: str, field: str | None = None, code: str = "bad_request") -> ApiProblem:
    return ApiProblem(400, code, message, field=field)


def not_found(what: str) -> ApiProblem:
    return ApiProblem(404, "not_found", f"{what} introuvable")


def precondition_failed(current: str) -> ApiProblem:
    """412: a conditional write (``If-Match``) based on another version than ``current``."""
    return ApiProblem(
        412,
        "precondition_failed",
        f"l'enregistrement a été modifié depuis (version actuelle {current})",
        field="If-Match",
    )


def conflict(
    code: str, message: str, field: str | None, record_id: int | None = None
) -> ApiProblem:
    detail: dict[str, Any] = {"field": field, "message": message}
    if record_id is not None:
        detail["record_id"] = record_id
    return ApiProblem(409, code, message, field=field, details=[detail])


class Problems:
    """Collects validation problems so one 422 lists them all (``field`` = the first)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append((field, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if not self.items:
            return
        field, message = self.items[0]
        details = [{"field": f, "message": m} for f, m in self.items]
        raise ApiProblem(422, "validation_error", message, field=field, details=details)
