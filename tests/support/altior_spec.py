"""Hold Altior traffic to the project's contract, ``docs/altior-openapi.yaml``.

Both sides are checked against the same file: the client's requests (through a
``MockTransport`` or a real server) and the sandbox's responses.  Wrap any
transport in ``SpecCheckingTransport`` and assert ``transport.problems == []``
at the end of a test; or call ``validate_request`` / ``validate_response``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO_ROOT / "docs" / "altior-openapi.yaml"
API_PREFIX = "/api/v1"


class SpecDivergenceError(AssertionError):
    """A request or response does not match docs/altior-openapi.yaml."""


@functools.cache
def spec_dict() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


@functools.cache
def openapi() -> OpenAPI:
    """Spec validation stays ON: our own contract must be a valid OpenAPI document."""
    return OpenAPI.from_dict(spec_dict())


@dataclass
class _SpecRequest:
    method: str
    path: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters
    host_url: str
    full_url_pattern: str = field(default="")


@dataclass
class _SpecResponse:
    status_code: int
    content_type: str
    headers: Headers
    data: bytes | None


def _spec_request(request: httpx.Request) -> _SpecRequest:
    url = request.url
    path = url.path
    index = path.find(API_PREFIX + "/")
    if index < 0:
        raise SpecDivergenceError(f"{request.method} {url} is not under {API_PREFIX}")
    return _SpecRequest(
        method=request.method.lower(),
        path=path[index:],
        body=request.content or None,
        content_type=request.headers.get("content-type", "application/json").lower(),
        parameters=RequestParameters(
            query=ImmutableMultiDict(list(url.params.multi_items())),
            header=Headers(list(request.headers.items())),
        ),
        host_url=f"{url.scheme}://{url.netloc.decode()}{path[:index]}",
    )


def _spec_response(response: httpx.Response) -> _SpecResponse:
    return _SpecResponse(
        status_code=response.status_code,
        content_type=response.headers.get("content-type", "").split(";")[0].strip().lower(),
        headers=Headers(list(response.headers.items())),
        data=response.content or None,
    )


def _describe(exc: BaseException) -> str:
    parts = [f"{type(exc).__name__}: {str(exc)[:600]}"]
    pending: list[BaseException] = [exc]
    seen = {id(exc)}
    while pending:
        current = pending.pop()
        children: list[Any] = list(getattr(current, "schema_errors", None) or [])
        cause = current.__cause__ or current.__context__
        if cause is not None:
            children.append(cause)
        for child in children:
            if isinstance(child, BaseException) and id(child) not in seen:
                seen.add(id(child))
                where = "/".join(str(p) for p in getattr(child, "absolute_path", []) or [])
                message = str(getattr(child, "message", None) or child)[:400]
                parts.append(f"  - {type(child).__name__} at {where or '.'}: {message}")
                pending.append(child)
    return "\n".join(parts)


def validate_request(request: httpx.Request) -> None:
    try:
        openapi().validate_request(_spec_request(request))
    except SpecDivergenceError:
        raise
    except Exception as exc:
        raise SpecDivergenceError(
            f"request {request.method} {request.url.path} diverges from the Altior contract:\n"
            + _describe(exc)
            + f"\nbody: {request.content[:1000]!r}"
        ) from exc


def validate_response(request: httpx.Request, response: httpx.Response) -> None:
    try:
        openapi().validate_response(_spec_request(request), _spec_response(response))
    except SpecDivergenceError:
        raise
    except Exception as exc:
        raise SpecDivergenceError(
            f"response {response.status_code} to {request.method} {request.url.path} diverges "
            f"from the Altior contract:\n{_describe(exc)}\nbody: {response.text[:1500]}"
        ) from exc


class SpecCheckingTransport(httpx.AsyncBaseTransport):
    """Wraps a transport; checks every ``/api/v1`` exchange against the contract.

    Divergences are collected in ``problems`` (raising inside a transport would be
    reported as a transport failure and retried by the client).
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, *, check_requests: bool = True) -> None:
        self.inner = inner
        self.check_requests = check_requests
        self.problems: list[str] = []
        self.checked = 0
        self.statuses: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.check_requests:
            try:
                validate_request(request)
            except SpecDivergenceError as exc:
                self.problems.append(str(exc))
        response = await self.inner.handle_async_request(request)
        await response.aread()
        self.statuses.append(response.status_code)
        try:
            validate_response(request, response)
        except SpecDivergenceError as exc:
            self.problems.append(str(exc))
        self.checked += 1
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
