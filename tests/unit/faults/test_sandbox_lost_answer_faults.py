"""The sandboxes' ``lose_answer`` fault: a write is processed and its answer lost.

It strikes writes only (a read whose answer is lost is no different from a dropped
one), so its countdown waits for a write and its rate counts writes.
"""

from __future__ import annotations

import random

import pytest

from sync_streams.sandboxes.altior.traffic import Faults as AltiorFaults
from sync_streams.sandboxes.sellsy.faults import decide
from sync_streams.sandboxes.sellsy.settings import Faults as SellsyFaults


def test_sellsy_lose_answer_next_waits_for_a_write() -> None:
    rng = random.Random(1)
    faults = [SellsyFaults(lose_answer_next=1)]
    read, faults = decide(faults, rng)
    assert read.action is None and faults[0].lose_answer_next == 1
    write, faults = decide(faults, rng, write=True)
    assert write.action == "lose_answer" and faults[0].lose_answer_next == 0
    assert decide(faults, rng, write=True)[0].action is None


def test_sellsy_lose_answer_rate_counts_writes_only() -> None:
    rng = random.Random(5)
    faults = [SellsyFaults(lose_answer_rate=0.2)]
    writes = [decide(faults, rng, write=True)[0].action for _ in range(2000)]
    reads = [decide(faults, rng)[0].action for _ in range(500)]
    assert 300 < writes.count("lose_answer") < 500  # ~20 %
    assert set(reads) == {None}


def test_altior_lose_answer_next_waits_for_a_write() -> None:
    faults = AltiorFaults.from_dict({"lose_answer_next": 1})
    assert faults.decide() is None
    assert faults.decide(write=True) == "lose_answer"
    assert faults.decide(write=True) is None


@pytest.mark.parametrize(
    "bad", [{"lose_answer_rate": 1.5}, {"lose_answer_next": -1}, {"lose_answer_next": "2"}]
)
def test_altior_lose_answer_settings_are_checked(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="lose_answer"):
        AltiorFaults.from_dict(bad)
