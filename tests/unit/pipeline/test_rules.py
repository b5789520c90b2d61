"""Each sync rule alone, then composed by ``decide`` in pipeline order."""

from __future__ import annotations

import pytest

from sync_streams.domain.hashing import content_hash
from sync_streams.pipeline.rules import (
    Decision,
    Outcome,
    Stage,
    check_conflict,
    decide,
    decode_event,
    dedupe,
    is_echo,
    is_stale,
)
from sync_streams.pipeline.state import (
    RecordState,
    SideSync,
    new_state,
    record_applied,
    record_seen,
)
from tests.unit.pipeline.factories import at, event

V1 = {"name": "Dupont SARL", "email": "a@dupont.fr"}
V2 = {"name": "Dupont SARL", "email": "b@dupont.fr"}
V3 = {"name": "Dupont & Fils", "email": "b@dupont.fr"}


def applied(
    fields: dict[str, str], version: float, state: RecordState | None = None
) -> RecordState:
    """State after a Sellsy event with ``fields`` at ``version`` was written to Altior."""
    ev = event(fields, version=version)
    target = SideSync(
        id="T-7",
        entity="third_party",
        hash=content_hash(fields),
        version=at(version + 1),
        written=True,
        fields=fields,
    )
    base = state or new_state(ev, "third_party")
    return record_applied(base, ev, source_fields=fields, target=target, synced_at=at(version + 2))


# --- decode ------------------------------------------------------------------------


def test_decode_gives_the_event_or_a_malformed_decision() -> None:
    ev = event(V1)
    assert decode_event(ev.to_bytes()) == ev
    bad = decode_event(b'{"tenant": "acme"}')
    assert isinstance(bad, Decision)
    assert bad.outcome is Outcome.MALFORMED and bad.stage is Stage.DECODE
    assert bad.field is not None
    assert not bad.proceed


# --- dedupe ------------------------------------------------------------------------


def test_first_sight_is_new() -> None:
    assert dedupe(event(V1), None).outcome is Outcome.APPLY
    assert decide(event(V1), None).outcome is Outcome.APPLY


def test_same_hash_as_last_seen_is_a_duplicate_whatever_the_timestamps() -> None:
    state = applied(V1, 10)
    again = event(V1, version=10, observed=500)  # overlapping poll window, redelivery
    assert dedupe(again, state).outcome is Outcome.DUPLICATE
    assert decide(again, state).outcome is Outcome.DUPLICATE


def test_a_b_a_is_three_changes() -> None:
    state = applied(V2, 20, applied(V1, 10))
    back = event(V1, version=30)
    assert dedupe(back, state).outcome is Outcome.APPLY
    assert decide(back, state).outcome is Outcome.APPLY


def test_dedupe_looks_at_the_events_own_side_only() -> None:
    state = applied(V1, 10)
    from_altior = event(V2, system="altior", source_id="T-7", version=50)
    assert dedupe(from_altior, state).outcome is Outcome.APPLY


# --- echo --------------------------------------------------------------------------


def test_our_write_coming_back_is_an_echo() -> None:
    state = applied(V1, 10)
    echo = event(V1, system="altior", source_id="T-7", version=11)
    assert is_echo(echo, state).outcome is Outcome.ECHO
    assert decide(echo, state).outcome is Outcome.ECHO
    assert not decide(echo, state).proceed


def test_after_the_echo_a_copy_is_a_duplicate_and_a_user_edit_applies() -> None:
    state = record_seen(applied(V1, 10), event(V1, system="altior", source_id="T-7", version=11))
    copy = event(V1, system="altior", source_id="T-7", version=11, observed=900)
    assert decide(copy, state).outcome is Outcome.DUPLICATE
    edit = event(V2, system="altior", source_id="T-7", version=40)
    assert decide(edit, state).outcome is Outcome.APPLY


def test_returning_to_what_we_once_wrote_is_not_an_echo_once_the_side_moved_on() -> None:
    state = record_seen(applied(V1, 10), event(V1, system="altior", source_id="T-7", version=11))
    state = record_seen(state, event(V2, system="altior", source_id="T-7", version=40))
    back = event(V1, system="altior", source_id="T-7", version=50)
    assert is_echo(back, state).outcome is Outcome.APPLY


