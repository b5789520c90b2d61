"""Map HTTP outcomes onto the error tree, for any JSON API.

Both Sellsy and our Altior contract answer errors as
``{"error": {"code", "message", ...}}``; other shapes are kept raw.
"""

from __future__ import annotations

from typing import Any

import httpx

from sync_streams.errors import (
    ApiError,
    ApiUnavailableError,
    AuthenticationError,
    FatalApiError,
    ForbiddenError,
    NotFoundError,
    PreconditionFailedError,
    RateLimitedError,
    RejectedError,
)


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _error_body(response: httpx.Response) -> tuple[Any, str | None, str]:
    try:
        body: Any = response.json()
    except ValueError:
        text = response.text[:500]
        return text, None, text or response.reason_phrase
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = error.get("code")
        message = error.get("message") or response.reason_phrase
        return body, str(code) if code is not None else None, str(message)
    return body, None, response.reason_phrase


def raise_for_status(response: httpx.Response, *, system: str) -> None:
    """Raise the error class matching ``response``; return quietly on 2xx/3xx."""
    status = response.status_code
    if status < 400:
        return
    body, code, message = _error_body(response)
    kwargs: dict[str, Any] = {"system": system, "status": status, "code": code, "body": body}
    error_class: type[ApiError]
    if status == 429:
        raise RateLimitedError(message, retry_after=retry_after_seconds(response), **kwargs)
    if status >= 500:
        raise ApiUnavailableError(message, retry_after=retry_after_seconds(response), **kwargs)
    if status == 401:
        error_class = AuthenticationError
    elif status == 403:
        error_class = ForbiddenError
    elif status == 404:
        error_class = NotFoundError
    elif status in (400, 409, 422):
        error_class = RejectedError
    elif status == 412:
        error_class = PreconditionFailedError
    else:
        error_class = FatalApiError
    raise error_class(message, **kwargs)


def transport_error(exc: httpx.TransportError, *, system: str) -> ApiUnavailableError:
    """Wrap timeouts and dropped connections as retriable, without the request URL's secrets."""
    return ApiUnavailableError(f"{type(exc).__name__} talking to the API", system=system)
