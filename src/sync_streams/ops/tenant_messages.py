"""What the compacted ``tenants`` topic holds, and how to read it back (pure).

Compaction keeps only the last message of each key (tenant), so every message is
self-contained: the whole configuration (secret *references* only) plus the pause
state.  ``pause``/``resume`` republish the current configuration with the flag
flipped; ``remove`` publishes a tombstone (null value) so compaction forgets the
configuration.  Readers fold the messages in offset order: the last one wins.

Value: ``ControlCommand`` JSON, kind ``tenant_upsert|tenant_pause|tenant_resume``,
payload ``{"config": {...}, "paused": bool}``.  A ``tenant_remove`` command is read
like a tombstone; a pause/resume without ``config`` keeps the previous one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import PurePath
from typing import Any

from sync_streams.config import TenantConfig, TenantSecret
from sync_streams.domain.control import ControlCommand
from sync_streams.errors import MalformedRecordError

TENANT_KINDS = frozenset({"tenant_upsert", "tenant_pause", "tenant_resume"})


def _with_references(dumped: Any, raw: Any) -> Any:
    if isinstance(raw, TenantSecret):
        return str(raw.reference)
    if isinstance(dumped, dict) and isinstance(raw, dict):
        return {key: _with_references(value, raw.get(key)) for key, value in dumped.items()}
    if isinstance(dumped, list) and isinstance(raw, list | tuple) and len(raw) == len(dumped):
        return [_with_references(value, item) for value, item in zip(dumped, raw, strict=True)]
    return dumped


def config_payload(config: TenantConfig) -> dict[str, Any]:
    """``config`` as JSON with each secret written as its reference (``env:NAME``).

    The JSON dump masks secrets; walking the Python dump beside it puts the
    reference back.  A secret's value is never read, so a configuration loaded
    with ``resolve_secrets=False`` works.
    """
    result: dict[str, Any] = _with_references(
        config.model_dump(mode="json"), config.model_dump(mode="python")
    )
    return result


def _secrets(value: Any) -> Iterable[TenantSecret]:
    if isinstance(value, TenantSecret):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _secrets(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _secrets(item)


def relative_file_references(config: TenantConfig) -> list[str]:
    """``file:`` references with a relative path: workers resolve them in their tenants dir."""
    return sorted(
        str(secret.reference)
        for secret in _secrets(config.model_dump(mode="python"))
        if secret.reference.kind == "file" and not PurePath(secret.reference.target).is_absolute()
    )


def upsert_command(
    config: TenantConfig, *, paused: bool, issued_at: datetime, kind: str = "tenant_upsert"
) -> ControlCommand:
    """The message that sets ``config`` (and the pause state) for its tenant."""
    return ControlCommand.model_validate(
        {
            "kind": kind,
            "tenant": config.tenant,
            "payload": {"config": config_payload(config), "paused": paused},
            "issued_at": issued_at,
        }
    )


@dataclass(frozen=True)
class TenantEntry:
    """A tenant as the topic says: its configuration (JSON) and pause state."""

    tenant: str
    config: dict[str, Any] | None
    paused: bool
    kind: str
    issued_at: datetime | None
    offset: int = -1

    def command(self) -> ControlCommand:
        """The message to republish this entry (pause/resume keep the configuration)."""
        payload: dict[str, Any] = {"paused": self.paused}
        if self.config is not None:
            payload["config"] = self.config
        return ControlCommand.model_validate(
            {"kind": self.kind, "tenant": self.tenant, "payload": payload,
             "issued_at": self.issued_at}
        )  # fmt: skip


@dataclass(frozen=True)
class Removal:
    """A tombstone or a ``tenant_remove`` command: the tenant is gone."""

    tenant: str
    offset: int = -1


TenantMessage = TenantEntry | Removal


def decode(key: bytes | None, value: bytes | None, offset: int = -1) -> TenantMessage:
    """Read one message of the tenants topic; MalformedRecordError says why it is unusable."""
    if not key:
        raise MalformedRecordError("message without key (the key is the tenant id)", field="key")
    tenant = key.decode("utf-8", errors="replace")
    if value is None:
        return Removal(tenant, offset)
    command = ControlCommand.from_bytes(value)
    if command.tenant != tenant:
        raise MalformedRecordError(
            f"key says tenant {tenant!r} but the command says {command.tenant!r}", field="tenant"
        )
    if command.kind == "tenant_remove":
        return Removal(tenant, offset)
    if command.kind not in TENANT_KINDS:
        raise MalformedRecordError(f"{command.kind} is not a tenant command", field="kind")
    config = command.payload.get("config")
    if config is not None and not isinstance(config, dict):
        raise MalformedRecordError("config is not an object", field="payload.config")
    paused = command.payload.get("paused", command.kind == "tenant_pause")
    if not isinstance(paused, bool):
        raise MalformedRecordError("paused is not a boolean", field="payload.paused")
    if command.kind == "tenant_upsert" and config is None:
        raise MalformedRecordError("tenant_upsert without config", field="payload.config")
    return TenantEntry(tenant, config, paused, command.kind, command.issued_at, offset)


def merge(previous: TenantEntry | None, message: TenantMessage) -> TenantEntry | None:
    """The tenant's state after ``message`` (None: removed, or never configured)."""
    if isinstance(message, Removal):
        return None
    if message.config is None:
        if previous is None or previous.config is None:
            return None  # a pause of a tenant we never saw configured: nothing to pause
        return replace(message, config=previous.config)
    return message


def fold(
    messages: Iterable[TenantMessage], start: dict[str, TenantEntry] | None = None
) -> dict[str, TenantEntry]:
    """The tenants after ``messages`` in offset order (the last message of a key wins)."""
    state = dict(start or {})
    for message in messages:
        after = merge(state.get(message.tenant), message)
        if after is None:
            state.pop(message.tenant, None)
        else:
            state[message.tenant] = after
    return state
