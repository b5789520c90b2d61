"""No read before a conditional write at steady state, and nothing lost when the kept
snapshot is behind (the target refuses, the handler reads and merges)."""

from __future__ import annotations

import pytest

from sync_streams.errors import PreconditionFailedError
from tests.unit.pipeline.test_handler import World


def _world() -> World:
    w = World()
    w.altior.conditional_updates = True  # as the Altior adapters are
    return w


async def test_a_change_costs_one_write_and_no_read_when_the_target_is_as_last_synced() -> None:
    w = _world()
    await w.handler.handle(w.sellsy.edit("1", name="Dupré", phone="01"))
    [altior_id] = w.altior.records
    reads, writes = w.altior.reads, w.altior.writes

    for phone in ("02", "03", "04"):
        await w.handler.handle(w.sellsy.edit("1", phone=phone))
        await w.handler.handle(w.altior.event(altior_id))  # its echo comes back

    assert w.altior.records[altior_id] == {"name": "Dupré", "phone": "04"}
    assert w.altior.writes - writes == 3
    assert w.altior.reads - reads == 0


async def test_a_target_edited_meanwhile_refuses_the_write_and_both_edits_survive() -> None:
    w = _world()
    await w.handler.handle(w.sellsy.edit("1", name="Dupré", phone="01"))
    [altior_id] = w.altior.records
    w.altior.edit(altior_id, name="DUPRÉ SARL")  # a user's edit, its event not yet handled

    await w.handler.handle(w.sellsy.edit("1", phone="02"))

    assert w.altior.records[altior_id] == {"name": "DUPRÉ SARL", "phone": "02"}
    assert w.sellsy.records["1"] == {"name": "DUPRÉ SARL", "phone": "02"}  # merged back
    assert w.altior.reads == 1  # the refusal cost one read, then the usual merge


async def test_the_same_field_edited_meanwhile_goes_to_the_newer_edit() -> None:
    w = _world()
    await w.handler.handle(w.sellsy.edit("1", name="Dupré"))
    [altior_id] = w.altior.records
    sellsy_event = w.sellsy.edit("1", name="Dupré & Fils")
    w.altior.edit(altior_id, name="DUPRÉ SARL")  # newer, on the same field

    await w.handler.handle(sellsy_event)

    assert w.altior.records[altior_id]["name"] == "DUPRÉ SARL"
    assert w.sellsy.records["1"]["name"] == "DUPRÉ SARL"


async def test_a_target_that_keeps_moving_fails_the_event_after_bounded_attempts() -> None:
    w = _world()
    await w.handler.handle(w.sellsy.edit("1", name="Dupré"))
    real_update = w.altior.update

    async def always_moved(*args: object, **kwargs: object) -> object:
        raise PreconditionFailedError("changed meanwhile", system="altior", status=412)

    w.altior.update = always_moved  # type: ignore[assignment, method-assign]
    with pytest.raises(PreconditionFailedError):
        await w.handler.handle(w.sellsy.edit("1", name="Dupré SA"))
    assert w.altior.reads == 2  # attempts 2 and 3 read afresh; the first used the snapshot
    w.altior.update = real_update  # type: ignore[method-assign]


async def test_a_target_without_conditional_writes_is_always_read_first() -> None:
    w = World()
    await w.handler.handle(w.altior.edit("7", name="Dupré"))
    [sellsy_id] = w.sellsy.records
    await w.handler.handle(w.altior.edit("7", name="Dupré SA"))
    assert w.sellsy.reads == 1
    assert w.sellsy.records[sellsy_id]["name"] == "Dupré SA"
