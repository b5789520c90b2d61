"""A scriptable fake Sellsy behind ``httpx.MockTransport`` for the client's unit tests.

Every API request the client sends is validated against the official spec, and so
are the fake's answers, so the tests feed the client realistic payloads (see
``spec_shim`` for the two places where the spec itself is wrong).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.unit.sellsy.spec_shim import check_request, check_response

TOKEN_URL = "https://login.sellsy.test/oauth2/access-tokens"
BASE_URL = "https://api.sellsy.test/v2"

Responder = Callable[[httpx.Request], httpx.Response]


class _YieldingTransport(httpx.MockTransport):
    """``MockTransport`` that behaves more like a network: other tasks run before the
    answer, and the body comes as an unread stream the client must read itself."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)
        answer = await super().handle_async_request(request)
        return httpx.Response(
            answer.status_code,
            headers=answer.headers,
            stream=httpx.ByteStream(answer.content),
            request=request,
        )


def sellsy_error(status: int, message: str, context: str = "", **details: str) -> httpx.Response:
    """An error in Sellsy's shape (messages are French in real life)."""
    body = {"error": {"code": status, "message": message, "context": context, "details": details}}
    return httpx.Response(status, json=body)


def page(records: list[Any], *, limit: int, total: int, offset: str | int) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "data": records,
            "pagination": {"limit": limit, "count": len(records), "total": total, "offset": offset},
        },
    )


@dataclass
class FakeSellsy:
    """Routes by (method, path regex); unrouted calls answer 404 in Sellsy's shape."""

    token_lifetime: int = 3600
    validate: bool = True
    validate_responses: bool = True
    requests: list[httpx.Request] = field(default_factory=list)
    token_requests: list[httpx.Request] = field(default_factory=list)
    valid_tokens: set[str] = field(default_factory=set)
    quota_headers: dict[str, str] = field(default_factory=dict)
    _routes: list[tuple[str, re.Pattern[str], Responder]] = field(default_factory=list)

    @property
    def transport(self) -> httpx.AsyncBaseTransport:
        return _YieldingTransport(self.handle)

    @property
    def api_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.startswith("/v2/")]

    def route(self, method: str, path: str, responder: Responder | httpx.Response) -> None:
        """``path`` is a regex on the part after ``/v2`` (anchored both ends)."""
        if isinstance(responder, httpx.Response):
            fixed = responder
            responder = lambda _request: fixed  # noqa: E731
        self._routes.insert(0, (method.upper(), re.compile(path + r"\Z"), responder))

    def revoke_tokens(self) -> None:
        self.valid_tokens.clear()

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if str(request.url) == TOKEN_URL:
            return self._token(request)
        if self.validate:
            check_request(request)
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.valid_tokens:
            return sellsy_error(401, "Jeton d'accès invalide ou expiré", "auth")
        path = request.url.path.removeprefix("/v2")
        for method, pattern, responder in self._routes:
            if method == request.method and pattern.match(path):
                response = responder(request)
                break
        else:
            response = sellsy_error(404, "Ressource introuvable", "not_found")
        response.headers.update(self.quota_headers)
        if self.validate_responses:
            check_response(request, response)
        return response

    def _token(self, request: httpx.Request) -> httpx.Response:
        self.token_requests.append(request)
        form = dict(httpx.QueryParams(request.content.decode()))
        if form.get("grant_type") != "client_credentials" or form.get("client_secret") != "s3cr3t":
            return httpx.Response(401, json={"error": "invalid_client"})
        token = f"token-{len(self.token_requests)}"
        self.valid_tokens.add(token)
        return httpx.Response(
            200,
            json={"token_type": "Bearer", "expires_in": self.token_lifetime, "access_token": token},
        )


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


def company(record_id: int, **fields: Any) -> dict[str, Any]:
    """A company as Sellsy answers it (spec field names)."""
    base: dict[str, Any] = {
        "id": record_id,
        "type": "client",
        "name": f"Société {record_id}",
        "email": f"contact{record_id}@example.fr",
        "website": None,
        "phone_number": "+33100000000",
        "mobile_number": None,
        "fax_number": None,
        "legal_france": {"siret": "73282932000074", "siren": "732829320", "vat": None},
        "reference": f"ALT-{record_id}",
        "main_contact_id": None,
        "created": "2024-01-01T09:00:00+01:00",
        "updated_at": "2024-05-02T10:00:00+02:00",
        "is_archived": False,
    }
    base.update(fields)
    return base
