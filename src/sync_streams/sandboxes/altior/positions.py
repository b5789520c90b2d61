"""Timestamps and cursors: the two halves of the change-capture guarantee.

Timestamps are fixed-width UTC strings (microseconds), so SQLite compares them as
text in chronological order.  A cursor is the ``(updated_at, id)`` position of the
last item returned plus the record kind that issued it, base64url-encoded so
clients treat it as opaque.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sync_streams.sandboxes.altior.problems import bad_request

STAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
ONE_MICROSECOND = timedelta(microseconds=1)


def format_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(STAMP_FORMAT)


def parse_stamp(text: str) -> datetime:
    """Parse RFC 3339 (``Z`` or an offset; naive means UTC); raises ``ValueError``."""
    moment = datetime.fromisoformat(text.strip().replace(" ", "+"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def normalise_stamp(text: str, field: str) -> str:
    """Query or body timestamp -> stored format, or a 400 naming ``field``."""
    try:
        return format_stamp(parse_stamp(text))
    except ValueError:
        raise bad_request(f"Date invalide (RFC 3339 attendu) : {text!r}", field) from None


class StampClock:
    """Hands out strictly increasing stamps: ``max(now, last + 1 µs)``.

    Called only inside the single writer's transaction, so stamp order is commit
    order -- a listing that has passed a position never sees a later commit behind it.
    """

    def __init__(self, last: str | None = None) -> None:
        self._last = parse_stamp(last) if last else None

    def next(self) -> str:
        now = datetime.now(UTC)
        if self._last is not None and now <= self._last:
            now = self._last + ONE_MICROSECOND
        self._last = now
        return format_stamp(now)


@dataclass(frozen=True)
class Position:
    kind: str
    updated_at: str
    record_id: int

    def encode(self) -> str:
        raw = json.dumps({"k": self.kind, "u": self.updated_at, "i": self.record_id})
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str, kind: str) -> Position:
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode()))
            position = cls(str(data["k"]), str(data["u"]), int(data["i"]))
            parse_stamp(position.updated_at)
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise bad_request("Curseur invalide", "cursor", code="invalid_cursor") from None
        if position.kind != kind:
            raise bad_request("Curseur émis par une autre liste", "cursor", code="invalid_cursor")
        return position
