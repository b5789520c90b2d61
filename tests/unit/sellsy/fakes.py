"""A scriptable fake Sellsy behind ``httpx.MockTransport`` for the client's unit tests.

Every API request the client sends is validated against the official spec
(``tests/support/sellsy_spec.py``).  Two adaptations, both about the spec rather
than the client:

* Sellsy reads list parameters PHP-style (``embed[]=cf.1``, as the spec's own
  descriptions write them) while the spec declares them as ``embed``; the
  validator would silently ignore ``embed[]``, so the names are mapped before
  validation and the values get checked (``^cf.\\d+$``).
* The fake's answers are validated too, so the tests feed the client realistic
  payloads -- except ``_embed``, and the answers made of custom fields: the spec
  declares them ``additionalProperties: false`` beside an ``allOf``, which no
  object with content can satisfy (a custom field validates only as ``{}``).
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.sellsy_spec import validate_request, validate_response

TOKEN_URL = "https://login.sellsy.test/oauth2/access-tokens"
BASE_URL = "https://api.sellsy.test/v2"

Responder = Callable[[httpx.Request], httpx.Response]

# Answers whose spec schema only ``{}`` items satisfy (see the module docstring).
UNSATISFIABLE_ANSWERS = re.compile(r"/v2/(custom-fields/search|\w+/\d+/custom-fields)")


class _YieldingTransport(httpx.MockTransport):
    """``MockTransport`` that lets other tasks run before answering, like a network."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)
        return await super().handle_async_request(request)


def spec_view(request: httpx.Request) -> httpx.Request:
    """The request as the spec names its parameters (``embed[]`` -> ``embed``)."""
    params = [(k.removesuffix("[]"), v) for k, v in request.url.params.multi_items()]
    return httpx.Request(
        request.method,
        request.url.copy_with(params=params),
        headers=request.headers,
        content=request.content,
    )


def _without_embed(body: Any) -> Any:
    body = copy.deepcopy(body)
    records = body.get("data") if isinstance(body, dict) and "pagination" in body else [body]
    for record in records if isinstance(records, list) else []:
        if isinstance(record, dict):
            record.pop("_embed", None)
    return body


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
            validate_request(spec_view(request))
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
        checkable = not UNSATISFIABLE_ANSWERS.fullmatch(request.url.path)
        if self.validate_responses and checkable and response.is_success and response.content:
            body = _without_embed(response.json())
            check = httpx.Response(response.status_code, json=body, headers=response.headers)
            validate_response(spec_view(request), check)
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
