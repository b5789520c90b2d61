"""``--since`` values as operators type them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sync_streams.ops.timespec import (
    TimeSpecError,
    from_millis,
    parse_duration,
    parse_since,
    show,
    to_millis,
)

NOW = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-01T10:00", datetime(2026, 11, 1, 10, 0, tzinfo=UTC)),
        ("2026-11-01 10:00:05", datetime(2026, 11, 1, 10, 0, 5, tzinfo=UTC)),
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11-01T10:00Z", datetime(2026, 11, 1, 10, 0, tzinfo=UTC)),
        ("2026-11-01T10:00+01:00", datetime(2026, 11, 1, 9, 0, tzinfo=UTC)),
        (" 2026-11-01T10:00 ", datetime(2026, 11, 1, 10, 0, tzinfo=UTC)),
    ],
)
def test_instants_are_utc_and_naive_means_utc(text: str, expected: datetime) -> None:
    parsed = parse_since(text, NOW)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("text", "ago"),
    [
        ("1h", timedelta(hours=1)),
        ("2d", timedelta(days=2)),
        ("90m", timedelta(minutes=90)),
        ("45s", timedelta(seconds=45)),
        ("1w", timedelta(weeks=1)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("2D", timedelta(days=2)),
    ],
)
def test_durations_count_back_from_now(text: str, ago: timedelta) -> None:
    assert parse_since(text, NOW) == NOW - ago
    assert parse_duration(text) == ago


@pytest.mark.parametrize("text", ["", "yesterday", "2d ago", "-1h", "1.5h", "2026-13-01", "h"])
def test_anything_else_is_refused_with_the_expected_forms(text: str) -> None:
    with pytest.raises(TimeSpecError, match="expected"):
        parse_since(text, NOW)


def test_kafka_timestamps_round_trip_and_print_in_utc() -> None:
    moment = datetime(2026, 11, 1, 10, 0, 5, 250000, tzinfo=UTC)
    assert from_millis(to_millis(moment)) == moment
    assert show(moment) == "2026-11-01 10:00:05Z"
    assert show(None) == "-"
