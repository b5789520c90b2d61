"""The sandboxes' ``rate_limit_rate`` fault: a share of calls answered 429, apart from 5xx.

The fault matrix (docs/reliability.md) needs 5xx and 429 at different rates on the same
account at once; one ``error_status`` cannot give both.
"""

from __future__ import annotations

import random

from sync_streams.sandboxes.altior.traffic import Faults as AltiorFaults
from sync_streams.sandboxes.sellsy.faults import decide
from sync_streams.sandboxes.sellsy.settings import Faults as SellsyFaults


def test_sellsy_rate_limit_rate_answers_429_beside_5xx() -> None:
    rng = random.Random(7)
    faults = [SellsyFaults(error_rate=0.10, error_status=503, rate_limit_rate=0.05)]
    decisions = [decide(faults, rng)[0] for _ in range(4000)]
    limited = sum(d.action == "rate_limited" and d.error_status == 429 for d in decisions)
    errors = sum(d.action == "error" and d.error_status == 503 for d in decisions)
    assert 120 < limited < 280  # ~5 %
    assert 250 < errors < 500  # ~10 % of the rest


def test_sellsy_without_rate_limit_rate_never_answers_429() -> None:
    rng = random.Random(7)
    decisions = [decide([SellsyFaults(error_rate=0.5)], rng)[0] for _ in range(500)]
    assert not [d for d in decisions if d.action == "rate_limited"]


def test_altior_rate_limit_rate_answers_rate_limited_beside_errors() -> None:
    faults = AltiorFaults.from_dict({"error_rate": 0.10, "rate_limit_rate": 0.05, "seed": 3})
    decisions = [faults.decide() for _ in range(4000)]
    assert 120 < decisions.count("rate_limited") < 280
    assert 250 < decisions.count("error") < 500


def test_altior_rate_limit_rate_is_checked() -> None:
    try:
        AltiorFaults.from_dict({"rate_limit_rate": 2})
    except ValueError as exc:
        assert "rate_limit_rate" in str(exc)
    else:
        raise AssertionError("a rate above 1 was accepted")
