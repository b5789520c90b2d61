"""``--since`` values of the ops commands: an instant or a duration back from now.

Operators type what they have at hand during an incident: a timestamp read in a
log (``2026-11-01T10:00``, ``2026-11-01 10:00:00+01:00``, ``2026-11-01``) or an
age (``90m``, ``1h``, ``2d``, ``1w``, ``1d12h``).  A timestamp without an offset is
taken as UTC, like every time the service prints, never as the machine's local time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Final

from sync_streams.domain.envelope import as_utc

UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION: Final = re.compile(r"^(?:\d+[smhdw])+$")
_PART: Final = re.compile(r"(\d+)([smhdw])")


class TimeSpecError(ValueError):
    """A ``--since`` value that is neither an ISO time nor a duration."""


def parse_duration(text: str) -> timedelta:
    """``90s``, ``15m``, ``1h``, ``2d``, ``1w`` or a sum of them (``1d12h``)."""
    cleaned = text.strip().lower()
    if not _DURATION.match(cleaned):
        raise TimeSpecError(
            f"'{text}' is not a duration: expected a number and a unit s, m, h, d or w "
            "(e.g. 90m, 2d, 1d12h)"
        )
    seconds = sum(int(n) * UNITS[unit] for n, unit in _PART.findall(cleaned))
    return timedelta(seconds=seconds)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date or date-time, in UTC (naive values are UTC)."""
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise TimeSpecError(
            f"'{text}' is not a time: expected ISO 8601 such as 2026-11-01T10:00 (UTC), "
            "2026-11-01T10:00+01:00 or a duration such as 2d"
        ) from None
    return as_utc(value)


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """The UTC instant ``text`` designates: an ISO time, or ``now`` minus a duration."""
    cleaned = text.strip()
    if not cleaned:
        raise TimeSpecError("empty time: expected 2026-11-01T10:00 or a duration such as 2d")
    if _DURATION.match(cleaned.lower()):
        return as_utc(now or datetime.now(UTC)) - parse_duration(cleaned)
    return parse_instant(cleaned)


def to_millis(moment: datetime) -> int:
    """Kafka timestamp (ms since the epoch) of ``moment``."""
    return int(as_utc(moment).timestamp() * 1000)


def from_millis(millis: int) -> datetime:
    """UTC datetime of a Kafka timestamp."""
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def show(moment: datetime | None) -> str:
    """How ops commands print a time: ``2026-11-01 10:00:05Z``."""
    if moment is None:
        return "-"
    return as_utc(moment).strftime("%Y-%m-%d %H:%M:%SZ")
