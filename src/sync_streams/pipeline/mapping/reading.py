"""Typed reads of raw API snapshots: a wrong type is a ``MalformedRecordError``.

Snapshots are the JSON the APIs returned, carried as-is in change events.  The
mapping only trusts what it checked here, and every failure names the dotted path
of the offending field so the dead letter says exactly what was wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sync_streams.domain.hashing import normalise_text
from sync_streams.errors import MalformedRecordError

CENT = Decimal("0.01")


def json_type(value: object) -> str:
    """The JSON name of ``value``'s type, for error reasons."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "list"
    return type(value).__name__


def malformed(path: str, expected: str, value: object) -> MalformedRecordError:
    return MalformedRecordError(f"expected {expected}, got {json_type(value)}", field=path)


def lookup(record: Mapping[str, Any], path: str) -> Any:
    """The value at dotted ``path``; None when a key is missing or a parent is null.

    A parent that is present but not an object (``legal_france: "x"``) is malformed.
    """
    node: Any = record
    walked: list[str] = []
    for part in path.split("."):
        if node is None:
            return None
        if not isinstance(node, Mapping):
            raise malformed(".".join(walked), "an object", node)
        node = node.get(part)
        walked.append(part)
    return node


def text(record: Mapping[str, Any], path: str) -> str | None:
    """A text field, normalised (NFC, whitespace collapsed, trimmed); blank is None."""
    value = lookup(record, path)
    if value is None:
        return None
    if not isinstance(value, str):
        raise malformed(path, "text", value)
    return normalise_text(value) or None


def loose_text(record: Mapping[str, Any], path: str) -> str | None:
    """Text that APIs sometimes send as a number (phones, SIRETs): both accepted."""
    value = lookup(record, path)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return text(record, path)


def boolean(record: Mapping[str, Any], path: str) -> bool:
    """A yes/no flag (``archived``): missing or null is False, anything but a boolean
    is malformed (never guessed: ``"false"`` read as True would archive a record)."""
    value = lookup(record, path)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise malformed(path, "a boolean", value)
    return value


def mapping(record: Mapping[str, Any], path: str) -> Mapping[str, Any] | None:
    value = lookup(record, path)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise malformed(path, "an object", value)
    return value


def items(record: Mapping[str, Any], path: str) -> list[Any]:
    """A list field (missing or null is empty)."""
    value = lookup(record, path)
    if value is None:
        return []
    if not isinstance(value, list):
        raise malformed(path, "a list", value)
    return value


def integer(record: Mapping[str, Any], path: str) -> int | None:
    value = lookup(record, path)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise malformed(path, "an integer", value)
    if isinstance(value, str):
        if not value.strip().isdigit():
            raise MalformedRecordError(f"expected an integer, got {value!r}", field=path)
        return int(value)
    return value


def parse_timestamp(value: object, path: str) -> datetime | None:
    """An ISO 8601 timestamp (``Z`` or offset; naive taken as UTC), in UTC."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise malformed(path, "an ISO 8601 timestamp", value)
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise MalformedRecordError(
            f"expected an ISO 8601 timestamp, got {value!r}", field=path
        ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def timestamp(record: Mapping[str, Any], path: str) -> datetime | None:
    return parse_timestamp(lookup(record, path), path)


def cents(value: object) -> str | None:
    """A number as decimal text with two places (``"1500.00"``), None if not a number.

    Rounding half up to the cent keeps both systems on one value (Altior stores
    cents).  Accepts decimal text and numbers (not booleans).
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    rounded = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    return format(rounded if rounded else abs(rounded), "f")  # no "-0.00"


def money(value: object, path: str) -> str | None:
    """A decimal amount field (see ``cents``); None when absent, malformed otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    amount = cents(value)
    if amount is None:
        raise MalformedRecordError(f"expected a decimal amount, got {value!r}", field=path)
    return amount
