"""Secret references: tenant files name where a secret lives, never the secret.

A tenant file is read by many people and often versioned; it holds
``env:NAME`` (an environment variable of the service) or ``file:PATH`` (a
file readable by the service, relative to the tenant file, e.g. a mounted
Kubernetes or Docker secret).  References are resolved once at load time into
a ``TenantSecret``, a ``pydantic.SecretStr`` that also remembers its reference.
Its value never appears in ``repr``/``str``, JSON dumps or error messages.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import PlainSerializer, PlainValidator, SecretStr, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

from sync_streams.config.base import LoadContext, load_context

log = logging.getLogger(__name__)

MASK = "**********"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
EXPECTED_REFERENCE = (
    "expected a secret reference 'env:NAME' (environment variable) or 'file:PATH' "
    "(file read by the service)"
)


class UnresolvedSecretError(RuntimeError):
    """A secret loaded with ``resolve_secrets=False`` was asked for its value."""


@dataclass(frozen=True)
class SecretReference:
    """Where a secret lives: ``kind`` is ``env`` or ``file``; ``target`` the name/path."""

    kind: Literal["env", "file"]
    target: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.target}"


def parse_reference(text: object) -> SecretReference:
    """Parse ``env:NAME``/``file:PATH``; raise ``ValueError`` without echoing the input.

    Anything else is taken for a secret written in clear and refused.
    """
    if not isinstance(text, str):
        raise ValueError(f"{EXPECTED_REFERENCE}, not a value")
    kind, sep, target = text.strip().partition(":")
    if sep and kind == "env":
        if not _ENV_NAME.match(target):
            raise ValueError(
                "expected 'env:NAME' where NAME is an environment variable name "
                "(letters, digits, underscore)"
            )
        return SecretReference("env", target)
    if sep and kind == "file":
        if not target.strip():
            raise ValueError("expected 'file:PATH' with a non-empty PATH")
        return SecretReference("file", target.strip())
    raise ValueError(
        f"{EXPECTED_REFERENCE}; a secret written in the tenant file is refused: "
        "put it in an environment variable or a file and reference it"
    )


def resolve_reference(reference: SecretReference, context: LoadContext) -> str:
    """Read the secret's value; raise ``ValueError`` naming the reference, never the value."""
    if reference.kind == "env":
        if reference.target not in context.environ:
            raise ValueError(f"environment variable {reference.target} is not set ({reference})")
        value = context.environ[reference.target]
    else:
        path = Path(reference.target).expanduser()
        if not path.is_absolute():
            path = context.base_dir / path
        try:
            value = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ValueError(f"secret file {path} does not exist ({reference})") from None
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise ValueError(f"cannot read secret file {path}: {reason} ({reference})") from None
    value = value.strip()
    if not value:
        raise ValueError(f"the secret referenced by {reference} is empty")
    return value


class TenantSecret(SecretStr):
    """A ``SecretStr`` resolved from a reference, which it keeps for display.

    Loaded with ``resolve_secrets=False`` it has no value, and asking for it
    raises ``UnresolvedSecretError`` rather than handing out an empty credential.
    """

    def __init__(self, value: str | None, *, reference: SecretReference) -> None:
        super().__init__(value or "")
        self._reference = reference
        self._resolved = value is not None

    @property
    def reference(self) -> SecretReference:
        return self._reference

    @property
    def resolved(self) -> bool:
        return self._resolved

    def get_secret_value(self) -> str:
        if not self._resolved:
            raise UnresolvedSecretError(
                f"secret {self._reference} was loaded without resolving secret references"
            )
        return self._secret_value

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, TenantSecret)
            and self._reference == other._reference
            and self._resolved == other._resolved
            and self._secret_value == other._secret_value
        )

    def __hash__(self) -> int:
        return hash((self._reference, self._secret_value))

    def __repr__(self) -> str:
        return f"TenantSecret({MASK!r}, reference='{self._reference}')"


def _validate_secret(value: Any, info: ValidationInfo) -> TenantSecret:
    if isinstance(value, TenantSecret):
        return value
    try:
        reference = parse_reference(value)
    except ValueError as exc:
        raise PydanticCustomError("secret_reference", "{reason}", {"reason": str(exc)}) from None
    context = load_context(info)
    if not context.resolve_secrets:
        return TenantSecret(None, reference=reference)
    try:
        secret = resolve_reference(reference, context)
    except ValueError as exc:
        raise PydanticCustomError("secret_unresolvable", "{reason}", {"reason": str(exc)}) from None
    log.debug("secret %s resolved from %s", info.field_name, reference)
    return TenantSecret(secret, reference=reference)


def _mask(_secret: TenantSecret) -> str:
    return MASK


Secret = Annotated[
    TenantSecret,
    PlainValidator(_validate_secret),
    PlainSerializer(_mask, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": "^(env|file):.+$"}),
]
"""A tenant secret field: written ``env:NAME`` or ``file:PATH``, resolved at load."""
