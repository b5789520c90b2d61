"""Hold the client's traffic to the official spec, past two defects of the spec.

* Sellsy reads list parameters PHP-style (``embed[]=cf.1``, as the spec's own
  descriptions write them) while the spec declares them as ``embed``: the
  validator would silently ignore ``embed[]``, so names are mapped before
  validation and the values get checked (``^cf.\\d+$``).
* ``_embed`` and every custom field item are declared ``additionalProperties:
  false`` beside an ``allOf``, which no object with content can satisfy (a custom
  field validates only as ``{}``): answers are checked without ``_embed``, and
  answers made of custom fields are not checked.

Used by the unit tests' fake Sellsy and by the integration tests' transport.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import httpx

from tests.support.sellsy_spec import validate_request, validate_response

UNSATISFIABLE_ANSWERS = re.compile(r"/v2/(custom-fields/search|\w+/\d+/custom-fields)")


def spec_view(request: httpx.Request) -> httpx.Request:
    """The request as the spec names its parameters (``embed[]`` -> ``embed``)."""
    params = [(k.removesuffix("[]"), v) for k, v in request.url.params.multi_items()]
    return httpx.Request(
        request.method,
        request.url.copy_with(params=params),
        headers=request.headers,
        content=request.content,
    )


def without_embed(body: Any) -> Any:
    body = copy.deepcopy(body)
    records = body.get("data") if isinstance(body, dict) and "pagination" in body else [body]
    for record in records if isinstance(records, list) else []:
        if isinstance(record, dict):
            record.pop("_embed", None)
    return body


def is_api_call(request: httpx.Request) -> bool:
    return "/v2/" in request.url.path


def check_request(request: httpx.Request) -> None:
    """Raise ``SpecDivergenceError`` if an API request is off-spec (token calls pass)."""
    if is_api_call(request):
        validate_request(spec_view(request))


def check_response(request: httpx.Request, response: httpx.Response) -> None:
    """Raise ``SpecDivergenceError`` if a successful API answer is off-spec."""
    if not is_api_call(request) or UNSATISFIABLE_ANSWERS.fullmatch(request.url.path):
        return
    if not response.is_success or not response.content:
        return
    check = httpx.Response(
        response.status_code, json=without_embed(response.json()), headers=response.headers
    )
    validate_response(spec_view(request), check)


class SpecCheckingTransport(httpx.AsyncBaseTransport):
    """Wraps a real transport; every exchange of the client is spec-checked."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.inner = inner or httpx.AsyncHTTPTransport()
        self.checked = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        check_request(request)
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        check_response(request, response)
        self.checked += 1
        # Hand the body back unread (decoded, hence without content-encoding), so the
        # client reads it as it must with a plain transport: nothing here hides a missed read.
        headers = [(k, v) for k, v in response.headers.multi_items() if k != "content-encoding"]
        return httpx.Response(
            response.status_code,
            headers=headers,
            stream=httpx.ByteStream(content),
            request=request,
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()
