"""A forced replay re-applies what dedupe and echo would drop, never what is stale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sync_streams.domain.events import ChangeEvent
from sync_streams.pipeline.rules import Outcome, decide
from sync_streams.pipeline.state import SideSync, new_state, record_applied

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _event(at: datetime, name: str = "Dupré") -> ChangeEvent:
    return ChangeEvent.from_snapshot(
        tenant="acme-prod",
        system="sellsy",
        entity="company",
        source_id=1,
        snapshot={"name": name},
        observed_at=at,
        source_updated_at=at,
    )


def test_forced_event_bypasses_dedupe_but_not_staleness() -> None:
    event = _event(T0)
    target = SideSync(id="9", entity="third_party", hash="0" * 64, version=T0, written=True)
    state = record_applied(
        new_state(event, "third_party"),
        event,
        source_fields={"name": "Dupré"},
        target=target,
        synced_at=T0,
    )
    assert decide(event, state).outcome is Outcome.DUPLICATE
    forced = event.with_origin("replay", force=True)
    assert decide(forced, state).proceed
    older = _event(T0 - timedelta(hours=1), "Ancien nom").with_origin("replay", force=True)
    assert decide(older, state).outcome is Outcome.STALE
