"""No read before a conditional write at steady state, and nothing lost when the kept
snapshot is behind (the target refuses, the handler reads and merges)."""

from __future__ import annotations

import pytest

from sync_streams.errors import PreconditionFailedError
from sync_streams.jobs.messages import LinkProposal
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


def _proposal(w: World, sellsy_id: str, altior_id: str, *, listed: bool) -> LinkProposal:
    """What an init with SIRET matching sends for a pair before the pair's events."""
    return LinkProposal(
        tenant="acme-prod",
        kind="thing",
        sellsy_entity="thing",
        sellsy_id=sellsy_id,
        altior_entity="thing",
        altior_id=altior_id,
        reason="same SIRET",
        proposed_at=w.clock.now,
        altior_listed=w.altior.event(altior_id).with_origin("init") if listed else None,
    )


@pytest.mark.parametrize("listed", [True, False], ids=["listed", "not-listed"])
async def test_a_matched_pairs_first_sync_reads_nothing_when_the_init_listed_the_target(
    listed: bool,
) -> None:
    w = _world()
    sellsy_event = w.sellsy.edit("1", name="Dupré", phone="01").with_origin("init")
    w.altior.edit("7", name="Dupré")
    altior_event = w.altior.event("7").with_origin("init")  # listed by the same init
    assert w.handler.propose_link(_proposal(w, "1", "7", listed=listed))

    await w.handler.handle(sellsy_event)
    await w.handler.handle(altior_event)  # merged already: a duplicate

    assert w.altior.records["7"] == {"name": "Dupré", "phone": "01"}
    assert w.altior.reads == (0 if listed else 1)
    assert w.count("duplicate", "export") == 1


async def test_a_matched_target_edited_after_the_listing_is_read_and_merged() -> None:
    w = _world()
    sellsy_event = w.sellsy.edit("1", name="Dupré", phone="01").with_origin("init")
    w.altior.edit("7", name="Dupré")
    assert w.handler.propose_link(_proposal(w, "1", "7", listed=True))
    w.altior.edit("7", email="a@dupre.fr")  # after the init listed it

    await w.handler.handle(sellsy_event)

    assert w.altior.records["7"] == {"name": "Dupré", "phone": "01", "email": "a@dupre.fr"}
    assert w.sellsy.records["1"] == w.altior.records["7"]
    assert w.altior.reads == 1  # the listing was refused (412), then read once
