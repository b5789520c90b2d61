"""Sandbox storage: commit-ordered stamps and the (updated_at, id) cursor walk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync_streams.sandboxes.altior.positions import Position, StampClock, parse_stamp
from sync_streams.sandboxes.altior.problems import ApiProblem
from sync_streams.sandboxes.altior.store import Store


def test_stamps_strictly_increase_even_when_the_clock_does_not_move() -> None:
    clock = StampClock("2999-01-01T00:00:00.000000Z")  # "last" is in the future
    stamps = [clock.next() for _ in range(1000)]
    assert stamps == sorted(stamps) and len(set(stamps)) == 1000
    assert stamps[0] == "2999-01-01T00:00:00.000001Z"


def test_cursor_round_trips_and_rejects_garbage_and_foreign_kinds() -> None:
    position = Position("third_party", "2024-05-02T09:15:00.000123Z", 42)
    assert Position.decode(position.encode(), "third_party") == position
    for bad in ("garbage", position.encode()[:-3], "e30"):
        with pytest.raises(ApiProblem) as raised:
            Position.decode(bad, "third_party")
        assert raised.value.field == "cursor"
    with pytest.raises(ApiProblem):
        Position.decode(position.encode(), "contact")


def test_offsets_are_normalised_to_utc() -> None:
    assert parse_stamp("2024-05-02T11:15:00+02:00") == parse_stamp("2024-05-02T09:15:00Z")


async def test_ties_on_updated_at_are_broken_by_id(tmp_path: Path) -> None:
    """Records sharing one timestamp are neither skipped nor repeated across pages."""
    store = await Store.open(tmp_path / "s.db")
    try:
        async with store.transaction() as tx:
            ids = []
            for n in range(7):
                record = await tx.insert(1, "third_party", {"name": f"T{n}"})
                ids.append(record["id"])
            # force a shared timestamp on five of them, as a real ERP may produce
            for record_id in ids[1:6]:
                await tx.db.execute(
                    "UPDATE records SET updated_at = '2024-01-01T00:00:00.000000Z' WHERE id = ?",
                    (record_id,),
                )
        seen: list[int] = []
        after = None
        while True:
            rows, has_more = await store.page(1, "third_party", after=after, since=None, limit=2)
            seen += [row[0] for row in rows]
            if not has_more:
                break
            last_id, last_stamp, _ = rows[-1]
            after = Position("third_party", last_stamp, last_id)
        assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
        assert seen[:5] == ids[1:6]  # equal stamps come out in id order
    finally:
        await store.close()


async def test_a_failed_transaction_leaves_nothing_behind(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "s.db")
    try:
        with pytest.raises(RuntimeError):
            async with store.transaction() as tx:
                await tx.insert(1, "contact", {"last_name": "Durand"})
                raise RuntimeError("validation failed late")
        rows, _ = await store.page(1, "contact", after=None, since=None, limit=10)
        assert rows == []
        async with store.transaction() as tx:
            record = await tx.insert(1, "contact", {"last_name": "Martin"})
        rows, _ = await store.page(1, "contact", after=None, since=None, limit=10)
        assert [json.loads(raw)["last_name"] for _, _, raw in rows] == ["Martin"]
        assert record["created_at"] == record["updated_at"]
    finally:
        await store.close()
