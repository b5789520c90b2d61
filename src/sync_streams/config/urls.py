"""The ``ApiUrl`` field type: an http(s) URL whose host the service allows."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, ValidationInfo
from pydantic_core import PydanticCustomError

from sync_streams.config.base import load_context
from sync_streams.config.hosts import check_api_url


def _validate_api_url(value: str, info: ValidationInfo) -> str:
    context = load_context(info)
    url, problem = check_api_url(
        value,
        allowed_hosts=context.allowed_api_hosts,
        allow_plain_http=context.allow_plain_http,
    )
    if url is None:
        raise PydanticCustomError("api_url", "{reason}", {"reason": problem})
    return url


ApiUrl = Annotated[str, AfterValidator(_validate_api_url)]
"""Base URL of an API: http(s), allowed host, no credentials, no trailing slash."""
