"""Archiving after an upgrade: pairs synced before ``archived`` was a common field.

Their per-field bases lack the key.  Both sides now read ``archived=False``: that
must cost no write.  One side archived since: that is that side's change (the base
held the default, "not archived"), never a conflict lost to a newer other side.
"""

from __future__ import annotations

from typing import Any

from sync_streams.domain.hashing import value_hash
from sync_streams.pipeline.rules import FieldWin, SideView, resolve_conflict
from sync_streams.pipeline.state import field_hashes

from .factories import at
from .test_handler import World

BEFORE_UPGRADE = {"name": "Dupré", "phone": "0478"}
"""A common form as it was before the flag was synchronised."""


def pre_upgrade_base() -> dict[str, str]:
    return field_hashes(BEFORE_UPGRADE)


def view(version: float, **fields: Any) -> SideView:
    return SideView(fields=fields, version=at(version), base=pre_upgrade_base())


def test_both_unarchived_with_a_base_without_the_key_is_no_change() -> None:
    sellsy = view(10, **BEFORE_UPGRADE, archived=False)
    altior = view(20, **BEFORE_UPGRADE, archived=False)
    assert not sellsy.changed("archived")
    resolution = resolve_conflict(sellsy, altior)
    assert resolution.changes_for_sellsy == resolution.changes_for_altior == {}
    assert not resolution.conflict
    assert resolution.divergent == []


def test_archiving_one_side_wins_over_a_newer_other_side() -> None:
    sellsy = view(10, **BEFORE_UPGRADE, archived=True)
    altior = view(20, **{**BEFORE_UPGRADE, "phone": "0612"}, archived=False)  # newer
    resolution = resolve_conflict(sellsy, altior)
    assert resolution.changes_for_altior == {"archived": True}
    assert resolution.changes_for_sellsy == {"phone": "0612"}
    assert resolution.why["archived"] is FieldWin.ONLY_SELLSY_CHANGED
    assert not resolution.conflict


def test_unarchiving_after_a_sync_propagates() -> None:
    synced = {**BEFORE_UPGRADE, "archived": True}
    base = field_hashes(synced)
    assert base["archived"] == value_hash(True)
    altior = SideView(fields={**synced, "archived": False}, version=at(30), base=base)
    sellsy = SideView(fields=synced, version=at(10), base=base)
    resolution = resolve_conflict(sellsy, altior)
    assert resolution.changes_for_sellsy == {"archived": False}
    assert resolution.why["archived"] is FieldWin.ONLY_ALTIOR_CHANGED


def test_other_fields_keep_their_absent_default() -> None:
    """A field the base lacks still means "was empty" for every field but flags."""
    sellsy = SideView(fields={"email": "a@x.fr"}, base={})
    assert sellsy.changed("email")
    assert not SideView(fields={"email": None}, base={}).changed("email")
    assert SideView(fields={"archived": True}, base={}).changed("archived")
    assert not SideView(fields={"archived": False}, base={}).changed("archived")


async def test_an_unchanged_pair_costs_no_write_after_the_upgrade_and_archiving_flows() -> None:
    w = World()
    await w.handler.handle(w.sellsy.edit("1", **BEFORE_UPGRADE))
    [altior_id] = w.altior.records
    for system in (w.sellsy, w.altior):  # the upgrade: records read with the new field
        for record in system.records.values():
            record["archived"] = False
    writes = (w.sellsy.writes, w.altior.writes)
    await w.poll_everything()  # new hashes (in these fakes), same meaning
    await w.poll_everything()
    assert (w.sellsy.writes, w.altior.writes) == writes

    # archived in Sellsy while Altior changed another field later (newer record)
    archived = w.sellsy.edit("1", archived=True)
    edited = w.altior.edit(altior_id, phone="0612")
    await w.handler.handle(archived)
    await w.handler.handle(edited)
    assert w.altior.records[altior_id]["archived"] is True
    assert w.sellsy.records["1"] == {"name": "Dupré", "phone": "0612", "archived": True}
    assert w.metrics.conflicts.labels("acme-prod", "import")._value.get() == 0

    # un-archived in Altior once the sync's write came back to its poller: back in Sellsy
    await w.poll_everything()
    await w.handler.handle(w.altior.edit(altior_id, archived=False))
    assert w.sellsy.records["1"]["archived"] is False
    await w.poll_everything()
    assert w.sellsy.records["1"] == w.altior.records[altior_id]
