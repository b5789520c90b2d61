"""A user undoes the sync's write before the poller saw it (A -> our B -> A).

The side's last seen hash is its pre-write content A, so the undo looked like a
duplicate and was dropped: the sync archived a record, a user un-archived it at
once, and the other side stayed archived for good.  A copy of A read *before* the
write stays a duplicate.
"""

from __future__ import annotations

from sync_streams.domain.envelope import System
from sync_streams.domain.hashing import content_hash
from sync_streams.pipeline.rules import Outcome, decide, dedupe
from sync_streams.pipeline.state import (
    RecordState,
    SideSync,
    new_state,
    record_seen,
    record_sync,
)

from .factories import at, event
from .test_handler import World

BEFORE = {"name": "Dupré", "archived": False}
AFTER = {"name": "Dupré", "archived": True}


def state_after_archiving_altior() -> RecordState:
    """Sellsy archived at t=10; the sync wrote it to Altior (held BEFORE, version 5) at 12."""
    source = event(AFTER, version=10)
    sides: dict[System, SideSync] = {
        "sellsy": SideSync(id="12", entity="company", hash=source.content_hash, fields=AFTER),
        "altior": SideSync(
            id="T-7",
            entity="third_party",
            hash=content_hash(AFTER),
            version=at(12),
            written=True,
            read_hash=content_hash(BEFORE),
            fields=AFTER,
        ),
    }
    return record_sync(new_state(source, "third_party"), source, sides, at(13))


def test_the_undo_applies_and_an_older_copy_is_still_a_duplicate() -> None:
    state = state_after_archiving_altior()
    undo = event(BEFORE, system="altior", source_id="T-7", entity="third_party", version=20)
    assert dedupe(undo, state).outcome is Outcome.APPLY
    assert decide(undo, state).outcome is Outcome.APPLY
    same_second = event(BEFORE, system="altior", source_id="T-7", entity="third_party", version=12)
    assert decide(same_second, state).outcome is Outcome.APPLY  # Sellsy stamps by the second
    copy = event(BEFORE, system="altior", source_id="T-7", entity="third_party", version=5)
    assert decide(copy, state).outcome is Outcome.DUPLICATE
    echo = event(AFTER, system="altior", source_id="T-7", entity="third_party", version=12)
    assert decide(echo, state).outcome is Outcome.ECHO
    no_timestamp = event(BEFORE, system="altior", source_id="T-7", entity="third_party")
    no_timestamp = no_timestamp.model_copy(update={"source_updated_at": None})
    assert dedupe(no_timestamp, state).outcome is Outcome.DUPLICATE


async def test_unarchiving_the_written_side_before_its_echo_unarchives_the_other() -> None:
    w = World()
    await w.handler.handle(w.sellsy.edit("1", **BEFORE))
    [altior_id] = w.altior.records
    await w.poll_everything()
    await w.handler.handle(w.sellsy.edit("1", archived=True))
    assert w.altior.records[altior_id]["archived"] is True
    # undone in Altior before its poller read the sync's write: only the undo is polled
    await w.handler.handle(w.altior.edit(altior_id, archived=False))
    assert w.sellsy.records["1"]["archived"] is False
    writes = (w.sellsy.writes, w.altior.writes)
    await w.poll_everything()
    await w.poll_everything()
    assert (w.sellsy.writes, w.altior.writes) == writes
    assert w.sellsy.records["1"] == w.altior.records[altior_id] == BEFORE


def test_an_old_copy_polled_after_our_write_does_not_hide_a_later_undo() -> None:
    """F8: a poll's re-read (look-back) of the content we wrote over, handled after our
    write, disarmed the echo guard; the user's undo that followed was then a duplicate."""
    state = state_after_archiving_altior()
    copy = event(BEFORE, system="altior", source_id="T-7", entity="third_party", version=5)
    assert decide(copy, state).outcome is Outcome.DUPLICATE
    state = record_seen(state, copy)
    undo = event(BEFORE, system="altior", source_id="T-7", entity="third_party", version=20)
    assert decide(undo, state).outcome is Outcome.APPLY
    echo = event(AFTER, system="altior", source_id="T-7", entity="third_party", version=12)
    assert decide(echo, state).outcome is Outcome.ECHO  # the guard is still armed
