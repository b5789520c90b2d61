"""Kafka message envelopes: change events, dead letters (control commands in ``control``).

A change event is a *snapshot*: the whole record as read, not a diff, so any copy of
it (a redelivery, an overlapping poll window, a replay) can be judged on its own by
hash and version.  Its ``event_id`` is a function of what it says (tenant, system,
entity, source id, content hash), so two copies of one observation share one id.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Annotated, Any, Final, Literal
from urllib.parse import quote

from pydantic import Field, StringConstraints, ValidationInfo, field_validator

from sync_streams.domain.control import CommandKind, ControlCommand
from sync_streams.domain.envelope import (
    SCHEMA_VERSION,
    SYSTEMS,
    Envelope,
    NonEmpty,
    System,
    TenantId,
    UtcDatetime,
    check_plain_json,
    other_system,
)
from sync_streams.domain.hashing import content_hash as compute_content_hash
from sync_streams.errors import MalformedRecordError

__all__ = [
    "KNOWN_ENTITIES",
    "KNOWN_STAGES",
    "SCHEMA_VERSION",
    "SYSTEMS",
    "ChangeEvent",
    "CommandKind",
    "ControlCommand",
    "DeadLetter",
    "Origin",
    "System",
    "compute_event_id",
    "other_system",
]

Origin = Literal["poll", "init", "replay", "requeue", "reconcile"]

KNOWN_ENTITIES: Final = frozenset(
    {
        "company",
        "individual",
        "contact",
        "opportunity",
        "third_party",
        "altior_contact",
        "affaire",
        "quote",
        "order",
    }
)
"""Entity names in use; ``entity`` stays a free string so a new kind needs no schema change."""

ContentHash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


def compute_event_id(
    tenant: str, system: str, entity: str, source_id: str, content_hash: str
) -> str:
    """``tenant/system/entity/source_id/<16 hex of the hash>``, each part %-escaped.

    Readable in logs and dead-letter listings, injective thanks to the escaping, and
    the tenant is part of it so two tenants with overlapping ids never share an id.
    """
    parts = (quote(part, safe="") for part in (tenant, system, entity, source_id))
    return "/".join((*parts, content_hash[:16]))


class ChangeEvent(Envelope):
    """One record of one system as observed at one moment (key = tenant on Kafka)."""

    tenant: TenantId
    system: System
    entity: NonEmpty
    source_id: NonEmpty
    source_updated_at: UtcDatetime | None = None
    content_hash: ContentHash
    snapshot: dict[str, Any]
    observed_at: UtcDatetime
    origin: Origin = "poll"
    force: bool = False
    """Set by ``replay --force``: re-apply even what dedupe/echo would drop (hand-edited target)."""
    schema_version: int = SCHEMA_VERSION
    event_id: str = Field(default="", validate_default=True)

    @field_validator("snapshot")
    @classmethod
    def _plain_json(cls, value: dict[str, Any]) -> dict[str, Any]:
        check_plain_json(value)
        return value

    @field_validator("event_id")
    @classmethod
    def _deterministic_id(cls, value: str, info: ValidationInfo) -> str:
        data = info.data
        names = ("tenant", "system", "entity", "source_id", "content_hash")
        if not all(name in data for name in names):
            return value  # another field failed; that error is the one reported
        expected = compute_event_id(*(str(data[name]) for name in names))
        if value and value != expected:
            raise ValueError("event_id does not match tenant/system/entity/source_id/hash")
        return expected

    @classmethod
    def from_snapshot(
        cls,
        *,
        tenant: str,
        system: System,
        entity: str,
        source_id: str | int,
        snapshot: Mapping[str, Any],
        observed_at: datetime,
        source_updated_at: datetime | None = None,
        hashed_fields: Iterable[str] | None = None,
        origin: Origin = "poll",
    ) -> ChangeEvent:
        """Build an event, hashing ``hashed_fields`` of the snapshot (all of it if None).

        Pollers and writers must hash a record with the same field list, or echo
        suppression cannot recognise our own writes.
        """
        return cls(
            tenant=tenant,
            system=system,
            entity=entity,
            source_id=str(source_id),
            source_updated_at=source_updated_at,
            content_hash=compute_content_hash(snapshot, hashed_fields),
            snapshot=dict(snapshot),
            observed_at=observed_at,
            origin=origin,
        )

    @property
    def version(self) -> datetime:
        """The record version this event carries: the source timestamp, else observation time.

        Entities without an update timestamp (Sellsy opportunities) fall back to
        ``observed_at``, which a replay keeps, so replays still lose to newer data.
        """
        return self.source_updated_at if self.source_updated_at is not None else self.observed_at

    @property
    def kafka_key(self) -> bytes:
        """The partition key: the tenant, so a tenant's events stay in order."""
        return self.tenant.encode("utf-8")

    def with_origin(self, origin: Origin, *, force: bool | None = None) -> ChangeEvent:
        """The same observation re-sent (replay, requeue): same id, hash and versions."""
        update: dict[str, Any] = {"origin": origin}
        if force is not None:
            update["force"] = force
        return self.model_copy(update=update)


