"""Dead letters for ops: filters, the table, what a requeue would publish."""

from __future__ import annotations

from sync_streams.ops.deadletters import (
    LetterFilter,
    StoredLetter,
    latest,
    plan_requeue,
    table,
)
from tests.support.ops import T0, dead_letter, event, minutes


def _stored(letters: list) -> list[StoredLetter]:  # type: ignore[type-arg]
    return [StoredLetter(letter, 0, offset) for offset, letter in enumerate(letters)]


def test_filter_by_tenant_time_and_event() -> None:
    letter = dead_letter(event("acme", "1"), tenant="acme", at=T0)
    assert LetterFilter().matches(letter)
    assert LetterFilter(tenant="acme", since=T0).matches(letter)
    assert not LetterFilter(tenant="beta").matches(letter)
    assert not LetterFilter(since=T0 + minutes(1)).matches(letter)
    assert LetterFilter(event_id=letter.event_id).matches(letter)
    assert not LetterFilter(event_id="acme/sellsy/company/2/0").matches(letter)


def test_table_shows_time_tenant_stage_field_reason_and_event_id() -> None:
    letter = dead_letter(event("acme", "1"), tenant="acme")
    header, row = table([letter])
    assert header.split() == ["time", "tenant", "stage", "field", "reason", "event", "id"]
    assert row.startswith("2026-11-01 10:00:00Z")
    for cell in ("acme", "map", "legal_france.siret", "SIRET invalide", letter.event_id or "?"):
        assert cell in row


def test_long_reasons_are_shortened_in_the_table_only() -> None:
    letter = dead_letter(event("acme", "1"), tenant="acme").model_copy(update={"reason": "x" * 500})
    (_, row) = table([letter])
    assert "x" * 69 + "…" in row and "x" * 71 not in row


def test_latest_keeps_the_most_recent() -> None:
    letters = _stored([dead_letter(event("acme", str(i)), tenant="acme") for i in range(5)])
    assert [s.offset for s in latest(letters, 2)] == [3, 4]
    assert len(latest(letters, 0)) == 5


def test_requeue_plan_publishes_each_event_once_and_says_what_it_left_out() -> None:
    first, second = event("acme", "1"), event("acme", "2", system="altior", entity="third_party")
    letters = _stored(
        [
            dead_letter(first, tenant="acme", at=T0),
            dead_letter(second, tenant="acme", at=T0 + minutes(1)),
            dead_letter(first, tenant="acme", at=T0 + minutes(2)),  # failed again after requeue
            dead_letter(b"\xff\xfe not json", tenant="acme", stage="decode"),
            dead_letter(event("beta", "1"), tenant="acme"),  # never requeued to acme
        ]
    )
    plan = plan_requeue("acme", letters)
    assert [e.event_id for e in plan.events] == [first.event_id, second.event_id]
    assert all(e.origin == "requeue" for e in plan.events)
    assert plan.events[0].content_hash == first.content_hash
    assert plan.matched == 5
    assert plan.copies == 1
    assert plan.failed_at[first.event_id] == T0 + minutes(2)
    assert len(plan.skipped) == 2
    assert "not a change event" in plan.skipped[0]
    assert "another tenant" in plan.skipped[1]
