"""Control-topic commands: tenant lifecycle, init jobs, replays.

The control topic is readable by every worker and kept for days, so a secret must
never be inside: tenant configurations travel with secret *references* only (an
environment variable name, a file path, a vault path), resolved by the worker that
needs them.  The model refuses a payload that looks like it carries a secret value,
and its error names the key, never the value.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any, Final, Literal

from pydantic import Field, SecretBytes, SecretStr, field_validator

from sync_streams.domain.envelope import (
    SCHEMA_VERSION,
    Envelope,
    TenantId,
    UtcDatetime,
    check_plain_json,
)

CommandKind = Literal[
    "tenant_upsert",
    "tenant_pause",
    "tenant_resume",
    "tenant_remove",
    "init",
    "replay",
]

SECRET_KEY: Final = re.compile(
    r"(secret|password|passwd|passphrase|token|api[_-]?key|private[_-]?key|credential"
    r"|authorization|bearer)",
    re.IGNORECASE,
)
"""Key names that would hold a secret value."""

REFERENCE_KEY_SUFFIXES: Final = ("_ref", "_reference", "_env", "_file", "_path")
"""Keys ending so hold a reference to a secret (``client_secret_env``), never the value."""

REFERENCE_VALUE: Final = re.compile(r"^(env|file|vault|secretref|keyring):\S+$")
"""Values of this form are references (``env:ACME_SELLSY_SECRET``), never secrets."""

ENDPOINT_KEY_SUFFIXES: Final = ("_url", "_uri")
"""Keys ending so name an endpoint (``token_url``), not a secret, when the value is a URL..."""

PLAIN_URL: Final = re.compile(r"^https?://[^/@?#\s]+(/[^?#\s]*)?$")
"""...without credentials, query or fragment (where a secret could hide)."""


def _is_reference_key(key: str) -> bool:
    return key.lower().endswith(REFERENCE_KEY_SUFFIXES)


def find_secret_values(value: Any, path: str = "") -> list[str]:
    """Dotted paths in ``value`` that seem to hold a secret value rather than a reference.

    A path is reported for any SecretStr/SecretBytes, and for a non-empty string or a
    number under a secret-like key (``client_secret``, ``password``, ``token``...)
    unless the key names a reference (``*_ref``, ``*_env``...) or the string is a
    reference (``env:NAME``, ``file:/path``, ``vault:path``).
    """
    found: list[str] = []
    if isinstance(value, SecretStr | SecretBytes):
        return [path or "payload"]
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            key_text = str(key)
            if SECRET_KEY.search(key_text) and not _is_reference_key(key_text):
                plain = isinstance(item, str) and item.strip() and not REFERENCE_VALUE.match(item)
                if plain and key_text.lower().endswith(ENDPOINT_KEY_SUFFIXES):
                    plain = not PLAIN_URL.match(str(item))
                number = isinstance(item, int | float) and not isinstance(item, bool)
                if plain or number or isinstance(item, SecretStr | SecretBytes):
                    found.append(child)
                    continue
            found.extend(find_secret_values(item, child))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found.extend(find_secret_values(item, f"{path}[{index}]"))
    return found


class ControlCommand(Envelope):
    """One instruction on the control topic (key = tenant)."""

    kind: CommandKind
    tenant: TenantId
    payload: dict[str, Any] = Field(default_factory=dict)
    issued_at: UtcDatetime
    command_id: str = Field(default_factory=lambda: uuid.uuid4().hex, min_length=1)
    schema_version: int = SCHEMA_VERSION

    @field_validator("payload")
    @classmethod
    def _no_secret_inside(cls, value: dict[str, Any]) -> dict[str, Any]:
        leaks = find_secret_values(value)
        if leaks:
            raise ValueError(
                "secret values are not allowed on the control topic (publish a secret "
                "reference instead) at: " + ", ".join(leaks)
            )
        check_plain_json(value)
        return value

    @property
    def kafka_key(self) -> bytes:
        """The partition key: the tenant, so a tenant's commands stay in order."""
        return self.tenant.encode("utf-8")

    @classmethod
    def make(
        cls, kind: CommandKind, tenant: str, issued_at: datetime, **payload: Any
    ) -> ControlCommand:
        """Shorthand: ``ControlCommand.make("init", "acme", now, job="thirdPartyAll")``."""
        return cls(kind=kind, tenant=tenant, payload=payload, issued_at=issued_at)
