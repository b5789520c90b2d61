"""Validate Sellsy traffic against the official OpenAPI spec (v2.207.0).

Both the client's requests and the sandbox's responses are held to the same
published contract, so a divergence on either side is a failing test rather
than a surprise in production.  The 1.7 MB YAML takes about a second to parse:
it is parsed once per machine (pickled under ``.pytest_cache``, keyed by the
file's size and mtime) and once per process (``functools.cache``).

Usage::

    from tests.support.sellsy_spec import validate_request, validate_response

    validate_request(response.request)
    validate_response(response.request, response)

Any ``http(s)://HOST:PORT/.../v2/...`` URL is mapped onto the spec's server
``https://api.sellsy.com/v2``, so the sandbox's base URL validates as Sellsy's.
The spec is loaded with spec validation OFF: it does not pass strict OpenAPI
validation (a ``date-time`` field has the default "Current datetime").

Three defects of the spec are corrected here, narrowly (field reports in
docs/sellsy-sandbox.md): PHP-style ``embed[]``/``field[]`` query names are
read as the spec's ``embed``/``field``; ``additionalProperties: false`` beside
``allOf``/``anyOf``/``oneOf`` (which no non-empty object can satisfy: every
custom field item and ``_embed``) is dropped; ``null`` joins the ``enum`` of
schemas declared ``nullable`` (e.g. ``civility``), see :data:`CORRECTIONS`.
Answers with a status the operation does not document must carry Sellsy's
error shape (:func:`validate_error_body`).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import os
import pickle
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_schema_validator import OAS30Validator
from werkzeug.datastructures import Headers, ImmutableMultiDict

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SPEC_PATH = REPO_ROOT / "docs" / "reference" / "sellsy-api-v2.openapi.yaml"
SPEC_ENV_VAR = "SELLSY_OPENAPI_SPEC"
SPEC_HOST_URL = "https://api.sellsy.com"
API_PREFIX = "/v2"


class SpecDivergenceError(AssertionError):
    """A request or response does not match the official Sellsy spec."""


def spec_path() -> Path:
    """Where the official spec lives (override with $SELLSY_OPENAPI_SPEC)."""
    return Path(os.environ.get(SPEC_ENV_VAR, str(DEFAULT_SPEC_PATH)))


def _cache_file(path: Path) -> Path:
    stat = path.stat()
    key = hashlib.sha256(f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()
    return REPO_ROOT / ".pytest_cache" / "sellsy-spec" / f"{key[:16]}.pickle"


@functools.cache
def spec_dict() -> dict[str, Any]:
    """The parsed spec as a plain dict (read-only by convention)."""
    path = spec_path()
    if not path.is_file():
        raise FileNotFoundError(f"official Sellsy spec not found at {path} (set ${SPEC_ENV_VAR})")
    cache = _cache_file(path)
    if cache.is_file():
        try:
            with cache.open("rb") as fh:
                loaded: dict[str, Any] = pickle.load(fh)  # noqa: S301 - our own cache file
            return loaded
        except (OSError, pickle.UnpicklingError, EOFError):
            pass
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.load(fh, Loader=loader)  # noqa: S506 - safe loader
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(cache)
    except OSError:
        pass
    return data


CORRECTIONS: list[str] = []
"""What :func:`corrected_spec` changed, one line per fix (see docs/sellsy-sandbox.md)."""


def _drop_closed_combinators(node: Any, path: str, fixes: list[str]) -> None:
    """Spec bug: ``additionalProperties: false`` beside or inside ``allOf``/``anyOf``/``oneOf``.

    With no ``properties`` of its own, such a schema forbids *every* property
    (JSON-schema keywords do not see into sibling combinators), so no real
    payload can match; likewise a closed branch of an ``allOf`` refuses what
    the other branches add.  The author plainly meant "nothing beyond the
    combined properties", which OpenAPI 3.0 cannot say.  The keyword is dropped.
    """
    if isinstance(node, dict):
        if (
            node.get("additionalProperties") is False
            and "properties" not in node
            and any(k in node for k in ("allOf", "anyOf", "oneOf"))
        ):
            del node["additionalProperties"]
            fixes.append(path)
        for index, branch in enumerate(node.get("allOf") or []):
            # A closed branch of an allOf refuses the properties its siblings add
            # (e.g. a pipeline step and its ``_embed``).
            closed = isinstance(branch, dict) and branch.get("additionalProperties") is False
            if closed and len(node["allOf"]) > 1:
                del branch["additionalProperties"]
                fixes.append(f"{path}/allOf/{index}")
        for key, value in node.items():
            _drop_closed_combinators(value, f"{path}/{key}", fixes)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _drop_closed_combinators(value, f"{path}/{index}", fixes)


def _null_in_nullable_enums(node: Any, path: str, fixes: list[str]) -> None:
    """Spec bug: ``nullable: true`` with an ``enum`` that does not list ``null``.

    OpenAPI 3.0.3 makes ``enum`` win, so ``civility: null`` (a contact without
    civility) would be refused although the field is declared nullable.
    """
    if isinstance(node, dict):
        enum = node.get("enum")
        if node.get("nullable") is True and isinstance(enum, list) and None not in enum:
            node["enum"] = [*enum, None]
            fixes.append(path)
        for key, value in node.items():
            _null_in_nullable_enums(value, f"{path}/{key}", fixes)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _null_in_nullable_enums(value, f"{path}/{index}", fixes)


@functools.cache
def corrected_spec() -> dict[str, Any]:
    """The spec with its documented defects fixed (the raw dict stays untouched)."""
    spec = copy.deepcopy(spec_dict())
    fixes: list[str] = []
    _drop_closed_combinators(spec, "#", fixes)
    CORRECTIONS.extend(
        f"additionalProperties:false beside a combinator dropped at {p}" for p in fixes
    )
    nulls: list[str] = []
    _null_in_nullable_enums(spec, "#", nulls)
    CORRECTIONS.extend(f"null added to the enum of a nullable schema at {p}" for p in nulls)
    return spec


@functools.cache
def openapi() -> OpenAPI:
    """The openapi-core object for the corrected spec, spec validation disabled."""
    return OpenAPI.from_dict(corrected_spec(), config=Config(spec_validator_cls=None))


def spec_path_of(url: httpx.URL | str) -> str:
    """Map any sandbox or real URL onto the spec's ``/v2/...`` path."""
    path = httpx.URL(str(url)).path
    index = path.find(API_PREFIX + "/")
    if index < 0:
        raise SpecDivergenceError(f"URL {url} has no {API_PREFIX}/ segment: not a Sellsy v2 call")
    return path[index:]


