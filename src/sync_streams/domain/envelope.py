"""What every Kafka message model shares: strict JSON, UTC times, errors that name the field.

Messages are ours (not a remote API's), so they are validated strictly; unknown keys
are ignored so that a newer producer can add one without stopping an older worker.
Validation errors never echo the input (``hide_input_in_errors``): snapshots hold
personal data and control payloads must never leak a secret into a log line.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StringConstraints,
    ValidationError,
    field_validator,
)

from sync_streams.errors import MalformedRecordError

SCHEMA_VERSION: Final = 1
"""Highest envelope version this code reads and the one it writes."""

System = Literal["sellsy", "altior"]
SYSTEMS: Final[tuple[System, System]] = ("sellsy", "altior")


def other_system(system: System) -> System:
    """The side opposite ``system``."""
    return "altior" if system == "sellsy" else "sellsy"


def as_utc(value: datetime) -> datetime:
    """Aware datetime in UTC; a naive one is taken as UTC already (never as local time)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]
"""A datetime stored in UTC, so versions of different origins compare safely."""

TenantId = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^\S(?:.*\S)?$")]
"""A tenant id: non-empty, no surrounding whitespace (" acme" would be another tenant)."""

NonEmpty = Annotated[str, StringConstraints(min_length=1)]


def check_plain_json(value: Any, path: str = "") -> None:
    """Raise ValueError unless ``value`` is plain JSON (what a round trip gives back)."""
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{path or 'value'}: non-finite number")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            check_plain_json(item, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{path or 'value'}: key {key!r} is not a string")
            check_plain_json(item, f"{path}.{key}" if path else key)
        return
    raise ValueError(f"{path or 'value'}: {type(value).__name__} is not a JSON value")


def describe_validation_error(error: ValidationError) -> tuple[str | None, str]:
    """(dotted field path or None, reason) of the first problem in ``error``."""
    first = error.errors(include_input=False, include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    kind = first["type"]
    if kind == "json_invalid":
        return None, "message is not valid JSON"
    if kind in {"model_type", "model_attributes_type"} and field is None:
        return None, "message is not a JSON object"
    if kind == "missing":
        return field, "field required"
    return field, str(first["msg"])


class Envelope(BaseModel):
    """Base of every message model: frozen, JSON in and out, errors naming the field."""

    model_config = ConfigDict(
        frozen=True,
        extra="ignore",
        hide_input_in_errors=True,
        coerce_numbers_to_str=True,
    )

    schema_version: int = SCHEMA_VERSION

    @field_validator("schema_version")
    @classmethod
    def _supported_version(cls, value: int) -> int:
        if not 1 <= value <= SCHEMA_VERSION:
            raise ValueError(
                f"unsupported schema_version {value} (this worker reads 1..{SCHEMA_VERSION})"
            )
        return value

    def to_bytes(self) -> bytes:
        """UTF-8 JSON, the Kafka value."""
        return self.model_dump_json().encode("utf-8")

    def to_json_value(self) -> dict[str, Any]:
        """The message as plain JSON data (what ``json.loads(to_bytes())`` gives)."""
        return self.model_dump(mode="json")

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview | str) -> Self:
        """Decode a Kafka value; MalformedRecordError (naming the field) if it is not one."""
        raw = bytes(data) if isinstance(data, bytearray | memoryview) else data
        try:
            return cls.model_validate_json(raw)
        except ValidationError as exc:
            field, reason = describe_validation_error(exc)
            raise MalformedRecordError(
                f"undecodable {cls.__name__}: {reason}", field=field
            ) from exc

    @classmethod
    def from_json_value(cls, value: Any) -> Self:
        """Validate already-parsed JSON data; MalformedRecordError naming the field."""
        try:
            return cls.model_validate(value)
        except ValidationError as exc:
            field, reason = describe_validation_error(exc)
            raise MalformedRecordError(
                f"undecodable {cls.__name__}: {reason}", field=field
            ) from exc
