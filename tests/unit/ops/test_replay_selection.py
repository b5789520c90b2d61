"""Which messages of a change topic a replay re-publishes."""

from __future__ import annotations

from sync_streams.domain.events import ChangeEvent
from sync_streams.ops.replay import ReplaySelection
from tests.support.ops import T0, event, marker


def test_only_the_tenants_change_events_are_kept() -> None:
    selection = ReplaySelection("acme", T0)
    mine = event("acme", "1")
    assert selection.classify(b"acme", mine.to_bytes()) == mine
    assert selection.classify(b"beta", event("beta", "1").to_bytes()) == "other_tenant"
    assert selection.classify(b"acme", marker("acme").to_bytes()) == "marker"
    assert selection.classify(b"acme", b"{not json") == "unreadable"
    assert selection.classify(b"acme", b'{"tenant": "acme"}') == "unreadable"
    assert selection.classify(None, mine.to_bytes()) == "other_tenant"


def test_a_key_that_lies_about_the_tenant_is_not_replayed_to_it() -> None:
    selection = ReplaySelection("acme", T0)
    assert selection.classify(b"acme", event("beta", "1").to_bytes()) == "other_tenant"


def test_entity_filter() -> None:
    selection = ReplaySelection("acme", T0, entity="contact")
    assert selection.classify(b"acme", event("acme", "1").to_bytes()) == "filtered"
    contact = event("acme", "1", entity="contact")
    assert isinstance(selection.classify(b"acme", contact.to_bytes()), ChangeEvent)


def test_record_filter() -> None:
    selection = ReplaySelection("acme", T0, record="7")
    assert selection.classify(b"acme", event("acme", "1").to_bytes()) == "filtered"
    assert isinstance(selection.classify(b"acme", event("acme", "7").to_bytes()), ChangeEvent)


def test_direction_picks_the_source_system() -> None:
    assert ReplaySelection("acme", T0, direction="import").systems() == ["sellsy"]
    assert ReplaySelection("acme", T0, direction="export").systems() == ["altior"]
    assert ReplaySelection("acme", T0).systems() == ["sellsy", "altior"]


def test_replayed_and_forced_copies_keep_the_observation() -> None:
    original = event("acme", "1")
    again = original.with_origin("replay", force=True)
    assert again.force and again.origin == "replay"
    assert (again.event_id, again.version, again.content_hash) == (
        original.event_id,
        original.version,
        original.content_hash,
    )
    decoded = ChangeEvent.from_bytes(again.to_bytes())
    assert decoded.force is True
    assert decoded.with_origin("replay", force=False).force is False
    assert original.with_origin("requeue").force is False
