"""The instant the samples were last updated (``2024-05-02T11:15:00+02:00``)."""

from datetime import UTC, datetime

T0 = datetime(2024, 5, 2, 9, 15, tzinfo=UTC)