@dataclass
class _SpecRequest:
    """openapi-core's Request protocol over an ``httpx.Request``."""

    method: str
    path: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters
    host_url: str = SPEC_HOST_URL
    full_url_pattern: str = field(default="")


def _spec_request(request: httpx.Request) -> _SpecRequest:
    # Sellsy reads query arrays PHP-style (``embed[]=cf.1``, as the spec's own
    # descriptions write them) while the spec names them ``embed``/``field``:
    # map the names so the values are validated instead of silently ignored.
    query = ImmutableMultiDict(
        [(key.removesuffix("[]"), value) for key, value in request.url.params.multi_items()]
    )
    headers = Headers(list(request.headers.items()))
    body = request.content if request.content else None
    return _SpecRequest(
        method=request.method.lower(),
        path=spec_path_of(request.url),
        body=body,
        content_type=request.headers.get("content-type", "application/json").lower(),
        parameters=RequestParameters(query=query, header=headers),
    )


@dataclass
class _SpecResponse:
    """openapi-core's Response protocol over an ``httpx.Response``."""

    status_code: int
    content_type: str
    headers: Headers
    data: bytes | None


def _spec_response(response: httpx.Response) -> _SpecResponse:
    return _SpecResponse(
        status_code=response.status_code,
        content_type=response.headers.get("content-type", "").split(";")[0].strip().lower(),
        headers=Headers(list(response.headers.items())),
        data=response.content or None,
    )


def _short(text: str, limit: int = 600) -> str:
    return text if len(text) <= limit else f"{text[: limit // 2]} [...] {text[-limit // 2 :]}"


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence openapi-core's "Unsupported scheme type": it cannot check oauth2, by design."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Unsupported scheme type")
        yield