KNOWN_STAGES: Final = (
    "decode",
    "dedupe",
    "filter",
    "map",
    "resolve",
    "echo",
    "staleness",
    "conflict",
    "write",
    "record",
    "poll",
    "control",
)
"""Stage names in use; ``stage`` stays a free string."""

OriginalFormat = Literal["json", "text", "base64"]


def _original_of(original: Any) -> tuple[Any, OriginalFormat]:
    """The failed message as stored in a dead letter, losslessly."""
    if isinstance(original, Envelope):
        return original.to_json_value(), "json"
    if isinstance(original, bytes | bytearray | memoryview):
        raw = bytes(original)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(raw).decode("ascii"), "base64"
        try:
            return json.loads(text), "json"
        except ValueError:
            return text, "text"
    if isinstance(original, str):
        return original, "text"
    try:
        check_plain_json(original)
    except ValueError:
        return repr(original), "text"
    return original, "json"


class DeadLetter(Envelope):
    """A message that failed for good, with why, where and the original to requeue."""

    tenant: TenantId
    stage: NonEmpty
    reason: str
    field: str | None = None
    error_class: str
    retriable: bool = False
    attempts: int = Field(default=1, ge=0)
    failed_at: UtcDatetime
    original: Any = None
    original_format: OriginalFormat = "json"
    event_id: str | None = None
    system: str | None = None
    entity: str | None = None
    source_id: str | None = None
    schema_version: int = SCHEMA_VERSION

    @classmethod
    def for_error(
        cls,
        error: BaseException,
        *,
        tenant: str,
        stage: str,
        original: Any,
        failed_at: datetime,
        attempts: int = 1,
    ) -> DeadLetter:
        """Dead letter for ``error`` raised while handling ``original``.

        ``original`` may be a ChangeEvent, the raw Kafka value (bytes) or any JSON
        value; undecodable bytes are kept as text, or base64 if not UTF-8.
        """
        stored, fmt = _original_of(original)
        reason = error.reason if isinstance(error, MalformedRecordError) else str(error)
        ids: dict[str, str | None] = {}
        if isinstance(stored, dict):
            for name in ("event_id", "system", "entity", "source_id"):
                value = stored.get(name)
                ids[name] = str(value) if isinstance(value, str | int) else None
        return cls(
            tenant=tenant,
            stage=stage,
            reason=reason or type(error).__name__,
            field=_field_of(error),
            error_class=type(error).__name__,
            retriable=bool(getattr(error, "retriable", False)),
            attempts=attempts,
            failed_at=failed_at,
            original=stored,
            original_format=fmt,
            **ids,
        )

    def original_bytes(self) -> bytes:
        """The original Kafka value, byte for byte when it was stored as text or base64."""
        if self.original_format == "base64":
            try:
                return base64.b64decode(str(self.original), validate=True)
            except binascii.Error as exc:
                raise MalformedRecordError("original is not base64", field="original") from exc
        if self.original_format == "text":
            return str(self.original).encode("utf-8")
        return json.dumps(self.original, ensure_ascii=False).encode("utf-8")

    def original_event(self) -> ChangeEvent:
        """The original change event; MalformedRecordError if it never was one."""
        if self.original_format == "json":
            return ChangeEvent.from_json_value(self.original)
        return ChangeEvent.from_bytes(self.original_bytes())

    def requeued_event(self) -> ChangeEvent:
        """The original event marked ``origin="requeue"`` for ``dlq requeue``."""
        return self.original_event().with_origin("requeue")


def _field_of(error: BaseException) -> str | None:
    """The field a malformed record or an API refusal names (Altior's 422/409 do)."""
    if isinstance(error, MalformedRecordError):
        return error.field
    body = getattr(error, "body", None)
    problem = body.get("error") if isinstance(body, dict) else None
    field = problem.get("field") if isinstance(problem, dict) else None
    return field if isinstance(field, str) and field else None
