"""Content hashes: one fingerprint per record version, stable across runs and Pythons.

Dedupe and echo suppression compare hashes, so a hash must change when a synced field
really changes and must not change otherwise: not with key order, not with a trailing
space an API adds, not when one API says ``null`` where another omits the key.  The
hash is sha256 over a canonical JSON text built only from what ``json`` guarantees
(sorted keys, fixed separators, ASCII escapes, shortest float repr), so it does not
depend on the Python version, the process or dict insertion order.

Canonical form, value by value:

* strings: Unicode NFC, every run of whitespace (no-break spaces included) made one
  space, ends stripped; case is kept (a capitalised surname is a real change);
* ``None``, ``""``, ``[]`` and ``{}`` are *absent*: dropped from objects (so None and
  a missing key hash alike), kept as ``null`` inside lists (positions matter there);
* numbers: ``1.0`` and ``Decimal("1.00")`` hash as ``1``; NaN and infinities refused;
* datetimes: ISO 8601 in UTC when they carry a zone; dates and times ISO 8601;
* sets are sorted, tuples are lists, enums give their value, pydantic models their dump.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any, Final

from pydantic import BaseModel

_WHITESPACE = re.compile(r"\s+")


class _Absent:
    """Marker for a value that counts as not there (None, empty string or container)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()


def normalise_text(text: str) -> str:
    """NFC, whitespace runs collapsed to one space, ends stripped."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _number(value: float | Decimal) -> int | float:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"cannot hash a non-finite number: {value!r}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"cannot hash a non-finite number: {value!r}")
    if value == int(value):
        return int(value)
    return float(value)


def canonical_value(value: Any) -> Any:
    """The JSON-ready canonical form of ``value``, or ``ABSENT``.

    Raises TypeError for values that have no stable text (arbitrary objects), so a
    hash never silently depends on a memory address.
    """
    if value is None:
        return ABSENT
    if isinstance(value, bool):
        return value
    if isinstance(value, Enum):
        return canonical_value(value.value)
    if isinstance(value, str):
        text = normalise_text(value)
        return text if text else ABSENT
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        return _number(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return canonical_value(value.model_dump(mode="python"))
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            canonical = canonical_value(item)
            if canonical is not ABSENT:
                result[str(key)] = canonical
        return result if result else ABSENT
    if isinstance(value, set | frozenset):
        items = [_in_list(item) for item in value]
        items.sort(key=_dumps)
        return items if items else ABSENT
    if isinstance(value, list | tuple):
        return [_in_list(item) for item in value] if value else ABSENT
    raise TypeError(f"cannot hash a value of type {type(value).__name__}")


def _in_list(item: Any) -> Any:
    canonical = canonical_value(item)
    return None if canonical is ABSENT else canonical


def _dumps(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )


def canonical_json(record: Mapping[str, Any]) -> str:
    """The canonical JSON text of a record (``{}`` when every field is absent)."""
    canonical = canonical_value(record)
    return _dumps({} if canonical is ABSENT else canonical)


def _lookup(record: Mapping[str, Any], path: str) -> Any:
    current: Any = record
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


def select_fields(record: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """The values of ``fields`` (dotted paths such as ``legal_france.siret``), keyed by path.

    A path that leads nowhere gives None, which hashes like a missing key.
    """
    return {path: _lookup(record, path) for path in fields}


def content_hash(record: Mapping[str, Any], fields: Iterable[str] | None = None) -> str:
    """sha256 (64 lowercase hex digits) of the canonical JSON of ``record``.

    With ``fields``, only those dotted paths count: the fields we sync, so a change
    to anything else (``updated_at``, a field we do not map) is not a change.
    """
    selected = record if fields is None else select_fields(record, fields)
    return hashlib.sha256(canonical_json(selected).encode("ascii")).hexdigest()


def value_hash(value: Any) -> str:
    """sha256 of one field value in canonical form (absent values all hash alike).

    Used for per-field bookkeeping (conflict resolution compares a field's current
    value with its value at the last sync without storing the value itself).
    """
    canonical = canonical_value(value)
    text = _dumps(None if canonical is ABSENT else canonical)
    return hashlib.sha256(text.encode("ascii")).hexdigest()