def _describe(exc: BaseException) -> str:
    """Flatten openapi-core's nested errors into one readable paragraph."""
    parts = [f"{type(exc).__name__}: {_short(str(exc))}"]
    seen: set[int] = {id(exc)}
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        children: list[Any] = list(getattr(current, "schema_errors", None) or [])
        cause = current.__cause__ or current.__context__
        if cause is not None:
            children.append(cause)
        for child in children:
            if id(child) in seen:
                continue
            seen.add(id(child))
            if isinstance(child, BaseException):
                where = "/".join(str(p) for p in getattr(child, "absolute_path", []) or [])
                message = _short(getattr(child, "message", None) or str(child))
                location = f" at {where}" if where else ""
                parts.append(f"  - {type(child).__name__}{location}: {message}")
                pending.append(child)
    return "\n".join(parts)


def iter_request_errors(request: httpx.Request) -> list[str]:
    """Every divergence of ``request`` from the spec, as readable strings."""
    spec_request = _spec_request(request)
    with _quiet():
        return [_describe(error) for error in openapi().iter_request_errors(spec_request)]


def validate_request(request: httpx.Request) -> None:
    """Raise SpecDivergenceError when ``request`` does not match the spec."""
    spec_request = _spec_request(request)
    try:
        with _quiet():
            openapi().validate_request(spec_request)
    except Exception as exc:
        raise SpecDivergenceError(
            f"request {request.method} {spec_request.path} diverges from the Sellsy spec:\n"
            + _describe(exc)
        ) from exc


def validate_response(request: httpx.Request, response: httpx.Response) -> None:
    """Raise SpecDivergenceError when ``response`` (to ``request``) does not match the spec."""
    spec_request = _spec_request(request)
    try:
        with _quiet():
            openapi().validate_response(spec_request, _spec_response(response))
    except ResponseNotFound as exc:
        # Most operations document only their success codes; every other status
        # must carry the error shape the spec's introduction and Error schema give.
        if response.is_success:
            raise SpecDivergenceError(
                f"status {response.status_code} is not documented for "
                f"{request.method} {spec_request.path}"
            ) from exc
        validate_error_body(response)
    except Exception as exc:
        raise SpecDivergenceError(
            f"response {response.status_code} to {request.method} {spec_request.path} diverges "
            f"from the Sellsy spec:\n{_describe(exc)}\nbody: {response.text[:2000]}"
        ) from exc


def validate_error_body(response: httpx.Response) -> None:
    """Check an error answer: ``{"error": {code, message, context, details}}``.

    The spec's ``Error`` schema lists the four keys without making them
    required; its prose shows all four, so they are required here, and
    ``code`` must equal the HTTP status.
    """
    try:
        body = response.json()
    except ValueError as exc:
        raise SpecDivergenceError(
            f"error response {response.status_code} is not JSON: {response.text[:500]!r}"
        ) from exc
    errors = [
        f"{'/'.join(str(p) for p in err.absolute_path) or '<root>'}: {err.message}"
        for err in OAS30Validator(_strict_error_schema()).iter_errors(body)
    ]
    if not errors and body["error"]["code"] != response.status_code:
        errors.append(f"error.code {body['error']['code']} != HTTP status {response.status_code}")
    if errors:
        raise SpecDivergenceError(
            f"error response {response.status_code} diverges from the Sellsy error shape: "
            + "; ".join(errors)
            + f"\nbody: {response.text[:2000]}"
        )


@functools.cache
def _strict_error_schema() -> dict[str, Any]:
    error = copy.deepcopy(schema("Error"))
    error["required"] = ["error"]
    error["properties"]["error"]["required"] = ["code", "message", "context", "details"]
    return error


def validate_exchange(response: httpx.Response) -> None:
    """Validate both halves of one httpx exchange (an httpx event hook fits here)."""
    validate_request(response.request)
    validate_response(response.request, response)


async def _check_hook(response: httpx.Response) -> None:
    await response.aread()
    validate_exchange(response)


async def _check_response_hook(response: httpx.Response) -> None:
    await response.aread()
    validate_response(response.request, response)


def spec_event_hooks(*, requests: bool = True) -> dict[str, list[Any]]:
    """httpx ``event_hooks`` that validate every exchange (raises SpecDivergenceError).

    ``requests=False`` checks answers only: for tests that send bad requests on purpose.
    """
    return {"response": [_check_hook if requests else _check_response_hook]}


def schema(name: str) -> dict[str, Any]:
    """One raw component schema by name (``#/components/schemas/<name>``)."""
    schemas: dict[str, Any] = spec_dict()["components"]["schemas"]
    found: dict[str, Any] = schemas[name]
    return found
