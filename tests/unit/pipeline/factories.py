"""Small builders for pipeline tests: events and states at chosen versions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sync_streams.domain.events import ChangeEvent, Origin, System
from sync_streams.domain.hashing import content_hash

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """T0 plus ``seconds``."""
    return T0 + timedelta(seconds=seconds)


def event(
    fields: dict[str, Any],
    *,
    system: System = "sellsy",
    version: float | None = 0,
    observed: float = 100,
    tenant: str = "acme",
    source_id: str = "12",
    entity: str | None = None,
    origin: Origin = "poll",
) -> ChangeEvent:
    """A change event whose hash is the content hash of ``fields``."""
    return ChangeEvent(
        tenant=tenant,
        system=system,
        entity=entity or ("company" if system == "sellsy" else "third_party"),
        source_id=source_id,
        source_updated_at=None if version is None else at(version),
        content_hash=content_hash(fields),
        snapshot=fields,
        observed_at=at(observed),
        origin=origin,
    )