# --- staleness -----------------------------------------------------------------------


def test_a_replayed_older_version_never_overwrites_newer_data() -> None:
    state = applied(V2, 20, applied(V1, 10))
    replay = event(V3, version=15, origin="replay")  # a version in between, never applied
    assert is_stale(replay, state).outcome is Outcome.STALE
    decision = decide(replay, state)
    assert decision.outcome is Outcome.STALE
    assert "older" in decision.reason


def test_a_backfill_scan_older_than_applied_data_is_stale() -> None:
    state = applied(V2, 20)
    backfill = event(V3, version=5, origin="init")
    assert decide(backfill, state).outcome is Outcome.STALE


def test_equal_timestamps_with_a_different_hash_are_not_stale() -> None:
    state = applied(V1, 10)
    same_second = event(V2, version=10)
    assert is_stale(same_second, state).outcome is Outcome.APPLY
    assert decide(same_second, state).outcome is Outcome.APPLY


def test_without_source_timestamp_the_observation_time_orders_versions() -> None:
    # Sellsy opportunities have no "updated" field: replays keep their observed_at.
    first = event(V1, version=None, observed=100, entity="opportunity")
    state = record_applied(
        new_state(first, "deal"),
        first,
        source_fields=V1,
        target=SideSync(id="A-1", entity="affaire", hash=content_hash(V1), fields=V1),
        synced_at=at(101),
    )
    later = event(V2, version=None, observed=200, entity="opportunity")
    assert decide(later, state).outcome is Outcome.APPLY
    old_replay = event(V3, version=None, observed=50, entity="opportunity", origin="replay")
    assert decide(old_replay, state).outcome is Outcome.STALE


def test_a_filtered_newer_version_still_makes_older_ones_stale() -> None:
    state = record_seen(applied(V1, 10), event(V2, version=30))  # seen, filtered out
    assert decide(event(V3, version=20, origin="replay"), state).outcome is Outcome.STALE


def test_the_altior_copy_of_a_version_older_than_our_write_is_stale() -> None:
    state = applied(V1, 10)  # written to Altior, which reported version 11
    before_our_write = event(V2, system="altior", source_id="T-7", version=9)
    assert decide(before_our_write, state).outcome is Outcome.STALE


# --- conflict ------------------------------------------------------------------------


def test_other_side_with_an_unsynced_change_means_conflict() -> None:
    state = record_seen(applied(V1, 10), event(V2, system="altior", source_id="T-7", version=30))
    sellsy_edit = event(V3, version=31)
    assert check_conflict(sellsy_edit, state).outcome is Outcome.CONFLICT
    decision = decide(sellsy_edit, state)
    assert decision.outcome is Outcome.CONFLICT
    assert decision.proceed
    assert "altior" in decision.reason


def test_no_conflict_when_the_other_side_is_in_sync() -> None:
    state = record_seen(applied(V1, 10), event(V1, system="altior", source_id="T-7", version=11))
    assert decide(event(V2, version=30), state).outcome is Outcome.APPLY


# --- composition and isolation ---------------------------------------------------------


def test_decide_reports_the_first_rule_that_stops() -> None:
    state = applied(V2, 20, applied(V1, 10))
    old_duplicate = event(V2, version=5)  # duplicate AND older: dedupe comes first
    assert decide(old_duplicate, state).stage is Stage.DEDUPE


@pytest.mark.parametrize("rule", [dedupe, is_echo, is_stale, check_conflict, decide])
def test_no_rule_reads_another_tenants_state(rule: object) -> None:
    state = applied(V1, 10)
    intruder = event(V1, tenant="globex")
    with pytest.raises(ValueError, match="tenant"):
        rule(intruder, state)  # type: ignore[operator]


def test_every_outcome_has_a_metric_label() -> None:
    assert {o.value for o in Outcome} == {
        "apply",
        "conflict",
        "duplicate",
        "echo",
        "stale",
        "malformed",
    }
